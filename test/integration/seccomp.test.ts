// Seccomp from inside real containers: the filter is in force (Seccomp: 2), each action and
// operator does what libseccomp says, and a probe that makes a fixed list of raw syscalls prints
// exactly what it prints under Debian's runc on the same bundle, for the profiles real clients send.
// Also: the notify listener, exec'd processes, and bad profiles.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Seccomp, Spec } from '../../src/spec/generated/config.js';
import { expectCreateRefused, makeBundle, rootSkipReason, stateRoot, tempDir, tsrunc, uniqueId, waitFor } from '../helpers/cli.js';
import { buildProbe } from '../helpers/probes.js';
import { repoPath } from '../helpers/repo.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

const profile = (name: string): Seccomp => JSON.parse(fs.readFileSync(repoPath(`test/fixtures/seccomp/${name}.json`), 'utf8')) as Seccomp;
const X86_ARCHS: Seccomp['architectures'] = ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];

/**
 * Why this host cannot make i386 system calls at all, outside any container (some hypervisors fault
 * on `int 0x80` even with IA32 emulation built in); undefined where it can.
 */
const i386Fault = (() => {
  const r = spawnSync(path.join(buildProbe('syscalls'), 'syscalls'), ['i386-getpid=i386:20'], { encoding: 'utf8' });
  return r.status === 0 && r.stdout === 'i386-getpid ok\n' ? undefined : `this host cannot make i386 system calls: int 0x80 ends the probe with ${r.signal ?? `exit ${r.status}`} outside any container`;
})();

/**
 * The probe's calls: x86_64 numbers (syscall_64.tbl) unless marked i386 (syscall_32.tbl) or x32.
 * Every one is harmless whatever the filter lets through: bad pointers, absent files, queries.
 */
const CALLS = [
  'getpid=64:39', 'getppid=64:110', 'uname=64:63:0', 'mkdir=64:83:s:/tmp/probe-dir:0755', 'chmod=64:90:s:/:0755',
  'getcwd=64:79:0:0', 'personality-query=64:135:0xffffffff', 'personality-8=64:135:8', 'personality-0=64:135:0',
  'socket-inet=64:41:2:1:0', 'socket-unix=64:41:1:1:0', 'socket-netlink=64:41:16:3:0', 'socket-packet=64:41:17:3:0',
  'unshare-0=64:272:0', 'clone3=64:435:0:0', 'keyctl=64:250:0:0xffffffffffffffff:0', 'add_key=64:248:0:0:0:0:0',
  'ptrace=64:101:3:999999:0:0', 'mount=64:165:0:0:0:0:0', 'umount2=64:166:s:/nonexistent:0', 'pivot_root=64:155:0:0',
  'swapon=64:167:0:0', 'reboot=64:169:0:0:0:0', 'init_module=64:175:0:0:0', 'kexec_load=64:246:0:0:0:0',
  'bpf=64:321:0:0:0', 'perf_event_open=64:298:0:0:0:0:0', 'userfaultfd=64:323:0', 'io_uring_setup=64:425:0:0',
  'syslog=64:103:10:0:0', 'setns=64:308:0xffffffffffffffff:0', 'open_by_handle_at=64:304:0xffffffffffffffff:0:0',
  'fchmodat2=64:452:0xffffffffffffffff:0:0:0', 'nosuch-500=64:500', 'getrusage-lo=64:98:0:0', 'getrusage-hi=64:98:0x100000000:0',
  'getpriority-0=64:140:0:0', 'getpriority-1=64:140:1:0', 'setpgid-9999=64:109:9999:0', 'setpgid-1=64:109:1:0',
  'getpgid-1=64:121:1', 'getpgid-2=64:121:2', 'getsid-99999=64:124:99999', 'getsid-100000=64:124:100000',
  'sched_getscheduler-2=64:145:2', 'sched_getscheduler-3=64:145:3', 'personality-0x108=64:135:0x108',
  'socket-inet-dgram=64:41:2:2:0', 'getitimer-0=64:36:0:0', 'getitimer-1=64:36:1:0', 'getitimer-2=64:36:2:0',
  'sched_yield=64:24',
  ...(i386Fault ? [] : ['i386-getpid=i386:20', 'i386-mkdir=i386:39:s:/tmp/probe-dir32:0755', 'i386-socketcall=i386:102:1:0', 'i386-personality=i386:136:0xffffffff']),
  'x32-getpid=x32:39', 'x32-mkdir=x32:83:s:/tmp/x32:0755',
  'unshare-user=64:272:0x10000000',
];

/** Every action and operator, each on a syscall of its own, under an allow default. */
const EVERY_ACTION_AND_OPERATOR: Seccomp = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: X86_ARCHS,
  syscalls: [
    { names: ['getppid'], action: 'SCMP_ACT_ERRNO', errnoRet: 7 },
    { names: ['uname'], action: 'SCMP_ACT_TRACE' },
    { names: ['getcwd'], action: 'SCMP_ACT_LOG' },
    { names: ['getrusage'], action: 'SCMP_ACT_ERRNO', errnoRet: 60, args: [{ index: 0, value: 2 ** 32, op: 'SCMP_CMP_EQ' }] },
    { names: ['getpriority'], action: 'SCMP_ACT_ERRNO', errnoRet: 61, args: [{ index: 0, value: 0, op: 'SCMP_CMP_NE' }] },
    { names: ['setpgid'], action: 'SCMP_ACT_ERRNO', errnoRet: 62, args: [{ index: 0, value: 5, op: 'SCMP_CMP_LT' }] },
    { names: ['getpgid'], action: 'SCMP_ACT_ERRNO', errnoRet: 63, args: [{ index: 0, value: 1, op: 'SCMP_CMP_LE' }] },
    { names: ['getsid'], action: 'SCMP_ACT_ERRNO', errnoRet: 64, args: [{ index: 0, value: 100000, op: 'SCMP_CMP_GE' }] },
    { names: ['sched_getscheduler'], action: 'SCMP_ACT_ERRNO', errnoRet: 65, args: [{ index: 0, value: 2, op: 'SCMP_CMP_GT' }] },
    { names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 66, args: [{ index: 0, value: 0xff, valueTwo: 8, op: 'SCMP_CMP_MASKED_EQ' }] },
    { names: ['socket'], action: 'SCMP_ACT_ERRNO', errnoRet: 67, args: [{ index: 0, value: 2, op: 'SCMP_CMP_EQ' }, { index: 1, value: 1, op: 'SCMP_CMP_EQ' }] },
    { names: ['getitimer'], action: 'SCMP_ACT_ERRNO', errnoRet: 68, args: [{ index: 0, value: 0, op: 'SCMP_CMP_EQ' }, { index: 0, value: 2, op: 'SCMP_CMP_EQ' }] },
    { names: ['sched_yield'], action: 'SCMP_ACT_TRAP' },
    { names: ['kcmp'], action: 'SCMP_ACT_KILL_PROCESS' },
    { names: ['flock'], action: 'SCMP_ACT_KILL_THREAD' },
    { names: ['msync'], action: 'SCMP_ACT_KILL' },
  ],
};

/** An allow default with a deny list (Docker's style before profiles became allow lists). */
const ALLOW_WITH_DENY_LIST: Seccomp = {
  defaultAction: 'SCMP_ACT_ALLOW',
  architectures: X86_ARCHS,
  syscalls: [
    { names: ['mkdir', 'chmod', 'socket', 'unshare', 'keyctl', 'ptrace', 'personality'], action: 'SCMP_ACT_ERRNO' },
    { names: ['add_key', 'userfaultfd', 'no_such_syscall_at_all'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
  ],
};

const PROFILES: Array<[string, Seccomp]> = [
  ['podman’s default profile', profile('podman-default')],
  ['the runtime-tools generator’s default profile', profile('runtime-tools-default')],
  ['a profile with every action and operator', EVERY_ACTION_AND_OPERATOR],
  ['an allow default with a deny list', ALLOW_WITH_DENY_LIST],
];

/** A bundle running the syscall probe with `calls` under `seccomp`. */
function probeBundle(t: Test, seccomp: Seccomp | undefined, calls: string[], mutate: (s: Spec) => void = () => {}): string {
  const probes = buildProbe('syscalls');
  return makeBundle(t, (s) => {
    s.mounts!.push({ destination: '/probes', type: 'bind', source: probes, options: ['rbind', 'ro'] });
    s.process!.args = ['/probes/syscalls', ...calls];
    if (seccomp) s.linux!.seccomp = seccomp;
    mutate(s);
  });
}

/** Runs a bundle to its end with a runtime ('tsrunc' or Debian's runc); its output and how it ended. */
function runWith(t: Test, runtime: 'tsrunc' | 'runc', bundle: string): { output: string; status: number | null; signal: string | null; stderr: string } {
  const id = uniqueId(runtime);
  if (runtime === 'tsrunc') {
    const r = tsrunc(stateRoot(t), ['run', '--bundle', bundle, id]);
    // tsrunc run exits 128 + n for a process killed by signal n, as runc does.
    return { output: r.stdout, status: r.status, signal: null, stderr: r.stderr };
  }
  const root = tempDir(t, 'runc-root-');
  const r = spawnSync('runc', ['--root', root, 'run', '--bundle', bundle, id], { encoding: 'utf8', timeout: 60_000 });
  spawnSync('runc', ['--root', root, 'delete', '--force', id]);
  return { output: r.stdout, status: r.status, signal: r.signal, stderr: r.stderr };
}

t.test('the filter is in force, for the process and for exec', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('status');
  const bundle = makeBundle(t, (s) => {
    s.linux!.seccomp = ALLOW_WITH_DENY_LIST;
    s.process!.args = ['sleep', '30'];
  });
  t.equal(tsrunc(root, ['run', '-d', '--bundle', bundle, id]).status, 0);
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  t.match(status, /^Seccomp:\s+2$/m, 'filter mode');
  t.match(status, /^Seccomp_filters:\s+1$/m, 'exactly one filter');
  const e = tsrunc(root, ['exec', id, 'sh', '-c', 'grep -E "^Seccomp(_filters)?:" /proc/self/status; mkdir /tmp/x 2>&1; echo $?']);
  t.equal(e.status, 0, e.stderr);
  t.match(e.stdout, /^Seccomp:\s+2\nSeccomp_filters:\s+1\n/, 'an exec’d process has the same filter');
  t.match(e.stdout, /Operation not permitted\n1\n$/, 'and the same denial');
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('each action as the probe sees it', async (t) => {
  const run = (calls: string[]) => runWith(t, 'tsrunc', probeBundle(t, EVERY_ACTION_AND_OPERATOR, calls));
  const r = run(['getppid=64:110', 'uname=64:63:0', 'getcwd=64:79:0:0', 'sched_yield=64:24', 'getpid=64:39']);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.output, 'getppid E2BIG\nuname ENOSYS\ngetcwd ERANGE\nsched_yield SIGSYS\ngetpid ok\n', 'ERRNO with errnoRet, TRACE with no tracer, LOG allows, TRAP delivers SIGSYS');
  // defaultErrnoRet: podman's profile with its default errno changed; create_module is named nowhere in it,
  // and a number above every syscall it names gets runc's ENOSYS.
  const deny = runWith(t, 'tsrunc', probeBundle(t, { ...profile('podman-default'), defaultErrnoRet: 60 }, ['create_module=64:174', 'nosuch-500=64:500', 'getpid=64:39']));
  t.equal(deny.output, 'create_module ENOSTR\nnosuch-500 ENOSYS\ngetpid ok\n', 'defaultErrnoRet, and ENOSYS past the profile');
  for (const [name, call] of [['KILL_PROCESS', 'kcmp=64:312'], ['KILL_THREAD', 'flock=64:73:0:0'], ['KILL', 'msync=64:26:0:0:0']]) {
    const k = run(['getpid=64:39', call!, 'getppid=64:110']);
    t.equal(k.output, 'getpid ok\n', `${name}: nothing runs after the call`);
    t.equal(k.status, 128 + 31, `${name}: killed by SIGSYS`);
  }
});

t.test('operators, AND, OR and 64-bit values decide the right calls', async (t) => {
  const r = runWith(t, 'tsrunc', probeBundle(t, EVERY_ACTION_AND_OPERATOR, CALLS.filter((c) => /^(getrusage|getpriority|setpgid|getpgid|getsid|sched_getscheduler|personality|socket-inet|getitimer)/.test(c))));
  t.equal(r.status, 0, r.stderr);
  const seen = Object.fromEntries(r.output.trim().split('\n').map((l) => l.split(' ') as [string, string]));
  // A denied call returns the rule's errno (60 ENOSTR … 68 EADV); an allowed one what the kernel says.
  t.same(seen, {
    'getrusage-lo': 'EFAULT', // EQ 2^32: 0 is not it
    'getrusage-hi': 'ENOSTR', // … 2^32 is, on all 64 bits
    'getpriority-0': 'ok', // NE 0
    'getpriority-1': 'ENODATA',
    'setpgid-9999': 'ESRCH', // LT 5
    'setpgid-1': 'ETIME',
    'getpgid-1': 'ENOSR', // LE 1
    'getpgid-2': 'ESRCH',
    'getsid-99999': 'ESRCH', // GE 100000
    'getsid-100000': 'ENONET',
    'sched_getscheduler-2': 'ESRCH', // GT 2
    'sched_getscheduler-3': 'ENOPKG',
    'personality-query': 'ok', // MASKED_EQ 0xff → 8
    'personality-8': 'EREMOTE',
    'personality-0': 'ok',
    'personality-0x108': 'EREMOTE',
    'socket-inet': 'ENOLINK', // AND: AF_INET and SOCK_STREAM
    'socket-inet-dgram': 'ok',
    'getitimer-0': 'EADV', // the same index twice: ORed
    'getitimer-1': 'EFAULT',
    'getitimer-2': 'EADV',
  });
});

t.test('i386 syscalls are filtered when SCMP_ARCH_X86 is listed, and refused when it is not', { skip: i386Fault }, async (t) => {
  const calls = ['i386-getpid=i386:20', 'i386-mkdir=i386:39:s:/nonexistent/x:0755', 'x32-getpid=x32:39', 'getpid=64:39'];
  const deny = (architectures: Seccomp['architectures']): Seccomp => ({ defaultAction: 'SCMP_ACT_ALLOW', architectures, syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', errnoRet: 60 }] });
  const listed = runWith(t, 'tsrunc', probeBundle(t, deny(X86_ARCHS), calls));
  t.equal(listed.output, 'i386-getpid ok\ni386-mkdir ENOSTR\nx32-getpid ENOSYS\ngetpid ok\n', 'the i386 mkdir is denied by its own number; x32 passes to a kernel without x32');
  const native = runWith(t, 'tsrunc', probeBundle(t, deny(['SCMP_ARCH_X86_64']), ['getpid=64:39', 'i386-getpid=i386:20', 'getppid=64:110']));
  t.equal(native.output, 'getpid ok\n', 'an architecture outside the filter is killed (libseccomp’s bad-architecture action)');
  t.equal(native.status, 128 + 31);
});

for (const [name, seccomp] of PROFILES) {
  t.test(`the probe sees under tsrunc exactly what it sees under runc: ${name}`, async (t) => {
    const bundle = probeBundle(t, seccomp, CALLS);
    const ours = runWith(t, 'tsrunc', bundle);
    const runc = runWith(t, 'runc', bundle);
    t.equal(runc.status, 0, `runc ran it (${runc.stderr.trim()})`);
    t.equal(ours.status, runc.status, `the same exit status (${ours.stderr.trim()})`);
    t.equal(ours.output, runc.output, 'the same result for every call');
    t.equal(ours.output.trim().split('\n').length, CALLS.length, 'every call made');
    for (const kill of ['kcmp=64:312', 'flock=64:73:0:0', 'msync=64:26:0:0:0']) {
      const killBundle = probeBundle(t, seccomp, ['getpid=64:39', kill, 'getppid=64:110']);
      const a = runWith(t, 'tsrunc', killBundle);
      const b = runWith(t, 'runc', killBundle);
      t.same([a.output, a.status], [b.output, b.status ?? (b.signal === 'SIGSYS' ? 159 : b.signal)], `${kill.split('=')[0]}: the same`);
    }
  });
}

t.test('SCMP_ACT_NOTIFY: the listener gets one fd and the state, answers, and the container sees the answer', async (t) => {
  const dir = tempDir(t, 'tsrunc-agent-');
  fs.chmodSync(dir, 0o755);
  const socket = path.join(dir, 'agent.sock');
  const received = path.join(dir, 'received.json');
  const agentDir = buildProbe('seccomp-agent');
  // The agent answers mkdir with EXDEV and lets chmod go ahead (SECCOMP_USER_NOTIF_FLAG_CONTINUE).
  const agent = spawn(path.join(agentDir, 'seccomp-agent'), [socket, received], { stdio: ['ignore', 'inherit', 'inherit'] });
  t.teardown(() => agent.kill('SIGKILL'));
  t.ok(await waitFor(() => fs.existsSync(socket)), 'the agent listens');
  const root = stateRoot(t);
  const id = uniqueId('notify');
  const bundle = makeBundle(t, (s) => {
    s.linux!.seccomp = {
      defaultAction: 'SCMP_ACT_ALLOW',
      listenerPath: socket,
      listenerMetadata: 'MKDIR=EXDEV',
      syscalls: [{ names: ['mkdir', 'mkdirat', 'chmod', 'fchmodat'], action: 'SCMP_ACT_NOTIFY' }],
    };
    s.annotations = { 'org.example.key': 'value' };
    s.process!.args = ['sh', '-c', 'mkdir /tmp/notified 2>&1; echo mkdir=$?; chmod 755 /etc 2>&1; echo chmod=$?; ls -l /proc/self/fd 2>/dev/null | grep -c seccomp; true'];
  });
  const r = tsrunc(root, ['run', '--bundle', bundle, id]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /Invalid cross-device link\nmkdir=1\n/, 'mkdir got the agent’s EXDEV');
  t.match(r.stdout, /chmod=[01]\n/, 'chmod was let through to the kernel (EROFS or done, not the agent’s)');
  t.match(r.stdout, /\n0\n$/, 'no seccomp fd in the container');
  const state = JSON.parse(fs.readFileSync(received, 'utf8')) as Record<string, unknown> & { state: Record<string, unknown> };
  t.match(state, { ociVersion: '1.3.0', fds: ['seccompFd'], metadata: 'MKDIR=EXDEV', fdCount: 1 });
  t.match(state.state, { ociVersion: '1.3.0', id, status: 'creating', bundle, annotations: { 'org.example.key': 'value' } });
  t.equal(state.pid, state.state.pid, 'the container process is the init');
  t.type(state.pid, 'number');
});

t.test('bad profiles are refused with the pointer, and leave nothing', async (t) => {
  const root = stateRoot(t);
  const cases: Array<[string, (s: Spec) => void, RegExp]> = [
    ['unknown action', (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_BOGUS' as never }), /\/linux\/seccomp\/defaultAction: must be one of .*\(config-linux\.md#configLinuxSeccomp\)/],
    ['unknown operator', (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0, op: 'SCMP_CMP_BOGUS' as never }] }] }), /\/linux\/seccomp\/syscalls\/0\/args\/0\/op: must be one of/],
    ['unknown architecture', (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_VAX' as never] }), /\/linux\/seccomp\/architectures\/0: must be one of/],
    ['an architecture this libseccomp lacks', (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_LOONGARCH64'] }), /\/linux\/seccomp\/architectures\/0: SCMP_ARCH_LOONGARCH64 is not an architecture/],
    ['unknown flag', (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', flags: ['SECCOMP_FILTER_FLAG_BOGUS' as never] }), /\/linux\/seccomp\/flags\/0: must be one of/],
    ['arg index 6', (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ERRNO', args: [{ index: 6, value: 0, op: 'SCMP_CMP_EQ' }] }] }), /\/linux\/seccomp\/syscalls\/0\/args\/0\/index: must be below 6/],
    ['notify without listenerPath', (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }), /\/linux\/seccomp\/listenerPath: is required when a rule uses SCMP_ACT_NOTIFY/],
    ['a listener nobody listens on', (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: '/nonexistent/agent.sock', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_NOTIFY' }] }), /seccomp listener \/nonexistent\/agent\.sock: connect `\/nonexistent\/agent\.sock`: No such file or directory \(ENOENT\)/],
    ['errnoRet on an action without one', (s) => (s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['read'], action: 'SCMP_ACT_KILL', errnoRet: 1 }] }), /\/linux\/seccomp\/syscalls\/0\/errnoRet: is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE/],
  ];
  for (const [name, mutate, message] of cases) expectCreateRefused(t, root, mutate, message, name);
});
