// The cgroup v2 device program, run by a small interpreter of the instructions it uses, against
// the v1 meaning of the rules (deny all, then the rules in order, the last match deciding).
import t from 'tap';
import { ACC_MKNOD, ACC_READ, ACC_WRITE, accessBits, DEV_BLOCK, DEV_CHAR, deviceProgram } from '../../src/cgroups/device-program.js';
import { DEFAULT_ALLOWED } from '../../src/cgroups/resources.js';
import type { DeviceCgroup } from '../../src/spec/generated/config.js';

interface Request {
  type: 'b' | 'c';
  major: number;
  minor: number;
  access: number;
}

/** Executes the program on one request (only the opcodes device-program.ts emits; others throw). */
function run(program: Buffer, req: Request): number {
  const ctx = [((req.access << 16) | (req.type === 'b' ? DEV_BLOCK : DEV_CHAR)) >>> 0, req.major, req.minor];
  const r = new Array<number>(11).fill(0);
  let pc = 0;
  for (let steps = 0; steps < 10_000; steps++) {
    if (pc < 0 || pc * 8 >= program.length) throw new Error(`pc ${pc} out of the program`);
    const code = program.readUInt8(pc * 8);
    const regs = program.readUInt8(pc * 8 + 1);
    const dst = regs & 0xf;
    const src = regs >> 4;
    const off = program.readInt16LE(pc * 8 + 2);
    const imm = program.readInt32LE(pc * 8 + 4);
    pc++;
    switch (code) {
      case 0x61: // ldxw dst, [src + off]: src is the context
        if (src !== 1 || off % 4) throw new Error('load from something other than the context');
        r[dst] = ctx[off / 4]!;
        break;
      case 0x54: r[dst] = (r[dst]! & imm) >>> 0; break;
      case 0x74: r[dst] = r[dst]! >>> imm; break;
      case 0xb4: r[dst] = imm >>> 0; break;
      case 0xbc: r[dst] = r[src]!; break;
      case 0x55: if (r[dst] !== imm >>> 0) pc += off; break;
      case 0x5d: if (r[dst] !== r[src]) pc += off; break;
      case 0x95: return r[0]!;
      default: throw new Error(`opcode 0x${code.toString(16)}`);
    }
  }
  throw new Error('no exit');
}

/** The v1 meaning, written plainly. */
function reference(rules: readonly DeviceCgroup[], req: Request): number {
  let verdict = 0;
  for (const rule of [...rules, ...DEFAULT_ALLOWED]) {
    const type = rule.type ?? 'a';
    if (type !== 'a' && type !== req.type) continue;
    if (rule.major !== undefined && rule.major >= 0 && rule.major !== req.major) continue;
    if (rule.minor !== undefined && rule.minor >= 0 && rule.minor !== req.minor) continue;
    const bits = accessBits(rule.access);
    if ((req.access & bits) !== req.access) continue;
    verdict = rule.allow ? 1 : 0;
  }
  return verdict;
}

const requests: Request[] = [];
for (const type of ['b', 'c'] as const)
  for (const [major, minor] of [[1, 3], [1, 5], [1, 11], [5, 0], [5, 2], [136, 4], [10, 200], [8, 0], [8, 1], [254, 0], [4095, 1048575]] as const)
    for (const access of [ACC_READ, ACC_WRITE, ACC_MKNOD, ACC_READ | ACC_WRITE, ACC_READ | ACC_WRITE | ACC_MKNOD]) requests.push({ type, major, minor, access });

const ruleSets: Record<string, DeviceCgroup[]> = {
  'runc spec’s default (deny all)': [{ allow: false, access: 'rwm' }],
  'no rules': [],
  'allow everything': [{ allow: true, access: 'rwm' }],
  'deny all, then one char device writable': [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'w' }],
  'a later deny overrides a default': [{ allow: false, type: 'c', major: 1, minor: 3, access: 'w' }],
  'wildcards': [{ allow: true, type: 'b', major: 8, access: 'r' }, { allow: true, type: 'c', minor: 0, access: 'rw' }],
  'overrides in both orders': [
    { allow: true, type: 'b', major: 8, minor: 0, access: 'rwm' },
    { allow: false, type: 'b', major: 8, access: 'w' },
    { allow: false, type: 'c', major: 254, minor: 0, access: 'rw' },
    { allow: true, type: 'c', major: 254, access: 'r' },
  ],
};

t.test('the program decides as the v1 rules do', async (t) => {
  for (const [name, rules] of Object.entries(ruleSets)) {
    const program = deviceProgram(rules);
    const wrong = requests.filter((q) => run(program, q) !== reference(rules, q));
    t.same(wrong, [], `${name}: ${requests.length} requests agree`);
  }
});

/** Indexes of the instructions no path reaches (the kernel's verifier refuses any). */
function unreachable(program: Buffer): number[] {
  const n = program.length / 8;
  const seen = new Set<number>();
  const todo = [0];
  while (todo.length) {
    const pc = todo.pop()!;
    if (pc >= n || seen.has(pc)) continue;
    seen.add(pc);
    const code = program.readUInt8(pc * 8);
    if (code === 0x95) continue;
    todo.push(pc + 1);
    if (code === 0x55 || code === 0x5d) todo.push(pc + 1 + program.readInt16LE(pc * 8 + 2));
  }
  return [...Array(n).keys()].filter((i) => !seen.has(i));
}

t.test('every instruction is reachable (the verifier’s rule)', async (t) => {
  for (const [name, rules] of Object.entries(ruleSets)) t.same(unreachable(deviceProgram(rules)), [], name);
});

t.test('spot checks', async (t) => {
  const deny = deviceProgram(ruleSets['runc spec’s default (deny all)']!);
  t.equal(run(deny, { type: 'c', major: 1, minor: 3, access: ACC_READ | ACC_WRITE }), 1, '/dev/null stays usable');
  t.equal(run(deny, { type: 'c', major: 1, minor: 11, access: ACC_WRITE }), 0, '/dev/kmsg is denied');
  t.equal(run(deny, { type: 'b', major: 8, minor: 0, access: ACC_MKNOD }), 1, 'mknod of anything (runc’s default)');
  t.equal(run(deny, { type: 'b', major: 8, minor: 0, access: ACC_READ }), 0, 'but not reading a disk');
  const kmsg = deviceProgram(ruleSets['deny all, then one char device writable']!);
  t.equal(run(kmsg, { type: 'c', major: 1, minor: 11, access: ACC_WRITE }), 1);
  t.equal(run(kmsg, { type: 'c', major: 1, minor: 11, access: ACC_READ }), 0, 'only the access the rule names');
  t.equal(deviceProgram([]).length % 8, 0, 'whole instructions');
});
