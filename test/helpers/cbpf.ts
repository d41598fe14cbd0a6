/**
 * A classic-BPF interpreter over struct seccomp_data, so unit tests can ask a compiled seccomp
 * program what it decides for a syscall without loading it into a kernel. It implements the
 * instructions the kernel's seccomp checker accepts (net/core/filter.c, seccomp_check_filter) and
 * throws on anything else, so a program it cannot run fails the test rather than passing it.
 */
import { decode } from '../../src/plan/seccomp.js';

export interface SeccompData {
  nr: number;
  arch: number;
  /** Up to six 64-bit arguments. */
  args?: bigint[];
  ip?: bigint;
}

function word(data: SeccompData, offset: number): number {
  const args = data.args ?? [];
  if (offset === 0) return data.nr >>> 0;
  if (offset === 4) return data.arch >>> 0;
  const ip = data.ip ?? 0n;
  if (offset === 8) return Number(ip & 0xffffffffn);
  if (offset === 12) return Number(ip >> 32n);
  const i = Math.floor((offset - 16) / 8);
  if (offset < 16 || i > 5 || offset % 4 !== 0) throw new Error(`bad load offset ${offset}`);
  const arg = BigInt.asUintN(64, args[i] ?? 0n);
  return Number(offset % 8 === 0 ? arg & 0xffffffffn : arg >> 32n);
}

/** Runs `program` (struct sock_filter[]) on `data`; returns the SECCOMP_RET_* value. */
export function runSeccomp(program: Buffer, data: SeccompData): number {
  const insns = decode(program);
  let a = 0;
  let x = 0;
  const mem = new Array<number>(16).fill(0);
  for (let pc = 0; pc < insns.length; pc++) {
    const { code, jt, jf, k } = insns[pc]!;
    const cls = code & 0x07;
    if (cls === 0x06) return (code & 0x18) === 0x10 ? a >>> 0 : k >>> 0; // RET A | RET K
    switch (code) {
      case 0x20: // LD W ABS
        a = word(data, k);
        break;
      case 0x00: // LD IMM
        a = k >>> 0;
        break;
      case 0x01: // LDX IMM
        x = k >>> 0;
        break;
      case 0x60: // LD MEM
        a = mem[k]!;
        break;
      case 0x61: // LDX MEM
        x = mem[k]!;
        break;
      case 0x02: // ST
        mem[k] = a;
        break;
      case 0x03: // STX
        mem[k] = x;
        break;
      case 0x07: // TAX
        x = a;
        break;
      case 0x87: // TXA
        a = x;
        break;
      case 0x54: // ALU AND K
        a = (a & k) >>> 0;
        break;
      case 0x44: // ALU OR K
        a = (a | k) >>> 0;
        break;
      case 0x05: // JA
        pc += k;
        break;
      case 0x15: // JEQ K
        pc += a === k >>> 0 ? jt : jf;
        break;
      case 0x25: // JGT K
        pc += a > k >>> 0 ? jt : jf;
        break;
      case 0x35: // JGE K
        pc += a >= k >>> 0 ? jt : jf;
        break;
      case 0x45: // JSET K
        pc += (a & k) !== 0 ? jt : jf;
        break;
      case 0x1d: // JEQ X
        pc += a === x ? jt : jf;
        break;
      case 0x2d: // JGT X
        pc += a > x ? jt : jf;
        break;
      case 0x3d: // JGE X
        pc += a >= x ? jt : jf;
        break;
      case 0x4d: // JSET X
        pc += (a & x) !== 0 ? jt : jf;
        break;
      default:
        throw new Error(`cBPF instruction 0x${code.toString(16)} at ${pc} is not implemented here`);
    }
  }
  throw new Error('cBPF program fell off its end');
}
