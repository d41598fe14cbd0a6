// linux.seccomp → the cBPF program: what it decides, checked by running the compiled program (the
// addon's libseccomp, unprivileged) in a cBPF interpreter; runc's rules (ENOSYS stub, split
// conditions, default flags); and every refusal with its JSON pointer.
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { nativeSeccomp } from '../../src/plan/build.js';
import { ARCH_TOKEN, planSeccomp, type SeccompContext } from '../../src/plan/seccomp.js';
import type { Seccomp } from '../../src/spec/generated/config.js';
import { exactIntegers } from '../../src/spec/exact-integers.js';
import { runSeccomp } from '../helpers/cbpf.js';

const ACT = { KILL_THREAD: 0, KILL_PROCESS: 0x80000000, TRAP: 0x30000, ALLOW: 0x7fff0000, LOG: 0x7ffc0000, NOTIFY: 0x7fc00000 };
const ERRNO = (e: number) => 0x50000 | e;
const TRACE = (e: number) => 0x7ff00000 | e;
const X86_64 = ARCH_TOKEN.X86_64;
const I386 = ARCH_TOKEN.X86;
const ARM = 0x40000028;
/** x86_64 numbers (arch/x86/entry/syscalls/syscall_64.tbl) and i386 ones (syscall_32.tbl). */
const NR = { read: 0, write: 1, socket: 41, clone: 56, getcwd: 79, mkdir: 83, chmod: 90, getrusage: 98, personality: 135, openat: 257, fchmodat2: 452 };
const NR_I386 = { getpid: 20, mkdir: 39 };
const X32_BIT = 0x40000000;

function context(over: Partial<SeccompContext> = {}): SeccompContext {
  return { ...nativeSeccomp, exactInteger: () => undefined, debug: [], ...over };
}

function compile(seccomp: Seccomp, over: Partial<SeccompContext> = {}) {
  const ctx = context(over);
  const planned = planSeccomp(seccomp, ctx)!;
  const decide = (nr: number, args: bigint[] = [], arch: number = X86_64) => runSeccomp(planned.program, { nr, arch, args });
  return { planned, decide, debug: ctx.debug };
}

t.test('an allow list under an errno default: the default errno, and ENOSYS past the newest syscall named', async (t) => {
  const { decide } = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: 1,
    syscalls: [{ names: ['read', 'write', 'openat', 'getrusage'], action: 'SCMP_ACT_ALLOW' }],
  });
  t.equal(decide(NR.read), ACT.ALLOW);
  t.equal(decide(NR.openat), ACT.ALLOW);
  t.equal(decide(NR.mkdir), ERRNO(1), 'a syscall not allowed: defaultErrnoRet');
  t.equal(decide(NR.fchmodat2), ERRNO(38), 'newer than every syscall named (openat, 257): ENOSYS, as runc’s stub gives');
  t.equal(decide(NR.getrusage | X32_BIT), ACT.KILL_THREAD, 'x32 is not in the filter: the bad-architecture action');
  t.equal(decide(NR_I386.getpid, [], I386), ACT.KILL_THREAD, 'nor is i386');
});

t.test('a deny list under an allow default: no stub, errnoRet per rule, EPERM by default', async (t) => {
  const { decide } = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      { names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 13 },
      { names: ['chmod'], action: 'SCMP_ACT_ERRNO' },
      { names: ['getcwd'], action: 'SCMP_ACT_KILL_PROCESS' },
      { names: ['socket'], action: 'SCMP_ACT_TRAP' },
      { names: ['personality'], action: 'SCMP_ACT_LOG' },
      { names: ['clone'], action: 'SCMP_ACT_TRACE' },
      { names: ['getrusage'], action: 'SCMP_ACT_KILL' },
    ],
  });
  t.equal(decide(NR.mkdir), ERRNO(13));
  t.equal(decide(NR.chmod), ERRNO(1), 'SCMP_ACT_ERRNO without errnoRet is EPERM');
  t.equal(decide(NR.getcwd), ACT.KILL_PROCESS);
  t.equal(decide(NR.socket), ACT.TRAP);
  t.equal(decide(NR.personality), ACT.LOG);
  t.equal(decide(NR.clone), TRACE(1), 'SCMP_ACT_TRACE without errnoRet carries EPERM, as runc’s');
  t.equal(decide(NR.getrusage), ACT.KILL_THREAD, 'SCMP_ACT_KILL is KILL_THREAD');
  t.equal(decide(NR.read), ACT.ALLOW);
  t.equal(decide(NR.fchmodat2), ACT.ALLOW, 'no ENOSYS stub under a permissive default');
});

t.test('arguments: every operator, AND across indices, OR when an index repeats, all 64 bits', async (t) => {
  type Args = NonNullable<NonNullable<Seccomp['syscalls']>[number]['args']>;
  const deny = (names: [string, ...string[]], args: Args) => ({ names, action: 'SCMP_ACT_ERRNO' as const, errnoRet: 99, args });
  const { decide } = compile({
    defaultAction: 'SCMP_ACT_ALLOW',
    syscalls: [
      deny(['socket'], [{ index: 0, op: 'SCMP_CMP_EQ', value: 2 }]), // AF_INET only
      deny(['personality'], [{ index: 0, op: 'SCMP_CMP_NE', value: 0 }, { index: 0, op: 'SCMP_CMP_NE', value: 8 }]), // repeated index: ORed
      deny(['mkdir'], [{ index: 1, op: 'SCMP_CMP_GT', value: 0o700 }, { index: 0, op: 'SCMP_CMP_LT', value: 1000 }]), // ANDed
      deny(['chmod'], [{ index: 1, op: 'SCMP_CMP_GE', value: 0o4000 }]),
      deny(['getcwd'], [{ index: 1, op: 'SCMP_CMP_LE', value: 10 }]),
      deny(['clone'], [{ index: 0, op: 'SCMP_CMP_MASKED_EQ', value: 0x10000000, valueTwo: 0x10000000 }]), // CLONE_NEWUSER set
      deny(['getrusage'], [{ index: 0, op: 'SCMP_CMP_EQ', value: 2 ** 32 + 5 }]),
    ],
  });
  t.equal(decide(NR.socket, [2n]), ERRNO(99), 'socket(AF_INET) denied');
  t.equal(decide(NR.socket, [1n]), ACT.ALLOW, 'socket(AF_UNIX) allowed');
  // Split rules are ORed: NE 0 or NE 8 is true for every value, as runc’s profiles intend it.
  t.equal(decide(NR.personality, [0n]), ERRNO(99));
  t.equal(decide(NR.personality, [8n]), ERRNO(99));
  t.equal(decide(NR.mkdir, [5n, 0o777n]), ERRNO(99), 'both conditions hold');
  t.equal(decide(NR.mkdir, [5n, 0o600n]), ACT.ALLOW, 'one does not');
  t.equal(decide(NR.mkdir, [2000n, 0o777n]), ACT.ALLOW, 'the other does not');
  t.equal(decide(NR.chmod, [0n, 0o4755n]), ERRNO(99));
  t.equal(decide(NR.chmod, [0n, 0o755n]), ACT.ALLOW);
  t.equal(decide(NR.getcwd, [0n, 10n]), ERRNO(99));
  t.equal(decide(NR.getcwd, [0n, 11n]), ACT.ALLOW);
  t.equal(decide(NR.clone, [0x10000000n | 0x11n]), ERRNO(99), 'masked bits set');
  t.equal(decide(NR.clone, [0x11n]), ACT.ALLOW, 'masked bits clear');
  t.equal(decide(NR.getrusage, [2n ** 32n + 5n]), ERRNO(99), 'the whole 64-bit value');
  t.equal(decide(NR.getrusage, [5n]), ACT.ALLOW, 'the same low word with another high word is another value');
});

t.test('values beyond 2^53 are taken exactly, from the config text', async (t) => {
  const text = JSON.stringify({ linux: { seccomp: { syscalls: [{ args: [{ value: 1 }] }] } } }).replace('"value":1', '"value":18446744069414584320');
  const exact = exactIntegers(text);
  t.same([...exact], [['/linux/seccomp/syscalls/0/args/0/value', 0xffffffff00000000n]]);
  const { decide } = compile(
    { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['getrusage'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, op: 'SCMP_CMP_EQ', value: Number(0xffffffff00000000n) }] }] },
    { exactInteger: (p) => exact.get(p) },
  );
  t.equal(decide(NR.getrusage, [0xffffffff00000000n]), ERRNO(1));
  t.equal(decide(NR.getrusage, [0xffffffff00000001n]), ACT.ALLOW, 'JSON.parse would have made these two equal');
  t.same([...exactIntegers('{"a":[1,2,{"b~c/d":-12345678901234567890}],"e":"9007199254740993"}')], [['/a/2/b~0c~1d', -12345678901234567890n]], 'pointers escaped; strings are not numbers');
  t.equal(exactIntegers('{"a": 9007199254740991}').size, 0, 'a safe integer needs nothing');
});

t.test('architectures: x86 and x32 beside x86_64, the ENOSYS stub per mode', async (t) => {
  const { decide } = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
    syscalls: [{ names: ['getpid', 'mkdir'], action: 'SCMP_ACT_ALLOW' }],
  });
  t.equal(decide(NR.mkdir), ACT.ALLOW);
  t.equal(decide(NR_I386.mkdir, [], I386), ACT.ALLOW, 'an i386 syscall is filtered with its own number');
  t.equal(decide(NR.mkdir | X32_BIT), ACT.ALLOW, 'x32 too');
  t.equal(decide(NR.socket), ERRNO(1), 'not allowed, below the newest named (mkdir, 83)');
  t.equal(decide(NR.chmod), ERRNO(38), 'above it (chmod, 90): ENOSYS');
  t.equal(decide(NR.chmod | X32_BIT), ERRNO(38), 'x32: above the newest named, ENOSYS');
  t.equal(decide(200, [], I386), ERRNO(38), 'i386: above the newest named (getpid 20, mkdir 39), ENOSYS');
  t.equal(decide(NR.read, [], ARM), ACT.KILL_THREAD, 'an architecture not in the filter: the bad-architecture action');
});

t.test('names libseccomp does not know are skipped with a debug line; a rule equal to the default is dropped', async (t) => {
  const { decide, debug } = compile({
    defaultAction: 'SCMP_ACT_ERRNO',
    syscalls: [
      { names: ['no_such_syscall', 'read'], action: 'SCMP_ACT_ALLOW' },
      { names: ['write'], action: 'SCMP_ACT_ERRNO', errnoRet: 1 },
    ],
  });
  t.equal(decide(NR.read), ACT.ALLOW);
  t.same(debug, ['seccomp: unknown syscall "no_such_syscall" ignored']);
});

t.test('flags: SPEC_ALLOW by default as runc sets it, TSYNC accepted, NEW_LISTENER with notify', async (t) => {
  const base: Seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };
  const all = { flagSupported: () => true };
  t.equal(compile(base, all).planned.flags, 4, 'no flags given: SPEC_ALLOW');
  t.equal(compile(base, { flagSupported: () => false }).planned.flags, 0, '… where the kernel has it');
  t.equal(compile({ ...base, flags: [] }, all).planned.flags, 0, 'an empty list means none');
  t.equal(compile({ ...base, flags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'] }, all).planned.flags, 2);
  const notify = compile(
    { ...base, flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'], listenerPath: '/run/agent.sock', listenerMetadata: 'm', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] },
    all,
  );
  t.equal(notify.planned.flags, 8 | 32, 'NEW_LISTENER, and WAIT_KILLABLE_RECV with it');
  t.same([notify.planned.listenerPath, notify.planned.listenerMetadata], ['/run/agent.sock', 'm']);
  t.equal(notify.decide(NR.mkdir), ACT.NOTIFY);
  const waitAlone = compile({ ...base, flags: ['SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] }, all);
  t.equal(waitAlone.planned.flags, 0, 'WAIT_KILLABLE_RECV without a listener is left out');
  t.match(waitAlone.debug, [/WAIT_KILLABLE_RECV without SCMP_ACT_NOTIFY/]);
  t.throws(() => compile({ ...base, flags: ['SECCOMP_FILTER_FLAG_LOG'] }, { flagSupported: () => false }), /\/linux\/seccomp\/flags\/0: SECCOMP_FILTER_FLAG_LOG is not supported by this kernel/);
});

t.test('refusals name the pointer and the section', async (t) => {
  const cases: Array<[string, Seccomp, RegExp]> = [
    ['errnoRet with ALLOW', { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW', errnoRet: 5 }] }, /\/linux\/seccomp\/syscalls\/0\/errnoRet: is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW/],
    ['defaultErrnoRet with KILL', { defaultAction: 'SCMP_ACT_KILL', defaultErrnoRet: 5 }, /\/linux\/seccomp\/defaultErrnoRet: is only allowed with/],
    ['arg index 6', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }, /\/linux\/seccomp\/syscalls\/0\/args\/0\/index: must be below 6/],
    ['notify without listenerPath', { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }, /\/linux\/seccomp\/listenerPath: is required when a rule uses SCMP_ACT_NOTIFY/],
    ['metadata without listenerPath', { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'x' }, /\/linux\/seccomp\/listenerMetadata: must not be set without listenerPath/],
    ['notify as the default', { defaultAction: 'SCMP_ACT_NOTIFY', listenerPath: '/x' }, /\/linux\/seccomp\/defaultAction: cannot be SCMP_ACT_NOTIFY/],
    ['notify on write', { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/x', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_NOTIFY' }] }, /\/linux\/seccomp\/syscalls\/0\/names\/1: SCMP_ACT_NOTIFY cannot be used for the write syscall/],
    ['an architecture libseccomp lacks', { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_LOONGARCH64'] }, /\/linux\/seccomp\/architectures\/1: SCMP_ARCH_LOONGARCH64 is not an architecture this build's libseccomp knows/],
  ];
  for (const [name, seccomp, message] of cases) {
    const err = t.throws(() => compile(seccomp), name) as Error;
    t.type(err, ConfigError, name);
    t.match(err.message, message, name);
    t.match(err.message, /\(config-linux\.md#configLinuxSeccomp\)$/, `${name}: the section`);
  }
});

t.test('the compile cache: a hit gives the same program without libseccomp; only in a root that is ours alone', async (t) => {
  const { cachingSeccompCompiler } = await import('../../src/runtime/seccomp-cache.js');
  const { StateStore } = await import('../../src/state/store.js');
  const fs = await import('node:fs');
  const os = await import('node:os');
  const path = await import('node:path');
  const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-cache-')), 'root');
  t.teardown(() => fs.rmSync(path.dirname(root), { recursive: true, force: true }));
  const store = new StateStore(root);
  t.equal(store.cacheDir('seccomp'), undefined, 'no root yet: no cache');
  fs.mkdirSync(root, { mode: 0o700 });
  let compiled = 0;
  const counting: SeccompContext['compile'] = (p) => {
    compiled++;
    return nativeSeccomp.compile(p);
  };
  const seccomp: Seccomp = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' }] };
  const first = compile(seccomp, { compile: cachingSeccompCompiler(store.cacheDir('seccomp'), counting) });
  const second = compile(seccomp, { compile: cachingSeccompCompiler(store.cacheDir('seccomp'), counting) });
  t.equal(compiled, 1, 'compiled once');
  t.same(second.planned.program, first.planned.program, 'the same program from the cache');
  compile({ ...seccomp, defaultErrnoRet: 2 }, { compile: cachingSeccompCompiler(store.cacheDir('seccomp'), counting) });
  t.equal(compiled, 2, 'another profile is another entry');
  const entries = fs.readdirSync(path.join(root, '~cache', 'seccomp'));
  t.equal(entries.length, 2);
  t.equal(fs.statSync(path.join(root, '~cache', 'seccomp', entries[0]!)).mode & 0o777, 0o600);
  // A name shared with another request (a hash collision, or an entry tampered with): a miss.
  for (const name of entries) {
    const file = path.join(root, '~cache', 'seccomp', name);
    const entry = JSON.parse(fs.readFileSync(file, 'utf8')) as { key: string; program: string };
    fs.writeFileSync(file, JSON.stringify({ ...entry, key: `${entry.key} `, program: Buffer.alloc(8).toString('base64') }));
  }
  const third = compile(seccomp, { compile: cachingSeccompCompiler(store.cacheDir('seccomp'), counting) });
  t.equal(compiled, 3, 'an entry for another request is compiled again');
  t.same(third.planned.program, first.planned.program, 'and the right program is used');
  fs.chmodSync(root, 0o777);
  t.equal(store.cacheDir('seccomp'), undefined, 'a root others may write: no cache read or written');
});

t.test('the load stage follows each process’s noNewPrivileges, for exec too', async (t) => {
  const { seccompForProcess } = await import('../../src/plan/build.js');
  const { buildExecPlan } = await import('../../src/plan/exec.js');
  const { SeccompStage } = await import('../../src/plan/launch-plan.js');
  const { baseSpec } = await import('../helpers/specs.js');
  const filter = { program: Buffer.alloc(8), flags: 4 };
  t.same(seccompForProcess(filter, true), { ...filter, stage: SeccompStage.Late }, 'noNewPrivileges: just before exec');
  t.same(seccompForProcess(filter, false), { ...filter, stage: SeccompStage.Early }, 'without: while CAP_SYS_ADMIN is there');
  t.equal(seccompForProcess(undefined, true), undefined);
  const spec = baseSpec();
  const exec = buildExecPlan(spec, { ...spec.process!, noNewPrivileges: false }, 123, { lastCap: 40, bounding: (1n << 41n) - 1n, effective: ~0n }, 0, filter);
  t.same(exec.seccomp, { ...filter, stage: SeccompStage.Early }, 'an exec’d process gets the container’s filter');
});
