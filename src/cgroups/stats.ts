/**
 * Cgroup statistics in runc's `events` shape (runc types/events.go), read from v1 or v2 files.
 * Pure: the drivers pass a reader, so every mapping is unit-tested without root.
 *
 * Counters can pass 2^53 ("no limit" is 2^63-ish on v1, 2^64-1 on v2), so large values are
 * bigints and {@link eventJson} prints them exactly, as Go's encoder would.
 */

/** A uint64 from a cgroup file: a number while it is exact, else a bigint. */
export type Uint = number | bigint;

export interface BlkioEntry {
  major?: Uint;
  minor?: Uint;
  op?: string;
  value?: Uint;
}

export interface MemoryEntry {
  limit: Uint;
  usage?: Uint;
  max?: Uint;
  failcnt: Uint;
}

/** runc's types.Stats (without intel_rdt data and network interfaces, which tsrunc does not collect). */
export interface Stats {
  cpu: {
    usage: { total?: Uint; percpu?: Uint[]; percpu_kernel?: Uint[]; percpu_user?: Uint[]; kernel: Uint; user: Uint };
    throttling: { periods?: Uint; throttledPeriods?: Uint; throttledTime?: Uint };
  };
  cpuset: Record<string, Uint | number[]>;
  memory: { cache?: Uint; usage: MemoryEntry; swap: MemoryEntry; kernel: MemoryEntry; kernelTCP: MemoryEntry; raw?: Record<string, Uint> };
  pids: { current?: Uint; limit?: Uint };
  blkio: Record<string, BlkioEntry[]>;
  hugetlb: Record<string, { usage?: Uint; max?: Uint; failcnt: Uint }>;
  intel_rdt: Record<string, never>;
  network_interfaces: null;
}

/** Reads a file of the container's cgroup; undefined when it does not exist. v1: per controller. */
export type V1Reader = (controller: string, file: string) => string | undefined;
export type V2Reader = (file: string) => string | undefined;

const MAX_UINT64 = 18446744073709551615n;

/** A decimal uint64 ("max" is 2^64-1, as runc reports it on v2). */
export function uint(text: string | undefined): Uint {
  const t = text?.trim();
  if (!t) return 0;
  if (t === 'max') return MAX_UINT64;
  if (!/^\d+$/.test(t)) return 0;
  const n = Number(t);
  return Number.isSafeInteger(n) ? n : BigInt(t);
}

const times = (a: Uint, b: number): Uint => (typeof a === 'bigint' || !Number.isSafeInteger(a * b) ? BigInt(a) * BigInt(b) : a * b);
const plus = (a: Uint, b: Uint): Uint => (typeof a === 'bigint' || typeof b === 'bigint' || !Number.isSafeInteger(a + b) ? BigInt(a) + BigInt(b) : a + b);

/** "key value" lines (memory.stat, cpu.stat, memory.events …) as a map. */
export function keyValues(text: string | undefined): Record<string, Uint> {
  const out: Record<string, Uint> = {};
  for (const line of (text ?? '').split('\n')) {
    const [key, value] = line.trim().split(/\s+/);
    if (key && value !== undefined) out[key] = uint(value);
  }
  return out;
}

/** "0-2,5" → [0, 1, 2, 5]. */
export function cpuList(text: string | undefined): number[] {
  const out: number[] = [];
  for (const part of (text ?? '').trim().split(',').filter(Boolean)) {
    const [a, b] = part.split('-').map(Number);
    for (let i = a!; i <= (b ?? a!); i++) out.push(i);
  }
  return out;
}

const CPUSET_FLAGS = ['cpu_exclusive', 'mem_hardwall', 'mem_exclusive', 'memory_migrate', 'memory_spread_page', 'memory_spread_slab', 'memory_pressure', 'sched_load_balance', 'sched_relax_domain_level'];

function cpuset(read: (file: string) => string | undefined, v1: boolean): Stats['cpuset'] {
  const out: Stats['cpuset'] = {};
  const cpus = cpuList(read(v1 ? 'cpuset.cpus' : 'cpuset.cpus.effective'));
  const mems = cpuList(read(v1 ? 'cpuset.mems' : 'cpuset.mems.effective'));
  if (cpus.length) out.cpus = cpus;
  for (const f of CPUSET_FLAGS.slice(0, 1)) out[f] = v1 ? uint(read(`cpuset.${f}`)) : 0;
  if (mems.length) out.mems = mems;
  for (const f of CPUSET_FLAGS.slice(1)) {
    const raw = v1 ? read(`cpuset.${f}`)?.trim() : undefined;
    out[f] = f === 'sched_relax_domain_level' ? Number(raw ?? 0) : uint(raw);
  }
  return out;
}

function omitZero<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== 0 && v !== undefined && !(Array.isArray(v) && v.length === 0))) as T;
}

/** One "8:0 Read 123" file of v1 blkio as runc's entries ("Total" lines and the cgroup total skipped). */
export function blkioEntries(text: string | undefined): BlkioEntry[] {
  const out: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const m = /^(\d+):(\d+) (\w+) (\d+)$/.exec(line.trim());
    if (m) out.push(omitZero({ major: uint(m[1]), minor: uint(m[2]), op: m[3], value: uint(m[4]) }));
  }
  return out;
}

const V1_BLKIO: Array<[string, string]> = [
  ['ioServiceBytesRecursive', 'io_service_bytes_recursive'],
  ['ioServicedRecursive', 'io_serviced_recursive'],
  ['ioQueueRecursive', 'io_queued_recursive'],
  ['ioServiceTimeRecursive', 'io_service_time_recursive'],
  ['ioWaitTimeRecursive', 'io_wait_time_recursive'],
  ['ioMergedRecursive', 'io_merged_recursive'],
  ['ioTimeRecursive', 'time_recursive'],
  ['sectorsRecursive', 'sectors_recursive'],
];

/** The hugepage sizes the kernel has, as cgroup file names spell them (2MB, 1GB). */
export function hugepageSizes(dirNames: string[]): string[] {
  return dirNames
    .map((d) => /^hugepages-(\d+)kB$/.exec(d)?.[1])
    .filter((kb): kb is string => kb !== undefined)
    .map((kb) => {
      let n = Number(kb);
      let unit = 'KB';
      for (const u of ['MB', 'GB', 'TB']) {
        if (n % 1024 !== 0) break;
        n /= 1024;
        unit = u;
      }
      return `${n}${unit}`;
    });
}

const emptyStats = (): Pick<Stats, 'intel_rdt' | 'network_interfaces'> => ({ intel_rdt: {}, network_interfaces: null });

export function statsV1(read: V1Reader, hugepages: string[], clockTicks = 100): Stats {
  const cpuacct = (f: string) => read('cpuacct', f);
  const percpu = (cpuacct('cpuacct.usage_percpu') ?? '').trim().split(/\s+/).filter(Boolean).map(uint);
  // cpuacct.usage_all: "cpu user system" then one line per cpu, in nanoseconds.
  const all = (cpuacct('cpuacct.usage_all') ?? '').trim().split('\n').slice(1).map((l) => l.trim().split(/\s+/));
  const ticks = keyValues(cpuacct('cpuacct.stat'));
  const ns = 1e9 / clockTicks;
  const throttle = keyValues(read('cpu', 'cpu.stat'));
  const mem = (prefix: string): MemoryEntry => ({
    limit: uint(read('memory', `${prefix}.limit_in_bytes`)),
    ...omitZero({ usage: uint(read('memory', `${prefix}.usage_in_bytes`)), max: uint(read('memory', `${prefix}.max_usage_in_bytes`)) }),
    failcnt: uint(read('memory', `${prefix}.failcnt`)),
  });
  const raw = keyValues(read('memory', 'memory.stat'));
  const pidsMax = read('pids', 'pids.max')?.trim();
  // BFQ's files when the CFQ ones are gone, then the throttle layer's (what runc falls back to).
  const blkioFile = (name: string) => read('blkio', `blkio.${name}`) ?? read('blkio', `blkio.bfq.${name}`) ?? read('blkio', `blkio.throttle.${name}`);
  const blkio: Stats['blkio'] = {};
  for (const [key, name] of V1_BLKIO) {
    const entries = blkioEntries(blkioFile(name));
    if (entries.length) blkio[key] = entries;
  }
  const hugetlb: Stats['hugetlb'] = {};
  for (const size of hugepages) {
    const f = (name: string) => read('hugetlb', `hugetlb.${size}.${name}`);
    if (f('usage_in_bytes') === undefined) continue;
    hugetlb[size] = { ...omitZero({ usage: uint(f('usage_in_bytes')), max: uint(f('max_usage_in_bytes')) }), failcnt: uint(f('failcnt')) };
  }
  return {
    cpu: {
      usage: {
        ...omitZero({
          total: uint(cpuacct('cpuacct.usage')),
          percpu,
          percpu_kernel: all.map((c) => uint(c[2])),
          percpu_user: all.map((c) => uint(c[1])),
        }),
        kernel: times(ticks.system ?? 0, ns),
        user: times(ticks.user ?? 0, ns),
      },
      throttling: omitZero({ periods: throttle.nr_periods ?? 0, throttledPeriods: throttle.nr_throttled ?? 0, throttledTime: throttle.throttled_time ?? 0 }),
    },
    cpuset: cpuset((f) => read('cpuset', f), true),
    memory: {
      ...omitZero({ cache: raw.cache ?? 0 }),
      usage: mem('memory'),
      swap: mem('memory.memsw'),
      kernel: mem('memory.kmem'),
      kernelTCP: mem('memory.kmem.tcp'),
      ...(Object.keys(raw).length ? { raw } : {}),
    },
    pids: omitZero({ current: uint(read('pids', 'pids.current')), limit: pidsMax === 'max' ? 0 : uint(pidsMax) }),
    blkio,
    hugetlb,
    ...emptyStats(),
  };
}

/** io.stat ("8:0 rbytes=1 wbytes=2 rios=3 wios=4 …") as runc's v1-shaped entries. */
export function ioStatEntries(text: string | undefined): Pick<Stats['blkio'], string> {
  const bytes: BlkioEntry[] = [];
  const ios: BlkioEntry[] = [];
  for (const line of (text ?? '').split('\n')) {
    const [dev, ...pairs] = line.trim().split(/\s+/);
    const m = /^(\d+):(\d+)$/.exec(dev ?? '');
    if (!m) continue;
    const kv = Object.fromEntries(pairs.map((p) => p.split('=') as [string, string]));
    const entry = (op: string, value: string | undefined) => omitZero({ major: uint(m[1]), minor: uint(m[2]), op, value: uint(value) });
    bytes.push(entry('Read', kv.rbytes), entry('Write', kv.wbytes));
    ios.push(entry('Read', kv.rios), entry('Write', kv.wios));
  }
  const out: Stats['blkio'] = {};
  if (bytes.length) out.ioServiceBytesRecursive = bytes;
  if (ios.length) out.ioServicedRecursive = ios;
  return out;
}

export function statsV2(read: V2Reader, hugepages: string[]): Stats {
  const cpu = keyValues(read('cpu.stat'));
  const raw = keyValues(read('memory.stat'));
  const events = keyValues(read('memory.events'));
  const usage = uint(read('memory.current'));
  const limit = uint(read('memory.max') ?? 'max');
  // v1 reported swap as memory + swap: runc adds them up for v2 too.
  const swapUsage = read('memory.swap.current') === undefined ? 0 : plus(uint(read('memory.swap.current')), usage);
  const swapMax = read('memory.swap.max');
  const swapLimit = swapMax === undefined ? 0 : uint(swapMax) === MAX_UINT64 || limit === MAX_UINT64 ? MAX_UINT64 : plus(uint(swapMax), limit);
  const pidsMax = read('pids.max')?.trim();
  const hugetlb: Stats['hugetlb'] = {};
  for (const size of hugepages) {
    if (read(`hugetlb.${size}.current`) === undefined) continue;
    hugetlb[size] = { ...omitZero({ usage: uint(read(`hugetlb.${size}.current`)) }), failcnt: keyValues(read(`hugetlb.${size}.events`)).max ?? 0 };
  }
  return {
    cpu: {
      usage: {
        ...omitZero({ total: times(cpu.usage_usec ?? 0, 1000) }),
        kernel: times(cpu.system_usec ?? 0, 1000),
        user: times(cpu.user_usec ?? 0, 1000),
      },
      throttling: omitZero({ periods: cpu.nr_periods ?? 0, throttledPeriods: cpu.nr_throttled ?? 0, throttledTime: times(cpu.throttled_usec ?? 0, 1000) }),
    },
    cpuset: cpuset(read, false),
    memory: {
      ...omitZero({ cache: raw.file ?? 0 }),
      usage: { limit, ...omitZero({ usage, max: uint(read('memory.peak')) }), failcnt: events.max ?? 0 },
      swap: { limit: swapLimit, ...omitZero({ usage: swapUsage }), failcnt: 0 },
      kernel: { limit: 0, failcnt: 0 },
      kernelTCP: { limit: 0, failcnt: 0 },
      ...(Object.keys(raw).length ? { raw } : {}),
    },
    pids: omitZero({ current: uint(read('pids.current')), limit: pidsMax === 'max' ? 0 : uint(pidsMax) }),
    blkio: ioStatEntries(read('io.stat')),
    hugetlb,
    ...emptyStats(),
  };
}

/** OOM kills so far: v1 memory.oom_control's oom_kill (4.13+), v2 memory.events' oom_kill. */
export function oomKills(text: string | undefined): number {
  return Number(keyValues(text).oom_kill ?? 0);
}

/** runc's event record (types.Event) as one JSON line, uint64s exact. */
export function eventJson(event: { type: string; id: string; data?: unknown }): string {
  return JSON.stringify(event, (_k, v: unknown) => (typeof v === 'bigint' ? `\u0000${v}` : v)).replace(/"\\u0000(\d+)"/g, '$1');
}
