// Cgroup files → runc's `events` JSON: field names, units and the v1/v2 mappings, without root.
import t from 'tap';
import { blkioEntries, cpuList, eventJson, hugepageSizes, ioStatEntries, oomKills, statsV1, statsV2, uint } from '../../src/cgroups/stats.js';
import { parseDuration } from '../../src/runtime/events.js';

const V1: Record<string, string> = {
  'cpuacct/cpuacct.usage': '4140771\n',
  'cpuacct/cpuacct.usage_percpu': '3424515 716256 \n',
  'cpuacct/cpuacct.usage_all': 'cpu user system\n0 1000 2000\n1 3000 4000\n',
  'cpuacct/cpuacct.stat': 'user 5\nsystem 7\n',
  'cpu/cpu.stat': 'nr_periods 10\nnr_throttled 4\nthrottled_time 123456\nnr_bursts 0\nburst_time 0\n',
  'cpuset/cpuset.cpus': '0-2,5\n',
  'cpuset/cpuset.mems': '0\n',
  'cpuset/cpuset.sched_load_balance': '1\n',
  'cpuset/cpuset.sched_relax_domain_level': '-1\n',
  'memory/memory.limit_in_bytes': '33554432\n',
  'memory/memory.usage_in_bytes': '2809856\n',
  'memory/memory.max_usage_in_bytes': '2830336\n',
  'memory/memory.failcnt': '3\n',
  'memory/memory.memsw.limit_in_bytes': '9223372036854771712\n',
  'memory/memory.memsw.failcnt': '0\n',
  'memory/memory.stat': 'cache 1986560\nrss 118784\n',
  'memory/memory.oom_control': 'oom_kill_disable 0\nunder_oom 0\noom_kill 2\n',
  'pids/pids.current': '3\n',
  'pids/pids.max': 'max\n',
  'blkio/blkio.throttle.io_service_bytes_recursive': '254:0 Read 4096\n254:0 Write 0\nTotal 4096\n',
  'hugetlb/hugetlb.2MB.usage_in_bytes': '0\n',
  'hugetlb/hugetlb.2MB.max_usage_in_bytes': '2097152\n',
  'hugetlb/hugetlb.2MB.failcnt': '1\n',
};

t.test('v1: runc’s field names and units', async (t) => {
  const s = statsV1((c, f) => V1[`${c}/${f}`], ['2MB']);
  t.same(s.cpu, {
    usage: { total: 4140771, percpu: [3424515, 716256], percpu_kernel: [2000, 4000], percpu_user: [1000, 3000], kernel: 70_000_000, user: 50_000_000 },
    throttling: { periods: 10, throttledPeriods: 4, throttledTime: 123456 },
  }, 'cpuacct in ns; cpuacct.stat ticks (USER_HZ 100) to ns');
  t.same(s.cpuset.cpus, [0, 1, 2, 5]);
  t.equal(s.cpuset.sched_relax_domain_level, -1);
  t.same(Object.keys(s.cpuset).slice(0, 3), ['cpus', 'cpu_exclusive', 'mems'], 'Go’s field order');
  t.same(s.memory.usage, { limit: 33554432, usage: 2809856, max: 2830336, failcnt: 3 });
  t.same(s.memory.swap, { limit: 9223372036854771712n, failcnt: 0 }, 'a limit past 2^53 stays exact');
  t.same(s.memory.kernel, { limit: 0, failcnt: 0 }, 'missing files: zero, as runc');
  t.equal(s.memory.cache, 1986560);
  t.same(s.pids, { current: 3 }, 'pids.max "max" is no limit (omitted)');
  t.same(s.blkio, { ioServiceBytesRecursive: [{ major: 254, op: 'Read', value: 4096 }, { major: 254, op: 'Write' }] }, 'zeros omitted, as Go’s omitempty does');
  t.same(s.hugetlb, { '2MB': { max: 2097152, failcnt: 1 } });
  t.same(s.intel_rdt, {});
  t.equal(s.network_interfaces, null);
  t.equal(oomKills(V1['memory/memory.oom_control']), 2);
});

const V2: Record<string, string> = {
  'cpu.stat': 'usage_usec 1500\nuser_usec 1000\nsystem_usec 500\nnr_periods 3\nnr_throttled 1\nthrottled_usec 20\n',
  'cpuset.cpus.effective': '0-1\n',
  'cpuset.mems.effective': '0\n',
  'memory.current': '1048576\n',
  'memory.max': 'max\n',
  'memory.peak': '2097152\n',
  'memory.events': 'low 0\nhigh 0\nmax 5\noom 1\noom_kill 1\n',
  'memory.swap.current': '4096\n',
  'memory.swap.max': 'max\n',
  'memory.stat': 'anon 100\nfile 8192\n',
  'pids.current': '2\n',
  'pids.max': '7\n',
  'io.stat': '7:0 rbytes=512 wbytes=1024 rios=1 wios=2 dbytes=0 dios=0\n',
  'hugetlb.2MB.current': '2097152\n',
  'hugetlb.2MB.events': 'max 0\n',
};

t.test('v2: mapped to the v1 shape as runc maps it', async (t) => {
  const s = statsV2((f) => V2[f], ['2MB', '1GB']);
  t.same(s.cpu, { usage: { total: 1_500_000, kernel: 500_000, user: 1_000_000 }, throttling: { periods: 3, throttledPeriods: 1, throttledTime: 20_000 } }, 'µs to ns');
  t.same(s.memory.usage, { limit: 18446744073709551615n, usage: 1048576, max: 2097152, failcnt: 5 }, '"max" is 2^64-1; failcnt from memory.events max');
  t.same(s.memory.swap, { limit: 18446744073709551615n, usage: 1048576 + 4096, failcnt: 0 }, 'swap reported as memory + swap, as v1 did');
  t.equal(s.memory.cache, 8192, 'cache is memory.stat file');
  t.same(s.pids, { current: 2, limit: 7 });
  t.same(s.blkio, {
    ioServiceBytesRecursive: [{ major: 7, op: 'Read', value: 512 }, { major: 7, op: 'Write', value: 1024 }],
    ioServicedRecursive: [{ major: 7, op: 'Read', value: 1 }, { major: 7, op: 'Write', value: 2 }],
  }, 'io.stat; a zero minor is omitted, as Go’s omitempty does');
  t.same(s.hugetlb, { '2MB': { usage: 2097152, failcnt: 0 } }, 'only the sizes with files');
  t.equal(oomKills(V2['memory.events']), 1);
});

t.test('helpers', async (t) => {
  t.same(cpuList('0-2,7'), [0, 1, 2, 7]);
  t.same(cpuList(''), []);
  t.equal(uint('18446744073709551615'), 18446744073709551615n);
  t.equal(uint('42'), 42);
  t.same(hugepageSizes(['hugepages-2048kB', 'hugepages-1048576kB', 'hugepages-64kB', 'x']), ['2MB', '1GB', '64KB']);
  t.same(blkioEntries('8:0 Read 1\nTotal 1\n'), [{ major: 8, op: 'Read', value: 1 }]);
  t.same(ioStatEntries(''), {});
  t.equal(eventJson({ type: 'stats', id: 'x', data: { limit: 18446744073709551615n, n: 1 } }), '{"type":"stats","id":"x","data":{"limit":18446744073709551615,"n":1}}', 'uint64s printed exactly');
  t.equal(eventJson({ type: 'oom', id: 'x' }), '{"type":"oom","id":"x"}', 'no data: omitted');
});

t.test('--interval: Go durations', async (t) => {
  t.same(['5s', '100ms', '1m30s', '1.5h', '0', '250us'].map(parseDuration), [5000, 100, 90_000, 5_400_000, 0, 0.25]);
  t.same(['3µs', '3μs'].map(parseDuration), [0.003, 0.003], 'both micro signs, as Go takes them');
  t.throws(() => parseDuration('5'), /invalid duration/);
  t.throws(() => parseDuration('five seconds'), /invalid duration/);
});
