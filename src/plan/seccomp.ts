/**
 * linux.seccomp (config-linux.md "Seccomp") → the cBPF program the init loads with one seccomp(2).
 *
 * Semantics are runc's, so a profile behaves the same under either runtime:
 * - libseccomp (through the addon) compiles the rules: one rule per syscall name, conditions on
 *   different arguments ANDed, and conditions that repeat an argument index split into one rule
 *   each (ORed), as runc does; a rule whose action is the default action is dropped; a name
 *   libseccomp does not know is skipped with a debug line;
 * - ERRNO and TRACE default to EPERM; SCMP_ACT_KILL is KILL_THREAD;
 * - without `flags`, SECCOMP_FILTER_FLAG_SPEC_ALLOW is set where the kernel has it; TSYNC is
 *   accepted and has nothing to do (the init is single-threaded);
 * - runc's -ENOSYS stub (libcontainer/seccomp/patchbpf) goes in front of the program: a syscall
 *   numbered above every syscall the profile names, for an architecture of the filter, fails with
 *   ENOSYS instead of the default action, so programs fall back from syscalls newer than the profile.
 */
import { ConfigError } from '../errors.js';
import type { Seccomp } from '../spec/generated/config.js';

const SECTION = 'config-linux.md#configLinuxSeccomp';

/** SCMP_ACT_* values (the kernel's SECCOMP_RET_*), the errno/trace data in the low 16 bits. */
export const SCMP_ACT = {
  SCMP_ACT_KILL: 0x00000000,
  SCMP_ACT_KILL_THREAD: 0x00000000,
  SCMP_ACT_KILL_PROCESS: 0x80000000,
  SCMP_ACT_TRAP: 0x00030000,
  SCMP_ACT_ERRNO: 0x00050000,
  SCMP_ACT_TRACE: 0x7ff00000,
  SCMP_ACT_LOG: 0x7ffc0000,
  SCMP_ACT_ALLOW: 0x7fff0000,
  SCMP_ACT_NOTIFY: 0x7fc00000,
} as const;

/** enum scmp_compare. */
export const SCMP_CMP = { SCMP_CMP_NE: 1, SCMP_CMP_LT: 2, SCMP_CMP_LE: 3, SCMP_CMP_EQ: 4, SCMP_CMP_GE: 5, SCMP_CMP_GT: 6, SCMP_CMP_MASKED_EQ: 7 } as const;

/** seccomp(2) SECCOMP_FILTER_FLAG_*. */
export const SECCOMP_FILTER_FLAG = {
  SECCOMP_FILTER_FLAG_TSYNC: 1,
  SECCOMP_FILTER_FLAG_LOG: 2,
  SECCOMP_FILTER_FLAG_SPEC_ALLOW: 4,
  SECCOMP_FILTER_FLAG_NEW_LISTENER: 8,
  SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV: 32,
} as const;

/** The flags config.json may name (config-linux.md), in the spec's order. */
export const KNOWN_FLAGS = ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV'] as const;

const EPERM = 1;
const ENOSYS = 38;
/** cBPF's limit on a filter's length (BPF_MAXINSNS). */
const MAX_INSTRUCTIONS = 4096;
/** Linux syscalls take at most six arguments. */
const MAX_ARGS = 6;

/** One rule for libseccomp: a syscall name, its action and its ANDed conditions. */
export interface SeccompRule {
  name: string;
  action: number;
  args: Array<{ index: number; op: number; a: bigint; b: bigint }>;
}

/** What the addon's compiler takes (addon/src/seccomp.h). */
export interface SeccompProfile {
  defaultAction: number;
  /** libseccomp architecture names ("x86_64", "x86", "x32", …). */
  architectures: string[];
  rules: SeccompRule[];
  optimize: boolean;
}

/** What it gives back: the program, the names it skipped, and each architecture's largest syscall. */
export interface CompiledSeccomp {
  program: Buffer;
  skipped: string[];
  /** The native architecture first. */
  archs: Array<{ token: number; lastSyscall: number }>;
}

export interface PlannedSeccomp {
  /** struct sock_filter[] (8 bytes each, host byte order). */
  program: Buffer;
  /** seccomp(2) flags, SECCOMP_FILTER_FLAG_NEW_LISTENER among them when the profile notifies. */
  flags: number;
  /** The profile uses SCMP_ACT_NOTIFY: the filter's listener fd goes to listenerPath. */
  listenerPath: string | undefined;
  listenerMetadata: string | undefined;
}

export interface SeccompContext {
  compile(profile: SeccompProfile): CompiledSeccomp;
  /** Whether the kernel accepts a seccomp(2) flag. */
  flagSupported(flag: number): boolean;
  /** The exact value of an integer JSON.parse rounded (beyond 2^53), by its JSON pointer. */
  exactInteger(pointer: string): bigint | undefined;
  /** Lines for the --debug log. */
  debug: string[];
}

/** Plans linux.seccomp; undefined when there is none (or it is empty, as runc treats it). */
export function planSeccomp(seccomp: Seccomp | undefined, ctx: SeccompContext): PlannedSeccomp | undefined {
  if (!seccomp || (!seccomp.defaultAction && !seccomp.syscalls?.length)) return undefined;
  const refuse = (pointer: string, why: string) => new ConfigError('config.json', `/linux/seccomp${pointer}`, why, SECTION);

  const defaultAction = action(seccomp.defaultAction, seccomp.defaultErrnoRet, '', 'defaultErrnoRet', refuse);
  if (seccomp.defaultAction === 'SCMP_ACT_NOTIFY') {
    throw refuse('/defaultAction', 'cannot be SCMP_ACT_NOTIFY: the init itself would wait for an agent it has not handed the listener yet');
  }
  const rules: SeccompRule[] = [];
  let notify = false;
  (seccomp.syscalls ?? []).forEach((call, i) => {
    const ruleAction = action(call.action, call.errnoRet, `/syscalls/${i}`, 'errnoRet', refuse);
    if (call.action === 'SCMP_ACT_NOTIFY') {
      notify = true;
      // The init reports to the runtime with write(2) after the filter is loaded: a write that
      // waits for the agent would wait forever (runc refuses it too).
      const w = call.names.indexOf('write');
      if (w >= 0) throw refuse(`/syscalls/${i}/names/${w}`, 'SCMP_ACT_NOTIFY cannot be used for the write syscall');
    }
    const conditions = (call.args ?? []).map((arg, j) => {
      const pointer = `/syscalls/${i}/args/${j}`;
      if (arg.index >= MAX_ARGS) throw refuse(`${pointer}/index`, `must be below ${MAX_ARGS}: a syscall has at most ${MAX_ARGS} arguments`);
      const exact = (field: 'value' | 'valueTwo', v: number | undefined) => ctx.exactInteger(`/linux/seccomp${pointer}/${field}`) ?? BigInt(v ?? 0);
      return { index: arg.index, op: SCMP_CMP[arg.op], a: exact('value', arg.value), b: exact('valueTwo', arg.valueTwo) };
    });
    // runc's rule: if any argument index repeats, each condition becomes a rule of its own.
    const repeats = new Set(conditions.map((c) => c.index)).size !== conditions.length;
    for (const name of call.names) {
      if (ruleAction === defaultAction) continue; // redundant, and libseccomp would refuse it
      if (repeats) for (const c of conditions) rules.push({ name, action: ruleAction, args: [c] });
      else rules.push({ name, action: ruleAction, args: conditions });
    }
  });
  if (notify && !seccomp.listenerPath) throw refuse('/listenerPath', 'is required when a rule uses SCMP_ACT_NOTIFY');
  if (seccomp.listenerMetadata !== undefined && !seccomp.listenerPath) throw refuse('/listenerMetadata', 'must not be set without listenerPath');

  let flags = 0;
  if (seccomp.flags === undefined) {
    if (ctx.flagSupported(SECCOMP_FILTER_FLAG.SECCOMP_FILTER_FLAG_SPEC_ALLOW)) flags |= SECCOMP_FILTER_FLAG.SECCOMP_FILTER_FLAG_SPEC_ALLOW;
  } else {
    seccomp.flags.forEach((name, i) => {
      const flag = SECCOMP_FILTER_FLAG[name];
      if (name === 'SECCOMP_FILTER_FLAG_TSYNC') return; // one thread: nothing to synchronise
      // WAIT_KILLABLE_RECV only means something (and the kernel only takes it) with a listener.
      if (name === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' && !notify) {
        ctx.debug.push('seccomp: SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV without SCMP_ACT_NOTIFY has no effect; not set');
        return;
      }
      const probe = name === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' ? flag | SECCOMP_FILTER_FLAG.SECCOMP_FILTER_FLAG_NEW_LISTENER : flag;
      if (!ctx.flagSupported(probe)) throw refuse(`/flags/${i}`, `${name} is not supported by this kernel`);
      flags |= flag;
    });
  }
  if (notify) flags |= SECCOMP_FILTER_FLAG.SECCOMP_FILTER_FLAG_NEW_LISTENER;

  const architectures = (seccomp.architectures ?? []).map((a) => a.replace(/^SCMP_ARCH_/, '').toLowerCase());
  let compiled: CompiledSeccomp;
  try {
    compiled = ctx.compile({ defaultAction, architectures, rules, optimize: rules.length > 32 });
  } catch (e) {
    // The addon names the libseccomp call (SyscallError.operation) and the architecture (path).
    const err = e as Error & { path?: string; operation?: string };
    if (err.operation === 'seccomp_arch_resolve_name' || err.operation === 'seccomp_arch_add') {
      const i = architectures.indexOf(err.path ?? '');
      throw refuse(`/architectures/${i}`, `${seccomp.architectures![i]} is not an architecture this build's libseccomp knows`);
    }
    throw e;
  }
  for (const name of compiled.skipped) ctx.debug.push(`seccomp: unknown syscall "${name}" ignored`);

  const stub = enosysStub(seccomp, compiled.archs);
  const program = Buffer.concat([encode(stub), compiled.program]);
  if (program.length / 8 > MAX_INSTRUCTIONS) {
    throw refuse('/syscalls', `compiles to ${program.length / 8} BPF instructions, more than the kernel's ${MAX_INSTRUCTIONS}`);
  }
  return { program, flags, listenerPath: notify ? seccomp.listenerPath : undefined, listenerMetadata: notify ? seccomp.listenerMetadata : undefined };
}

/** An action name (and its errnoRet) as the SCMP_ACT value libseccomp takes. */
function action(name: string, errnoRet: number | undefined, pointer: string, field: string, refuse: (p: string, why: string) => Error): number {
  const value = SCMP_ACT[name as keyof typeof SCMP_ACT];
  if (name === 'SCMP_ACT_ERRNO' || name === 'SCMP_ACT_TRACE') return (value | ((errnoRet ?? EPERM) & 0xffff)) >>> 0;
  // config-linux.md: "When the action doesn't support an errno, the runtime MUST print an error and fail."
  if (errnoRet !== undefined) throw refuse(`${pointer}/${field}`, `is only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not ${name}`);
  return value;
}

/** One cBPF instruction (struct sock_filter). */
export interface Insn {
  code: number;
  jt: number;
  jf: number;
  k: number;
}

const BPF = {
  LD_W_ABS: 0x20,
  JA: 0x05,
  JEQ: 0x15,
  JGT: 0x25,
  JSET: 0x45,
  RET_K: 0x06,
} as const;

const ld = (offset: number): Insn => ({ code: BPF.LD_W_ABS, jt: 0, jf: 0, k: offset });
const ja = (skip: number): Insn => ({ code: BPF.JA, jt: 0, jf: 0, k: skip });
const jump = (code: number, k: number, jt: number, jf = 0): Insn => ({ code, jt, jf, k: k >>> 0 });
const ret = (k: number): Insn => ({ code: BPF.RET_K, jt: 0, jf: 0, k: k >>> 0 });

/** struct seccomp_data: nr at 0, arch at 4. */
const OFFSET_NR = 0;
const OFFSET_ARCH = 4;
const RET_ENOSYS = (SCMP_ACT.SCMP_ACT_ERRNO | ENOSYS) >>> 0;
const X32_SYSCALL_BIT = 0x40000000;

/** libseccomp's architecture tokens that need care (the rest equal their AUDIT_ARCH_* value). */
export const ARCH_TOKEN = { X86_64: 0xc000003e, X32: 0x4000003e, X86: 0x40000003, S390: 0x16, S390X: 0x80000016 } as const;

const allowLike = new Set(['SCMP_ACT_ALLOW', 'SCMP_ACT_LOG', 'SCMP_ACT_TRACE']);

/**
 * runc's -ENOSYS stub (patchbpf/enosys_linux.go generateEnosysStub), instruction for instruction:
 * per audit architecture, a syscall number above the largest the profile names returns ENOSYS; x32
 * and x86_64 share AUDIT_ARCH_X86_64 and are told apart by bit 30 of the number. None when the
 * default action already lets such syscalls through, or already is ENOSYS.
 */
export function enosysStub(seccomp: Pick<Seccomp, 'defaultAction' | 'defaultErrnoRet'>, archs: CompiledSeccomp['archs']): Insn[] {
  if (seccomp.defaultErrnoRet === ENOSYS || allowLike.has(seccomp.defaultAction)) return [];
  // audit arch → (libseccomp arch → largest syscall), in the order the archs came (native first).
  const lastSyscalls = new Map<number, Map<number, number>>();
  for (const { token, lastSyscall } of archs) {
    if (lastSyscall === 0) continue;
    const audit = token === ARCH_TOKEN.X32 ? ARCH_TOKEN.X86_64 : token;
    if (!lastSyscalls.has(audit)) lastSyscalls.set(audit, new Map());
    lastSyscalls.get(audit)!.set(token, lastSyscall);
  }
  // Built from the end backwards, because the jumps count from the end of the stub.
  let tail: Insn[] = [ja(1), ret(RET_ENOSYS)];
  const archJump = new Map<number, number>();
  for (const [audit, bySub] of lastSyscalls) {
    const jumpEnosys = tail.length - 1;
    const jumpFilter = jumpEnosys + 1;
    const section: Insn[] = [ld(OFFSET_NR)];
    if (bySub.size === 1) {
      const [[token, nr]] = [...bySub] as [[number, number]];
      // s390(x) multiplexes unknown large syscalls onto setup(2), number 0.
      if (token === ARCH_TOKEN.S390 || token === ARCH_TOKEN.S390X) section.push(jump(BPF.JEQ, 0, 0, 1), ret(RET_ENOSYS));
      let sectionTail: Insn[] =
        jumpEnosys + 1 <= 255
          ? [jump(BPF.JGT, nr, jumpEnosys + 1), ja(jumpFilter)]
          : [jump(BPF.JGT, nr, 0, 1), ret(RET_ENOSYS), ja(jumpFilter)];
      if (audit === ARCH_TOKEN.X86_64) {
        // Skip the check for the other mode: x32 numbers have bit 30 set, x86_64 ones do not.
        sectionTail = [token === ARCH_TOKEN.X32 ? jump(BPF.JSET, X32_SYSCALL_BIT, 0, sectionTail.length - 1) : jump(BPF.JSET, X32_SYSCALL_BIT, sectionTail.length - 1), ...sectionTail];
      }
      section.push(...sectionTail);
    } else {
      const x86_64 = bySub.get(ARCH_TOKEN.X86_64)!;
      const x32 = bySub.get(ARCH_TOKEN.X32)!;
      if (jumpEnosys + 2 <= 255) {
        section.push(jump(BPF.JSET, X32_SYSCALL_BIT, 1), jump(BPF.JGT, x86_64, jumpEnosys + 2, 1), jump(BPF.JGT, x32, jumpEnosys + 1), ja(jumpFilter));
      } else {
        section.push(jump(BPF.JSET, X32_SYSCALL_BIT, 1), jump(BPF.JGT, x86_64, 1, 2), jump(BPF.JGT, x32, 0, 1), ret(RET_ENOSYS), ja(jumpFilter));
      }
    }
    tail = [...section, ...tail];
    archJump.set(audit, tail.length);
  }
  // Any other architecture goes straight to the filter (whose bad-architecture action applies).
  tail = [ja(tail.length), ...tail];
  for (const audit of lastSyscalls.keys()) {
    const distance = tail.length - archJump.get(audit)!;
    tail = distance <= 255 ? [jump(BPF.JEQ, audit, distance), ...tail] : [jump(BPF.JEQ, audit, 0, 1), ja(distance), ...tail];
  }
  return [ld(OFFSET_ARCH), ...tail];
}

/** struct sock_filter[] in host (little-endian) byte order. */
export function encode(insns: readonly Insn[]): Buffer {
  const out = Buffer.alloc(insns.length * 8);
  insns.forEach((insn, i) => {
    out.writeUInt16LE(insn.code, i * 8);
    out.writeUInt8(insn.jt, i * 8 + 2);
    out.writeUInt8(insn.jf, i * 8 + 3);
    out.writeUInt32LE(insn.k >>> 0, i * 8 + 4);
  });
  return out;
}

/** The inverse of {@link encode}. */
export function decode(program: Buffer): Insn[] {
  const out: Insn[] = [];
  for (let off = 0; off + 8 <= program.length; off += 8) {
    out.push({ code: program.readUInt16LE(off), jt: program.readUInt8(off + 2), jf: program.readUInt8(off + 3), k: program.readUInt32LE(off + 4) });
  }
  return out;
}
