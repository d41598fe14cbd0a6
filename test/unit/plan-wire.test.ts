// The plan's wire format, checked from both ends: the tags match addon/src/plan.h, and an encoded
// plan decodes (with the layout plan.h documents) back to the plan's values.
import t from 'tap';
import { CpuAffinityStage, encodePlan, PLAN_MAGIC, PLAN_UMASK_UNSET, PLAN_VERSION, PlanTag } from '../../src/plan/encode.js';
import { HookKind, type LaunchPlan, SeccompStage, MOUNT_OPT_FILE, MOUNT_OPT_SOURCE_IN_ROOT, MOUNT_OPT_SYSFS_FALLBACK, MountKind } from '../../src/plan/launch-plan.js';
import { readCDefine, readCEnum } from '../helpers/c-header.js';

t.test('tags, magic and version agree with plan.h', async (t) => {
  const tags = readCEnum('plan.h', 'plan_tag');
  t.same(Object.fromEntries([...tags].map(([k, v]) => [k.replace(/^PLAN_/, ''), v])), PlanTag);
  t.equal(readCDefine('plan.h', 'PLAN_MAGIC'), PLAN_MAGIC);
  t.equal(readCDefine('plan.h', 'PLAN_VERSION'), PLAN_VERSION);
  t.equal(readCDefine('plan.h', 'PLAN_UMASK_UNSET'), PLAN_UMASK_UNSET);
  const affinity = readCEnum('plan.h', 'plan_cpu_affinity_stage');
  t.same([affinity.get('PLAN_CPU_AFFINITY_INITIAL'), affinity.get('PLAN_CPU_AFFINITY_FINAL')], [CpuAffinityStage.Initial, CpuAffinityStage.Final]);
  const stages = readCEnum('plan.h', 'plan_seccomp_stage');
  t.same([stages.get('PLAN_SECCOMP_EARLY'), stages.get('PLAN_SECCOMP_LATE')], [SeccompStage.Early, SeccompStage.Late]);
  const kinds = readCEnum('plan.h', 'plan_mount_kind');
  t.same([kinds.get('PLAN_MOUNT_FS'), kinds.get('PLAN_MOUNT_BIND')], [MountKind.Fs, MountKind.Bind]);
  t.same(
    ['PLAN_MOUNT_OPT_FILE', 'PLAN_MOUNT_OPT_SYSFS_FALLBACK', 'PLAN_MOUNT_OPT_SOURCE_IN_ROOT'].map((n) => readCDefine('plan.h', n)),
    [MOUNT_OPT_FILE, MOUNT_OPT_SYSFS_FALLBACK, MOUNT_OPT_SOURCE_IN_ROOT],
    'mount option bits',
  );
});

/** A decoder following plan.h's description, independent of the encoder's code. */
function decode(buf: Buffer): Array<{ tag: number; payload: Buffer }> {
  t.equal(buf.readUInt32LE(0), PLAN_MAGIC);
  t.equal(buf.readUInt32LE(4), PLAN_VERSION);
  const count = buf.readUInt32LE(8);
  const out = [];
  let off = 12;
  for (let i = 0; i < count; i++) {
    const tag = buf.readUInt16LE(off);
    const len = buf.readUInt32LE(off + 4);
    out.push({ tag, payload: buf.subarray(off + 8, off + 8 + len) });
    off += 8 + len;
  }
  t.equal(off, buf.length, 'records fill the buffer exactly');
  return out;
}

class Reader {
  off = 0;
  constructor(private readonly b: Buffer) {}
  u32() {
    this.off += 4;
    return this.b.readUInt32LE(this.off - 4);
  }
  i32() {
    this.off += 4;
    return this.b.readInt32LE(this.off - 4);
  }
  u64() {
    this.off += 8;
    return this.b.readBigUInt64LE(this.off - 8);
  }
  bytes() {
    const len = this.u32();
    this.off += len;
    return this.b.subarray(this.off - len, this.off);
  }
  str() {
    const len = this.u32();
    const s = this.b.toString('utf8', this.off, this.off + len);
    if (this.b[this.off + len] !== 0) throw new Error('string not NUL-terminated');
    this.off += len + 1;
    return s;
  }
}

const plan: LaunchPlan = {
  joins: [{ nstype: 0x40000000, path: '/var/run/netns/x' }],
  newNamespaces: 0x20020000,
  timeOffsets: 'monotonic 5 0\n',
  rootfs: '/b/rootfs',
  rootfsPropagation: 0x44000n,
  rootfsParentPropagation: 0x40000n,
  rootfsPropagationAfterPivot: 0n,
  readonlyRoot: true,
  noPivot: false,
  noMountNamespace: false,
  mounts: [{ kind: MountKind.Bind, options: 1, flags: 0x5001n, propagation: 0n, attrSet: 1n, attrClr: 0n, source: '/src', destination: '/dst', fstype: '', data: 'a=b' }],
  devices: [{ mode: 0o20666, major: 1, minor: 3, uid: 0, gid: 0, path: '/dev/null', bindSource: '' }],
  symlinks: [{ target: '/proc/self/fd', linkpath: '/dev/fd' }],
  maskedPaths: ['/proc/kcore'],
  readonlyPaths: ['/proc/sys'],
  hostname: 'h',
  domainname: undefined,
  sysctl: [['net/ipv4/ip_forward', '1']],
  execFifo: '/run/tsrunc/x/exec.fifo',
  hookState: { prefix: '{"pid":', suffix: '}' },
  hooks: [{ kind: HookKind.StartContainer, timeout: 5, path: '/bin/h', args: ['h', '-x'], env: ['A=1'] }],
  syncHooks: true,
  terminal: { rows: 24, cols: 80 },
  preserveFds: 2,
  process: {
    args: ['sh', '-c', 'échö'],
    env: ['PATH=/bin'],
    cwd: '/',
    execPath: '/bin',
    uid: 1000,
    gid: 1000,
    additionalGids: [5, 6],
    umask: undefined,
    rlimits: [{ resource: 7, soft: 10n, hard: 0xffffffffffffffffn }],
    capabilities: { bounding: 1n, effective: 2n, permitted: 3n, inheritable: 4n, ambient: 0n },
    noNewPrivileges: true,
    oomScoreAdj: -500,
  },
  linuxProcess: {
    scheduler: { policy: 6, flags: 1n, nice: -3, priority: 0, runtime: 1_000_000n, deadline: 2_000_000n, period: 3_000_000n },
    ioPriority: (2 << 13) | 6,
    personality: 8,
    memoryPolicy: { mode: 2 | (1 << 15), nodes: Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]) },
    cpuAffinityInitial: Buffer.from([3, 0, 0, 0, 0, 0, 0, 0]),
    cpuAffinityFinal: Buffer.from([2, 0, 0, 0, 0, 0, 0, 0]),
    apparmorProfile: 'tsrunc-test',
    selinuxLabel: 'system_u:system_r:container_t:s0',
  },
  seccomp: { program: Buffer.from([0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]), flags: 4, stage: SeccompStage.Late },
  warnings: [],
  debug: [],
};

t.test('an encoded plan decodes to its values', async (t) => {
  const records = decode(encodePlan(plan));
  const by = (tag: number) => records.filter((r) => r.tag === tag).map((r) => new Reader(r.payload));
  const [join] = by(PlanTag.NS_JOIN);
  t.same([join!.u32(), join!.str()], [0x40000000, '/var/run/netns/x']);
  t.equal(by(PlanTag.NS_NEW)[0]!.u64(), 0x20020000n);
  const [m] = by(PlanTag.MOUNT);
  t.same([m!.u32(), m!.u32(), m!.u64(), m!.u64(), m!.u64(), m!.u64(), m!.str(), m!.str(), m!.str(), m!.str()], [1, 1, 0x5001n, 0n, 1n, 0n, '/src', '/dst', '', 'a=b']);
  const [d] = by(PlanTag.DEVICE);
  t.same([d!.u32(), d!.u32(), d!.u32(), d!.u32(), d!.u32(), d!.str(), d!.str()], [0o20666, 1, 3, 0, 0, '/dev/null', '']);
  const [u] = by(PlanTag.USER);
  t.same([u!.u32(), u!.u32(), u!.u32(), u!.u32(), u!.u32(), u!.u32()], [1000, 1000, PLAN_UMASK_UNSET, 2, 5, 6]);
  t.same(by(PlanTag.ARG).map((r) => r.str()), ['sh', '-c', 'échö']);
  const [rl] = by(PlanTag.RLIMIT);
  t.same([rl!.u32(), rl!.u64(), rl!.u64()], [7, 10n, 0xffffffffffffffffn]);
  t.equal(by(PlanTag.OOM_SCORE_ADJ)[0]!.i32(), -500);
  t.equal(by(PlanTag.ROOT_READONLY).length, 1);
  t.equal(by(PlanTag.NO_PIVOT).length, 0);
  t.equal(by(PlanTag.DOMAINNAME).length, 0, 'unset fields are absent');
  t.equal(by(PlanTag.NO_NEW_PRIVS).length, 1);
  const [hs] = by(PlanTag.HOOK_STATE);
  t.same([hs!.str(), hs!.str()], ['{"pid":', '}']);
  const [h] = by(PlanTag.HOOK);
  t.same([h!.u32(), h!.u32(), h!.str(), h!.u32(), h!.str(), h!.str(), h!.u32(), h!.str()], [2, 5, '/bin/h', 2, 'h', '-x', 1, 'A=1']);
  t.equal(by(PlanTag.SYNC_HOOKS).length, 1);
  t.equal(by(PlanTag.PRESERVE_FDS)[0]!.u32(), 2);
  const [term] = by(PlanTag.TERMINAL);
  t.same([term!.u32(), term!.u32()], [24, 80]);
  const [sched] = by(PlanTag.SCHEDULER);
  t.same([sched!.u32(), sched!.u64(), sched!.i32(), sched!.u32(), sched!.u64(), sched!.u64(), sched!.u64()], [6, 1n, -3, 0, 1_000_000n, 2_000_000n, 3_000_000n], 'scheduler: struct sched_attr order');
  t.equal(by(PlanTag.IO_PRIORITY)[0]!.u32(), (2 << 13) | 6);
  t.equal(by(PlanTag.PERSONALITY)[0]!.u32(), 8);
  const [mp] = by(PlanTag.MEMORY_POLICY);
  t.same([mp!.u32(), [...mp!.bytes()]], [2 | (1 << 15), [1, 0, 0, 0, 0, 0, 0, 0]]);
  t.same(by(PlanTag.CPU_AFFINITY).map((r) => [r.u32(), r.bytes()[0]]), [[CpuAffinityStage.Initial, 3], [CpuAffinityStage.Final, 2]], 'initial then final');
  t.equal(by(PlanTag.APPARMOR_PROFILE)[0]!.str(), 'tsrunc-test');
  t.equal(by(PlanTag.SELINUX_LABEL)[0]!.str(), 'system_u:system_r:container_t:s0');
  const [sc] = by(PlanTag.SECCOMP);
  t.same([sc!.u32(), sc!.u32(), [...sc!.bytes()]], [4, SeccompStage.Late, [0x06, 0, 0, 0, 0, 0, 0xff, 0x7f]], 'seccomp: flags, stage, the program as raw bytes (NULs and all)');
});

t.test('a NUL byte in a string is refused, not truncated', async (t) => {
  t.throws(() => encodePlan({ ...plan, hostname: 'a\0b' }), /NUL byte/);
});

t.test('a plan without a process: root in "/", no ARG and no seccomp for the init (it only holds the namespaces)', async (t) => {
  const records = decode(encodePlan({ ...plan, process: undefined, terminal: undefined }));
  const by = (tag: number) => records.filter((r) => r.tag === tag).map((r) => new Reader(r.payload));
  t.equal(by(PlanTag.ARG).length, 0);
  t.equal(by(PlanTag.SECCOMP).length, 0, 'the filter is kept for exec, not loaded by the holding init');
  const [u] = by(PlanTag.USER);
  t.same([u!.u32(), u!.u32(), u!.u32(), u!.u32()], [0, 0, PLAN_UMASK_UNSET, 0]);
  t.equal(by(PlanTag.CWD)[0]!.str(), '/');
  t.same([by(PlanTag.CAPS).length, by(PlanTag.RLIMIT).length, by(PlanTag.OOM_SCORE_ADJ).length, by(PlanTag.NO_NEW_PRIVS).length], [0, 0, 0, 0]);
  t.ok(by(PlanTag.EXEC_FIFO).length === 1, 'the gate is still there: the container is `created`');
});
