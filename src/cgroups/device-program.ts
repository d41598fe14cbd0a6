/**
 * linux.resources.devices → a BPF_PROG_TYPE_CGROUP_DEVICE program for cgroup v2, which has no
 * devices.allow/deny files. Same meaning as on v1 (resources.ts v1Writes): everything denied, then
 * the rules in order and runc's default devices, the last matching rule deciding. The program
 * checks the rules from the last to the first and returns at the first match, as runc's does.
 *
 * The context is struct bpf_cgroup_dev_ctx { u32 access_type; u32 major; u32 minor; } with the
 * device type in access_type's low 16 bits and the access bits in its high 16 (linux/bpf.h).
 */
import type { DeviceCgroup } from '../spec/generated/config.js';
import { DEFAULT_ALLOWED } from './resources.js';

/** BPF_DEVCG_DEV_* and BPF_DEVCG_ACC_* of linux/bpf.h. */
export const DEV_BLOCK = 1;
export const DEV_CHAR = 2;
export const ACC_MKNOD = 1;
export const ACC_READ = 2;
export const ACC_WRITE = 4;

/** One struct bpf_insn. */
interface Insn {
  code: number;
  dst: number;
  src: number;
  off: number;
  imm: number;
}

// Opcodes (linux/bpf_common.h, linux/bpf.h): class | op | source.
const LDX_MEM_W = 0x61; // BPF_LDX | BPF_MEM | BPF_W
const ALU32_AND_K = 0x54;
const ALU32_RSH_K = 0x74;
const ALU32_MOV_K = 0xb4;
const ALU32_MOV_X = 0xbc;
const JMP_JNE_K = 0x55;
const JMP_JNE_X = 0x5d;
const JMP_EXIT = 0x95;

const R0 = 0;
const R1 = 1; // the context on entry; scratch once it has been read
const TYPE = 2;
const ACCESS = 3;
const MAJOR = 4;
const MINOR = 5;

const insn = (code: number, dst = 0, src = 0, off = 0, imm = 0): Insn => ({ code, dst, src, off, imm });

/** The access bits of an "rwm" string. */
export function accessBits(access: string | undefined): number {
  let bits = 0;
  for (const c of access ?? 'rwm') bits |= c === 'r' ? ACC_READ : c === 'w' ? ACC_WRITE : c === 'm' ? ACC_MKNOD : 0;
  return bits;
}

/** One rule: jumps past itself unless the request matches, else returns its verdict. */
function ruleBlock(rule: Pick<DeviceCgroup, 'allow' | 'type' | 'major' | 'minor' | 'access'>): Insn[] {
  const checks: Array<(skip: number) => Insn[]> = [];
  const type = rule.type ?? 'a';
  if (type !== 'a') checks.push((skip) => [insn(JMP_JNE_K, TYPE, 0, skip, type === 'b' ? DEV_BLOCK : DEV_CHAR)]);
  const access = accessBits(rule.access);
  if (access !== (ACC_READ | ACC_WRITE | ACC_MKNOD)) {
    // Matches only when every requested bit is one the rule names: (access & rule) == access.
    checks.push((skip) => [insn(ALU32_MOV_X, R1, ACCESS), insn(ALU32_AND_K, R1, 0, 0, access), insn(JMP_JNE_X, R1, ACCESS, skip)]);
  }
  if (rule.major !== undefined && rule.major >= 0) checks.push((skip) => [insn(JMP_JNE_K, MAJOR, 0, skip, rule.major!)]);
  if (rule.minor !== undefined && rule.minor >= 0) checks.push((skip) => [insn(JMP_JNE_K, MINOR, 0, skip, rule.minor!)]);
  const verdict = [insn(ALU32_MOV_K, R0, 0, 0, rule.allow ? 1 : 0), insn(JMP_EXIT)];
  // Built from the end: each jump skips what follows it in this block.
  let tail = verdict;
  // A jump's offset counts from the instruction after it, so a check that ends with its jump
  // skips exactly the instructions after it in this block.
  for (const check of checks.reverse()) tail = [...check(tail.length), ...tail];
  return tail;
}

/** The program for `rules` (the config's, then runc's defaults) as bpf_insn bytes. */
export function deviceProgram(rules: readonly DeviceCgroup[]): Buffer {
  const all = [...rules, ...DEFAULT_ALLOWED];
  const program: Insn[] = [
    insn(LDX_MEM_W, TYPE, R1, 0),
    insn(ALU32_AND_K, TYPE, 0, 0, 0xffff),
    insn(LDX_MEM_W, ACCESS, R1, 0),
    insn(ALU32_RSH_K, ACCESS, 0, 0, 16),
    insn(LDX_MEM_W, MAJOR, R1, 4),
    insn(LDX_MEM_W, MINOR, R1, 8),
  ];
  for (const rule of [...all].reverse()) {
    const block = ruleBlock(rule);
    program.push(...block);
    // A rule that matches everything decides every request left: what follows it could never run,
    // and the verifier refuses unreachable instructions.
    if (block.length === 2) return encode(program);
  }
  // No rule matched: denied.
  program.push(insn(ALU32_MOV_K, R0, 0, 0, 0), insn(JMP_EXIT));
  return encode(program);
}

function encode(program: Insn[]): Buffer {
  const out = Buffer.alloc(program.length * 8);
  program.forEach((p, i) => {
    out.writeUInt8(p.code, i * 8);
    out.writeUInt8((p.src << 4) | p.dst, i * 8 + 1);
    out.writeInt16LE(p.off, i * 8 + 2);
    out.writeInt32LE(p.imm, i * 8 + 4);
  });
  return out;
}
