/**
 * Serialises a {@link LaunchPlan} into the wire format of addon/src/plan.h.
 *
 * Record order is execution order on the C side, so the order here is part of the contract.
 */
import type { LaunchPlan, PlannedProcess } from './launch-plan.js';

export const PLAN_MAGIC = 0x50525354;
export const PLAN_VERSION = 1;
export const PLAN_UMASK_UNSET = 0xffffffff;

/** When a CPU_AFFINITY record applies; mirror `enum plan_cpu_affinity_stage` in plan.h. */
export const CpuAffinityStage = { Initial: 0, Final: 1 } as const;

/** Record tags; mirror `enum plan_tag` in addon/src/plan.h (drift-tested). */
export const PlanTag = {
  NS_JOIN: 1,
  NS_NEW: 2,
  TIME_OFFSETS: 3,
  ROOTFS: 10,
  ROOTFS_PROPAGATION: 11,
  ROOT_READONLY: 12,
  NO_PIVOT: 13,
  MOUNT: 14,
  DEVICE: 15,
  SYMLINK: 16,
  MASKED_PATH: 17,
  READONLY_PATH: 18,
  HOSTNAME: 19,
  DOMAINNAME: 20,
  SYSCTL: 21,
  EXEC_FIFO: 22,
  HOOK_STATE: 23,
  HOOK: 24,
  SYNC_HOOKS: 25,
  TERMINAL: 26,
  PRESERVE_FDS: 27,
  RLIMIT: 30,
  OOM_SCORE_ADJ: 31,
  USER: 32,
  CAPS: 33,
  NO_NEW_PRIVS: 34,
  ARG: 35,
  ENV: 36,
  CWD: 37,
  EXEC_PATH: 38,
  SECCOMP: 39,
  NO_MOUNT_NS: 40,
  SCHEDULER: 41,
  IO_PRIORITY: 42,
  PERSONALITY: 43,
  MEMORY_POLICY: 44,
  CPU_AFFINITY: 45,
  APPARMOR_PROFILE: 46,
  NETNS_SOCKET: 47,
  MOUNT_IDMAP: 48,
  SELINUX_LABEL: 49,
} as const;

type Field = { u32: number } | { i32: number } | { u64: bigint } | { str: string } | { bytes: Buffer };

class PlanWriter {
  private readonly chunks: Buffer[] = [];
  private count = 0;

  record(tag: number, ...fields: Field[]): void {
    const parts = fields.map(encodeField);
    const payload = Buffer.concat(parts);
    const head = Buffer.alloc(8);
    head.writeUInt16LE(tag, 0);
    head.writeUInt16LE(0, 2);
    head.writeUInt32LE(payload.length, 4);
    this.chunks.push(head, payload);
    this.count++;
  }

  finish(): Buffer {
    const header = Buffer.alloc(12);
    header.writeUInt32LE(PLAN_MAGIC, 0);
    header.writeUInt32LE(PLAN_VERSION, 4);
    header.writeUInt32LE(this.count, 8);
    return Buffer.concat([header, ...this.chunks]);
  }
}

function encodeField(f: Field): Buffer {
  if ('u32' in f) {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(f.u32 >>> 0);
    return b;
  }
  if ('i32' in f) {
    const b = Buffer.alloc(4);
    b.writeInt32LE(f.i32);
    return b;
  }
  if ('u64' in f) {
    const b = Buffer.alloc(8);
    b.writeBigUInt64LE(BigInt.asUintN(64, f.u64));
    return b;
  }
  if ('bytes' in f) {
    const b = Buffer.alloc(4 + f.bytes.length);
    b.writeUInt32LE(f.bytes.length, 0);
    f.bytes.copy(b, 4);
    return b;
  }
  const bytes = Buffer.from(f.str, 'utf8');
  if (bytes.includes(0)) throw new Error(`plan string contains a NUL byte: ${JSON.stringify(f.str)}`);
  const b = Buffer.alloc(4 + bytes.length + 1);
  b.writeUInt32LE(bytes.length, 0);
  bytes.copy(b, 4);
  return b;
}

const u32 = (n: number): Field => ({ u32: n });
const i32 = (n: number): Field => ({ i32: n });
const u64 = (n: bigint): Field => ({ u64: n });
const str = (s: string): Field => ({ str: s });

/** What the init is given for a config.json without a process: nothing to apply, nothing to exec. */
const NO_PROCESS: PlannedProcess = {
  args: [],
  env: [],
  cwd: '/',
  execPath: '',
  uid: 0,
  gid: 0,
  additionalGids: [],
  umask: undefined,
  rlimits: [],
  capabilities: undefined,
  noNewPrivileges: false,
  oomScoreAdj: undefined,
};

/** Encodes a plan for the init helper (addon/src/plan.h). */
export function encodePlan(plan: LaunchPlan): Buffer {
  const w = new PlanWriter();
  for (const j of plan.joins) w.record(PlanTag.NS_JOIN, u32(j.nstype), str(j.path));
  w.record(PlanTag.NS_NEW, u64(BigInt(plan.newNamespaces)));
  if (plan.timeOffsets) w.record(PlanTag.TIME_OFFSETS, str(plan.timeOffsets));
  // The devices themselves are the runtime's business: the init only lends it the namespace.
  if (plan.netDevices?.length) w.record(PlanTag.NETNS_SOCKET);

  // An exec into a running container has no rootfs to set up and no gate (see ./exec.ts).
  if (plan.rootfs) {
    w.record(PlanTag.ROOTFS, str(plan.rootfs));
    w.record(PlanTag.ROOTFS_PROPAGATION, u64(plan.rootfsPropagation), u64(plan.rootfsParentPropagation), u64(plan.rootfsPropagationAfterPivot));
    if (plan.noPivot) w.record(PlanTag.NO_PIVOT);
    if (plan.noMountNamespace) w.record(PlanTag.NO_MOUNT_NS);
    w.record(PlanTag.EXEC_FIFO, str(plan.execFifo));
  }
  if (plan.hookState) w.record(PlanTag.HOOK_STATE, str(plan.hookState.prefix), str(plan.hookState.suffix));
  if (plan.syncHooks) w.record(PlanTag.SYNC_HOOKS);
  if (plan.preserveFds > 0) w.record(PlanTag.PRESERVE_FDS, u32(plan.preserveFds));
  if (plan.terminal) w.record(PlanTag.TERMINAL, u32(plan.terminal.rows), u32(plan.terminal.cols));
  for (const h of plan.hooks) {
    w.record(PlanTag.HOOK, u32(h.kind), u32(h.timeout), str(h.path), u32(h.args.length), ...h.args.map(str), u32(h.env.length), ...h.env.map(str));
  }
  for (const m of plan.mounts) {
    w.record(
      PlanTag.MOUNT,
      u32(m.kind),
      u32(m.options),
      u64(m.flags),
      u64(m.propagation),
      u64(m.attrSet),
      u64(m.attrClr),
      str(m.source),
      str(m.destination),
      str(m.fstype),
      str(m.data),
    );
    if (m.idmap) w.record(PlanTag.MOUNT_IDMAP, str(m.idmap.uidMap), str(m.idmap.gidMap));
  }
  for (const d of plan.devices) {
    w.record(PlanTag.DEVICE, u32(d.mode), u32(d.major), u32(d.minor), u32(d.uid), u32(d.gid), str(d.path), str(d.bindSource));
  }
  for (const s of plan.symlinks) w.record(PlanTag.SYMLINK, str(s.target), str(s.linkpath));
  for (const p of plan.maskedPaths) w.record(PlanTag.MASKED_PATH, str(p));
  for (const p of plan.readonlyPaths) w.record(PlanTag.READONLY_PATH, str(p));
  if (plan.readonlyRoot) w.record(PlanTag.ROOT_READONLY);
  if (plan.hostname !== undefined) w.record(PlanTag.HOSTNAME, str(plan.hostname));
  if (plan.domainname !== undefined) w.record(PlanTag.DOMAINNAME, str(plan.domainname));
  for (const [key, value] of plan.sysctl) w.record(PlanTag.SYSCTL, str(key), str(value));

  // Without a process: root in "/", no ARG record (the init holds the namespaces at the gate).
  const p = plan.process ?? NO_PROCESS;
  for (const r of p.rlimits) w.record(PlanTag.RLIMIT, u32(r.resource), u64(r.soft), u64(r.hard));
  if (p.oomScoreAdj !== undefined) w.record(PlanTag.OOM_SCORE_ADJ, i32(p.oomScoreAdj));
  w.record(
    PlanTag.USER,
    u32(p.uid),
    u32(p.gid),
    u32(p.umask ?? PLAN_UMASK_UNSET),
    u32(p.additionalGids.length),
    ...p.additionalGids.map(u32),
  );
  if (p.capabilities) {
    const c = p.capabilities;
    w.record(PlanTag.CAPS, u64(c.bounding), u64(c.effective), u64(c.permitted), u64(c.inheritable), u64(c.ambient));
  }
  if (p.noNewPrivileges) w.record(PlanTag.NO_NEW_PRIVS);
  const l = plan.linuxProcess;
  if (l.scheduler) {
    const s = l.scheduler;
    w.record(PlanTag.SCHEDULER, u32(s.policy), u64(s.flags), i32(s.nice), u32(s.priority), u64(s.runtime), u64(s.deadline), u64(s.period));
  }
  if (l.ioPriority !== undefined) w.record(PlanTag.IO_PRIORITY, u32(l.ioPriority));
  if (l.personality !== undefined) w.record(PlanTag.PERSONALITY, u32(l.personality));
  if (l.memoryPolicy) w.record(PlanTag.MEMORY_POLICY, u32(l.memoryPolicy.mode), { bytes: l.memoryPolicy.nodes });
  if (l.cpuAffinityInitial) w.record(PlanTag.CPU_AFFINITY, u32(CpuAffinityStage.Initial), { bytes: l.cpuAffinityInitial });
  if (l.cpuAffinityFinal) w.record(PlanTag.CPU_AFFINITY, u32(CpuAffinityStage.Final), { bytes: l.cpuAffinityFinal });
  if (l.apparmorProfile !== undefined) w.record(PlanTag.APPARMOR_PROFILE, str(l.apparmorProfile));
  if (l.selinuxLabel !== undefined) w.record(PlanTag.SELINUX_LABEL, str(l.selinuxLabel));
  if (plan.seccomp && plan.process) w.record(PlanTag.SECCOMP, u32(plan.seccomp.flags), u32(plan.seccomp.stage), { bytes: plan.seccomp.program });
  for (const a of p.args) w.record(PlanTag.ARG, str(a));
  for (const e of p.env) w.record(PlanTag.ENV, str(e));
  w.record(PlanTag.CWD, str(p.cwd));
  w.record(PlanTag.EXEC_PATH, str(p.execPath));
  return w.finish();
}
