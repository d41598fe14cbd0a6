/**
 * linux.resources → the cgroup file writes that apply it, for v1 and for v2. Pure: the drivers
 * (./manager.ts) only carry these out, so every conversion is unit-tested without root.
 *
 * Conversions follow runc and crun: cpu.shares → cpu.weight, v2's memory.swap.max being swap minus
 * limit, -1 meaning "max".
 */
import { TsruncError } from '../errors.js';
import type { Resources } from '../spec/generated/config.js';

export interface CgroupWrite {
  /** The v1 controller (hierarchy) the file belongs to; on v2 the controller to enable. */
  controller: string;
  file: string;
  value: string;
  /** Written instead when `file` does not exist (blkio.bfq.weight on kernels without CFQ's blkio.weight). */
  orElse?: CgroupWrite;
  /** When no file exists: why, in the error (what the host lacks). */
  absent?: string;
  /** When no file exists: this warning instead of an error (knobs some kernels dropped). */
  missing?: string;
  /** Read back after writing: a kernel that accepts and ignores it (v1 kmem on 6.x) gets this warning. */
  verify?: string;
}

/** What the driver reads from the cgroup before writing, where the right order depends on it. */
export interface CurrentValues {
  /** v1 memory.limit_in_bytes: memsw must never drop below it, so it decides which goes first. */
  memoryLimit?: number;
}

const max = (n: number) => (n < 0 ? 'max' : String(n));
const devNo = (d: { major: number; minor: number }) => `${d.major}:${d.minor}`;

/** A resource the spec forbids: where, relative to the resources object, and why. */
export interface ResourcesProblem {
  pointer: string;
  message: string;
}

/** Checks the spec asks of resources whatever the cgroup version (config-linux.md). */
export function checkResources(r: Resources): ResourcesProblem | undefined {
  const c = r.cpu;
  if (c?.burst !== undefined && c.quota !== undefined && c.quota > 0 && c.burst > c.quota) return { pointer: '/cpu/burst', message: `must not be larger than quota (${c.quota})` };
  for (const [i, w] of (r.blockIO?.weightDevice ?? []).entries()) {
    if (w.weight === undefined && w.leafWeight === undefined) return { pointer: `/blockIO/weightDevice/${i}`, message: 'needs weight or leafWeight' };
  }
  // config-linux.md: a throttle's rate is REQUIRED (the schema leaves it out); without it the entry means nothing.
  for (const kind of ['throttleReadBpsDevice', 'throttleWriteBpsDevice', 'throttleReadIOPSDevice', 'throttleWriteIOPSDevice'] as const) {
    for (const [i, d] of (r.blockIO?.[kind] ?? []).entries()) {
      if ((d as { rate?: number }).rate === undefined) return { pointer: `/blockIO/${kind}/${i}/rate`, message: 'is required (config-linux.md: rate of a throttle entry)' };
    }
  }
  for (const [device, l] of Object.entries(r.rdma ?? {})) {
    if (l?.hcaHandles === undefined && l?.hcaObjects === undefined) return { pointer: `/rdma/${device.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: 'needs hcaHandles or hcaObjects' };
  }
  for (const [i, h] of (r.hugepageLimits ?? []).entries()) {
    if (!/^\d+[KMGTP]?B$/.test(h.pageSize)) return { pointer: `/hugepageLimits/${i}/pageSize`, message: 'must be <size><unit-prefix>B, e.g. 2MB or 1GB' };
  }
  // A key becomes a file name in the container's cgroup: "memory.max/../../x" would write outside it.
  for (const key of Object.keys(r.unified ?? {})) {
    if (!UNIFIED_KEY.test(key)) {
      return { pointer: `/unified/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`, message: 'must be a cgroup v2 interface file name, <controller>.<name> (letters, digits, "_" and dots, no "/")' };
    }
  }
  return undefined;
}

/** cgroup v2 interface file names: "memory.max", "hugetlb.2MB.max", "cpu.max.burst". */
const UNIFIED_KEY = /^[A-Za-z0-9_]+(\.[A-Za-z0-9_]+)+$/;

/** rdma.max lines, the same on v1 and v2: "<device> hca_handle=N hca_object=M". */
function rdmaLines(r: Resources): string[] {
  return Object.entries(r.rdma ?? {}).map(([device, l]) =>
    [device, l?.hcaHandles !== undefined ? `hca_handle=${l.hcaHandles}` : '', l?.hcaObjects !== undefined ? `hca_object=${l.hcaObjects}` : ''].filter(Boolean).join(' '),
  );
}

export function v1Writes(r: Resources, warnings: string[], current: CurrentValues = {}): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  const w = (controller: string, file: string, value: string | number | undefined, extra: Partial<CgroupWrite> = {}) => {
    if (value !== undefined) out.push({ controller, file, value: String(value), ...extra });
  };
  const m = r.memory;
  if (m) {
    // memsw is memory + swap and may never be below memory.limit_in_bytes: when it grows past the
    // current limit it goes first, otherwise second (runc's order). -1 for memory means no swap limit either.
    const swap = m.swap ?? (m.limit === -1 ? -1 : undefined);
    const memsw = () => w('memory', 'memory.memsw.limit_in_bytes', swap, m.swap === undefined ? { missing: '' } : {});
    const swapFirst = m.limit !== undefined && swap !== undefined && current.memoryLimit !== undefined && (swap === -1 || current.memoryLimit < swap);
    if (swapFirst) memsw();
    w('memory', 'memory.limit_in_bytes', m.limit);
    if (!swapFirst) memsw();
    w('memory', 'memory.soft_limit_in_bytes', m.reservation);
    w('memory', 'memory.swappiness', m.swappiness);
    if (m.disableOOMKiller !== undefined) w('memory', 'memory.oom_control', m.disableOOMKiller ? 1 : 0);
    if (m.useHierarchy !== undefined) w('memory', 'memory.use_hierarchy', m.useHierarchy ? 1 : 0);
    const kmem = 'kernel memory limits have no effect on this kernel (gone since 5.x); linux.resources.memory.kernel ignored';
    w('memory', 'memory.kmem.limit_in_bytes', m.kernel, { missing: kmem, verify: kmem });
    w('memory', 'memory.kmem.tcp.limit_in_bytes', m.kernelTCP, { missing: 'memory.kmem.tcp.limit_in_bytes does not exist on this kernel; linux.resources.memory.kernelTCP ignored' });
  }
  const c = r.cpu;
  if (c) {
    // idle first: the kernel refuses a weight for an idle group, and leaving idle makes room for one.
    w('cpu', 'cpu.idle', c.idle);
    if (c.idle === 1 && c.shares !== undefined) warnings.push('linux.resources.cpu.shares has no effect with cpu.idle 1; ignored');
    else w('cpu', 'cpu.shares', c.shares);
    // The period first: a quota is checked against the current period. Realtime likewise.
    w('cpu', 'cpu.cfs_period_us', c.period);
    w('cpu', 'cpu.cfs_quota_us', c.quota);
    w('cpu', 'cpu.cfs_burst_us', c.burst);
    w('cpu', 'cpu.rt_period_us', c.realtimePeriod);
    w('cpu', 'cpu.rt_runtime_us', c.realtimeRuntime);
    w('cpuset', 'cpuset.cpus', c.cpus);
    w('cpuset', 'cpuset.mems', c.mems);
  }
  if (r.pids) w('pids', 'pids.max', max(r.pids.limit));
  const b = r.blockIO;
  if (b) {
    // CFQ's blkio.* files went with CFQ (5.0); BFQ's take the same values.
    const absent = 'linux.resources.blockIO weights need the BFQ I/O scheduler, which this kernel does not have';
    const weight = (file: string, value: string) => w('blkio', `blkio.${file}`, value, { orElse: { controller: 'blkio', file: `blkio.bfq.${file}`, value, absent } });
    if (b.weight !== undefined) weight('weight', String(b.weight));
    const leaf = 'linux.resources.blockIO leafWeight needs the CFQ I/O scheduler, which this kernel does not have; ignored';
    w('blkio', 'blkio.leaf_weight', b.leafWeight, { missing: leaf });
    for (const d of b.weightDevice ?? []) {
      if (d.weight !== undefined) weight('weight_device', `${devNo(d)} ${d.weight}`);
      w('blkio', 'blkio.leaf_weight_device', d.leafWeight === undefined ? undefined : `${devNo(d)} ${d.leafWeight}`, { missing: leaf });
    }
    const throttle = (list: typeof b.throttleReadBpsDevice, file: string) => {
      for (const d of list ?? []) w('blkio', `blkio.throttle.${file}`, `${devNo(d)} ${d.rate ?? 0}`);
    };
    throttle(b.throttleReadBpsDevice, 'read_bps_device');
    throttle(b.throttleWriteBpsDevice, 'write_bps_device');
    throttle(b.throttleReadIOPSDevice, 'read_iops_device');
    throttle(b.throttleWriteIOPSDevice, 'write_iops_device');
  }
  for (const h of r.hugepageLimits ?? []) {
    w('hugetlb', `hugetlb.${h.pageSize}.limit_in_bytes`, h.limit);
    // Reservations are what the spec limits where the kernel accounts them (5.7+).
    w('hugetlb', `hugetlb.${h.pageSize}.rsvd.limit_in_bytes`, h.limit, { missing: '' });
  }
  if (r.network) {
    w('net_cls', 'net_cls.classid', r.network.classID);
    for (const p of r.network.priorities ?? []) w('net_prio', 'net_prio.ifpriomap', `${p.name} ${p.priority}`);
  }
  for (const line of rdmaLines(r)) w('rdma', 'rdma.max', line);
  if (r.devices) {
    // The rules in order after denying everything, then the devices every container gets (runc's).
    w('devices', 'devices.deny', 'a');
    for (const d of [...r.devices, ...DEFAULT_ALLOWED]) {
      const rule = `${d.type ?? 'a'} ${d.major === undefined || d.major < 0 ? '*' : d.major}:${d.minor === undefined || d.minor < 0 ? '*' : d.minor} ${d.access ?? 'rwm'}`;
      w('devices', d.allow ? 'devices.allow' : 'devices.deny', rule);
    }
  }
  // config-linux.md: a controller that is not present is an error (runc: "cannot use unified on cgroup v1").
  if (r.unified && Object.keys(r.unified).length) {
    throw new TsruncError(`linux.resources.unified (${Object.keys(r.unified).join(', ')}) needs a cgroup v2 host; this host manages its controllers with cgroup v1`);
  }
  return out;
}

/** cpu.shares (2..262144) → cpu.weight (1..10000), as runc and crun convert it. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

/** blkio weight (10..1000) → io.weight (1..10000), runc's conversion. */
export function blkioToIoWeight(weight: number): number {
  return Math.floor(1 + ((weight - 10) * 9999) / 990);
}

export function v2Writes(r: Resources, warnings: string[]): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  const w = (controller: string, file: string, value: string | number | undefined, extra: Partial<CgroupWrite> = {}) => {
    if (value !== undefined) out.push({ controller, file, value: String(value), ...extra });
  };
  const m = r.memory;
  if (m) {
    w('memory', 'memory.max', m.limit === undefined ? undefined : max(m.limit));
    w('memory', 'memory.low', m.reservation === undefined ? undefined : max(m.reservation));
    if (m.swap !== undefined) {
      // v2 limits swap alone; the spec's swap is memory + swap (runc's conversion).
      if (m.swap < 0) w('memory', 'memory.swap.max', 'max');
      else if (m.limit !== undefined && m.limit >= 0) w('memory', 'memory.swap.max', Math.max(0, m.swap - m.limit));
      else warnings.push('linux.resources.memory.swap needs memory.limit on cgroup v2');
    } else if (m.limit === -1) w('memory', 'memory.swap.max', 'max', { missing: '' });
    if (m.swappiness !== undefined) warnings.push('linux.resources.memory.swappiness does not exist on cgroup v2; ignored');
    if (m.disableOOMKiller) warnings.push('linux.resources.memory.disableOOMKiller does not exist on cgroup v2; ignored');
    if (m.kernel !== undefined || m.kernelTCP !== undefined) warnings.push('kernel memory limits do not exist on cgroup v2; ignored');
  }
  const c = r.cpu;
  if (c) {
    w('cpu', 'cpu.idle', c.idle);
    if (c.idle === 1 && c.shares !== undefined) warnings.push('linux.resources.cpu.shares has no effect with cpu.idle 1; ignored');
    else if (c.shares !== undefined) w('cpu', 'cpu.weight', sharesToWeight(c.shares));
    if (c.quota !== undefined || c.period !== undefined) w('cpu', 'cpu.max', `${c.quota === undefined || c.quota < 0 ? 'max' : c.quota} ${c.period ?? 100000}`);
    w('cpu', 'cpu.max.burst', c.burst);
    if (c.realtimeRuntime !== undefined || c.realtimePeriod !== undefined) warnings.push('realtime cpu limits do not exist on cgroup v2; ignored');
    w('cpuset', 'cpuset.cpus', c.cpus);
    w('cpuset', 'cpuset.mems', c.mems);
  }
  if (r.pids) w('pids', 'pids.max', max(r.pids.limit));
  const b = r.blockIO;
  if (b) {
    // BFQ takes blkio's weights as they are; io.weight (io.cost) needs runc's conversion.
    if (b.weight !== undefined) w('io', 'io.bfq.weight', b.weight, { orElse: { controller: 'io', file: 'io.weight', value: `default ${blkioToIoWeight(b.weight)}` } });
    for (const d of b.weightDevice ?? []) {
      if (d.weight !== undefined) w('io', 'io.bfq.weight', `${devNo(d)} ${d.weight}`, { orElse: { controller: 'io', file: 'io.weight', value: `${devNo(d)} ${blkioToIoWeight(d.weight)}` } });
    }
    if (b.leafWeight !== undefined || b.weightDevice?.some((d) => d.leafWeight !== undefined)) warnings.push('linux.resources.blockIO leafWeight does not exist on cgroup v2; ignored');
    const throttle = (list: typeof b.throttleReadBpsDevice, key: string) => {
      for (const d of list ?? []) w('io', 'io.max', `${devNo(d)} ${key}=${d.rate === undefined || d.rate === 0 ? 'max' : d.rate}`);
    };
    throttle(b.throttleReadBpsDevice, 'rbps');
    throttle(b.throttleWriteBpsDevice, 'wbps');
    throttle(b.throttleReadIOPSDevice, 'riops');
    throttle(b.throttleWriteIOPSDevice, 'wiops');
  }
  for (const h of r.hugepageLimits ?? []) {
    w('hugetlb', `hugetlb.${h.pageSize}.max`, h.limit);
    w('hugetlb', `hugetlb.${h.pageSize}.rsvd.max`, h.limit, { missing: '' });
  }
  if (r.network) warnings.push('linux.resources.network (net_cls/net_prio) does not exist on cgroup v2; ignored');
  for (const line of rdmaLines(r)) w('rdma', 'rdma.max', line);
  // devices: an eBPF program, not a file (manager.ts, device-program.ts).
  for (const [key, value] of Object.entries(r.unified ?? {})) w(key.split('.')[0]!, key, value);
  return out;
}

/** The devices runc allows every container on top of the config's rules. */
export const DEFAULT_ALLOWED: Array<{ allow: boolean; type: string; major: number; minor: number; access: string }> = [
  { allow: true, type: 'c', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'b', major: -1, minor: -1, access: 'm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { allow: true, type: 'c', major: 136, minor: -1, access: 'rwm' }, // /dev/pts/*
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // tun
];
