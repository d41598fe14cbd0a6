/**
 * linux.resources → the cgroup file writes that apply it, for v1 and for v2. Pure: the drivers
 * (./manager.ts) only carry these out, so every conversion is unit-tested without root.
 *
 * Conversions follow runc and crun: cpu.shares → cpu.weight, v2's memory.swap.max being swap minus
 * limit, -1 meaning "max".
 */
import type { Resources } from '../spec/generated/config.js';

export interface CgroupWrite {
  /** The v1 controller (hierarchy) the file belongs to; on v2 the controller to enable. */
  controller: string;
  file: string;
  value: string;
}

/** Fields this build does not apply yet; they are reported, not silently dropped. */
const NOT_YET = ['blockIO', 'hugepageLimits', 'network', 'rdma'] as const;

function notYet(r: Resources, warnings: string[]): void {
  for (const key of NOT_YET) if (r[key] !== undefined) warnings.push(`linux.resources.${key} is not applied yet by tsrunc`);
}

const max = (n: number) => (n < 0 ? 'max' : String(n));

export function v1Writes(r: Resources, warnings: string[]): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  const w = (controller: string, file: string, value: string | number | undefined) => {
    if (value !== undefined) out.push({ controller, file, value: String(value) });
  };
  const m = r.memory;
  if (m) {
    w('memory', 'memory.limit_in_bytes', m.limit);
    w('memory', 'memory.soft_limit_in_bytes', m.reservation);
    // memsw is memory + swap, and may not be below memory.limit_in_bytes: written after it.
    w('memory', 'memory.memsw.limit_in_bytes', m.swap);
    w('memory', 'memory.swappiness', m.swappiness);
    if (m.disableOOMKiller) w('memory', 'memory.oom_control', 1);
    w('memory', 'memory.kmem.limit_in_bytes', m.kernel);
    w('memory', 'memory.kmem.tcp.limit_in_bytes', m.kernelTCP);
  }
  const c = r.cpu;
  if (c) {
    w('cpu', 'cpu.shares', c.shares);
    // The period first: a quota is checked against the current period.
    w('cpu', 'cpu.cfs_period_us', c.period);
    w('cpu', 'cpu.cfs_quota_us', c.quota);
    w('cpu', 'cpu.cfs_burst_us', c.burst);
    w('cpu', 'cpu.rt_period_us', c.realtimePeriod);
    w('cpu', 'cpu.rt_runtime_us', c.realtimeRuntime);
    w('cpu', 'cpu.idle', c.idle);
    w('cpuset', 'cpuset.cpus', c.cpus);
    w('cpuset', 'cpuset.mems', c.mems);
  }
  if (r.pids) w('pids', 'pids.max', r.pids.limit > 0 ? r.pids.limit : 'max');
  if (r.devices) {
    // The rules in order after denying everything, then the devices every container gets (runc's).
    w('devices', 'devices.deny', 'a');
    for (const d of [...r.devices, ...DEFAULT_ALLOWED]) {
      const rule = `${d.type ?? 'a'} ${d.major === undefined || d.major < 0 ? '*' : d.major}:${d.minor === undefined || d.minor < 0 ? '*' : d.minor} ${d.access ?? 'rwm'}`;
      w('devices', d.allow ? 'devices.allow' : 'devices.deny', rule);
    }
  }
  if (r.unified) warnings.push('linux.resources.unified applies to cgroup v2 only; ignored on this cgroup v1 host');
  notYet(r, warnings);
  return out;
}

/** cpu.shares (2..262144) → cpu.weight (1..10000), as runc and crun convert it. */
export function sharesToWeight(shares: number): number {
  if (shares === 0) return 0;
  return Math.floor(1 + ((shares - 2) * 9999) / 262142);
}

export function v2Writes(r: Resources, warnings: string[]): CgroupWrite[] {
  const out: CgroupWrite[] = [];
  const w = (controller: string, file: string, value: string | number | undefined) => {
    if (value !== undefined) out.push({ controller, file, value: String(value) });
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
    }
    if (m.swappiness !== undefined) warnings.push('linux.resources.memory.swappiness does not exist on cgroup v2; ignored');
    if (m.disableOOMKiller) warnings.push('linux.resources.memory.disableOOMKiller does not exist on cgroup v2; ignored');
    if (m.kernel !== undefined || m.kernelTCP !== undefined) warnings.push('kernel memory limits do not exist on cgroup v2; ignored');
  }
  const c = r.cpu;
  if (c) {
    if (c.shares !== undefined) w('cpu', 'cpu.weight', sharesToWeight(c.shares));
    if (c.quota !== undefined || c.period !== undefined) w('cpu', 'cpu.max', `${c.quota === undefined || c.quota < 0 ? 'max' : c.quota} ${c.period ?? 100000}`);
    w('cpu', 'cpu.max.burst', c.burst);
    w('cpu', 'cpu.idle', c.idle);
    if (c.realtimeRuntime !== undefined || c.realtimePeriod !== undefined) warnings.push('realtime cpu limits do not exist on cgroup v2; ignored');
    w('cpuset', 'cpuset.cpus', c.cpus);
    w('cpuset', 'cpuset.mems', c.mems);
  }
  if (r.pids) w('pids', 'pids.max', r.pids.limit > 0 ? r.pids.limit : 'max');
  if (r.devices) warnings.push('linux.resources.devices is not enforced on cgroup v2 yet (it needs an eBPF device program)');
  for (const [key, value] of Object.entries(r.unified ?? {})) w(key.split('.')[0]!, key, value);
  notYet(r, warnings);
  return out;
}

/** The devices runc allows every container on top of the config's rules. */
const DEFAULT_ALLOWED: Array<{ allow: boolean; type: string; major: number; minor: number; access: string }> = [
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
