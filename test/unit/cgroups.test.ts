// linux.resources → cgroup writes, and cgroupsPath resolution: the policy of src/cgroups, no root.
import t from 'tap';
import { parentsToRemove } from '../../src/cgroups/manager.js';
import { resolveCgroupPath } from '../../src/cgroups/path.js';
import { blkioToIoWeight, checkResources, sharesToWeight, v1Writes, v2Writes } from '../../src/cgroups/resources.js';
import { resourcesFromFlags, size } from '../../src/cli/commands/update.js';
import { mergeResources, writeSet } from '../../src/runtime/update.js';

const files = (ws: Array<{ file: string; value: string }>) => Object.fromEntries(ws.map((w) => [w.file, w.value]));

t.test('cgroupsPath: absolute, relative under /tsrunc, default /tsrunc/<id>, refusals', async (t) => {
  t.equal(resolveCgroupPath(undefined, 'web'), '/tsrunc/web');
  t.equal(resolveCgroupPath('/k8s.io/abc', 'web'), '/k8s.io/abc');
  t.equal(resolveCgroupPath('mine/x/', 'web'), '/tsrunc/mine/x');
  for (const escaping of ['/../../etc', 'x/../../..', '../x', '/a/../b', '..']) {
    t.throws(() => resolveCgroupPath(escaping, 'web'), /\/linux\/cgroupsPath: must not contain a "\.\." component \(config-linux\.md#configLinuxCgroupsPath\)/, escaping);
  }
  t.throws(() => resolveCgroupPath('/', 'web'), /below the hierarchy root/);
  t.throws(() => resolveCgroupPath('system.slice:docker:abc', 'web'), /systemd cgroup driver is not supported yet/);
});

t.test('delete removes the parents create made, and the empty ones under /tsrunc; never others', async (t) => {
  const r = '/sys/fs/cgroup/pids';
  t.same(parentsToRemove(r, '/tsrunc/web', []), [`${r}/tsrunc`]);
  t.same(parentsToRemove(r, '/tsrunc/a/b', []), [`${r}/tsrunc/a`, `${r}/tsrunc`], 'deepest first');
  t.same(parentsToRemove(r, '/kubepods/pod1/c1', []), [], 'a pod cgroup someone else made stays');
  t.same(parentsToRemove(r, '/mine/x/c1', [`${r}/mine/x`, `${r}/mine`]), [`${r}/mine/x`, `${r}/mine`]);
  t.same(parentsToRemove(r, '/mine/x/c1', ['/sys/fs/cgroup/cpu/mine']), [], 'made in another hierarchy only');
  t.same(parentsToRemove(r, '/web', []), []);
});

t.test('v1: memory, cpu, cpuset, pids and devices, in a safe order', async (t) => {
  const warnings: string[] = [];
  const ws = v1Writes({
    memory: { limit: 100, reservation: 50, swap: 200, swappiness: 10, disableOOMKiller: true },
    cpu: { shares: 512, quota: 20000, period: 100000, cpus: '0-1', mems: '0' },
    pids: { limit: 0 },
    devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'w' }],
  }, warnings);
  t.match(files(ws), {
    'memory.limit_in_bytes': '100', 'memory.soft_limit_in_bytes': '50', 'memory.memsw.limit_in_bytes': '200', 'memory.swappiness': '10', 'memory.oom_control': '1',
    'cpu.shares': '512', 'cpu.cfs_quota_us': '20000', 'cpu.cfs_period_us': '100000', 'cpuset.cpus': '0-1', 'cpuset.mems': '0', 'pids.max': '0',
  });
  const order = ws.map((w) => w.file);
  t.ok(order.indexOf('memory.limit_in_bytes') < order.indexOf('memory.memsw.limit_in_bytes'), 'limit before memsw');
  t.ok(order.indexOf('cpu.cfs_period_us') < order.indexOf('cpu.cfs_quota_us'), 'period before quota');
  const devices = ws.filter((w) => w.controller === 'devices').map((w) => `${w.file} ${w.value}`);
  t.same(devices.slice(0, 3), ['devices.deny a', 'devices.deny a *:* rwm', 'devices.allow c 1:11 w'], 'deny all, then the rules in order');
  t.ok(devices.includes('devices.allow c 1:3 rwm'), 'then runc’s default devices (/dev/null …)');
  t.same(warnings, []);
});

t.test('v2: weight from shares, cpu.max, swap minus limit, max for -1, unified', async (t) => {
  t.same([2, 1024, 262144].map(sharesToWeight), [1, 39, 10000], 'runc’s conversion at both ends and the default');
  const warnings: string[] = [];
  const ws = v2Writes({
    memory: { limit: 100, reservation: -1, swap: 300, swappiness: 5 },
    cpu: { shares: 1024, quota: -1, period: 50000 },
    pids: { limit: 7 },
    unified: { 'memory.high': '90' },
    devices: [{ allow: false, access: 'rwm' }],
  }, warnings);
  t.same(files(ws), { 'memory.max': '100', 'memory.low': 'max', 'memory.swap.max': '200', 'cpu.weight': '39', 'cpu.max': 'max 50000', 'pids.max': '7', 'memory.high': '90' });
  t.match(warnings, [/swappiness does not exist on cgroup v2/]);
});

t.test('pids: 0 is a limit (config-linux.md), -1 is max', async (t) => {
  t.same(files(v1Writes({ pids: { limit: 0 } }, [])), { 'pids.max': '0' });
  t.same(files(v2Writes({ pids: { limit: -1 } }, [])), { 'pids.max': 'max' });
});

t.test('v1 memory: memsw goes first only when it grows past the current limit (runc’s order)', async (t) => {
  const order = (current: number | undefined, limit: number, swap?: number) =>
    v1Writes({ memory: { limit, swap } }, [], { memoryLimit: current }).map((w) => `${w.file}=${w.value}`);
  t.same(order(64 << 20, 256 << 20, 512 << 20), [`memory.memsw.limit_in_bytes=${512 << 20}`, `memory.limit_in_bytes=${256 << 20}`], 'growing');
  t.same(order(256 << 20, 32 << 20, 64 << 20), [`memory.limit_in_bytes=${32 << 20}`, `memory.memsw.limit_in_bytes=${64 << 20}`], 'shrinking');
  t.same(order(64 << 20, -1), ['memory.memsw.limit_in_bytes=-1', 'memory.limit_in_bytes=-1'], 'unlimited memory lifts the swap limit too');
  const kmem = v1Writes({ memory: { kernel: 1 << 20 } }, []);
  t.ok(kmem[0]!.missing && kmem[0]!.verify, 'kernel memory: a warning when missing or ignored, never an error');
});

t.test('blockIO: v1 CFQ files with BFQ fallbacks, v2 io.bfq.weight or converted io.weight, io.max', async (t) => {
  const blockIO = {
    weight: 300, leafWeight: 20,
    weightDevice: [{ major: 8, minor: 0, weight: 500 }],
    throttleReadBpsDevice: [{ major: 8, minor: 0, rate: 1048576 }],
    throttleWriteIOPSDevice: [{ major: 8, minor: 0, rate: 0 }],
  };
  const v1 = v1Writes({ blockIO }, []);
  t.same(v1.map((w) => [w.file, w.value, w.orElse?.file]), [
    ['blkio.weight', '300', 'blkio.bfq.weight'],
    ['blkio.leaf_weight', '20', undefined],
    ['blkio.weight_device', '8:0 500', 'blkio.bfq.weight_device'],
    ['blkio.throttle.read_bps_device', '8:0 1048576', undefined],
    ['blkio.throttle.write_iops_device', '8:0 0', undefined],
  ]);
  t.match(v1[1], { missing: /CFQ/ }, 'leafWeight: a warning where CFQ is gone');
  const warnings: string[] = [];
  const v2 = v2Writes({ blockIO }, warnings);
  t.same(v2.map((w) => [w.file, w.value, w.orElse?.file, w.orElse?.value]), [
    ['io.bfq.weight', '300', 'io.weight', `default ${blkioToIoWeight(300)}`],
    ['io.bfq.weight', '8:0 500', 'io.weight', `8:0 ${blkioToIoWeight(500)}`],
    ['io.max', '8:0 rbps=1048576', undefined, undefined],
    ['io.max', '8:0 wiops=max', undefined, undefined],
  ]);
  t.same([10, 100, 1000].map(blkioToIoWeight), [1, 910, 10000], 'runc’s conversion');
  t.match(warnings, [/leafWeight does not exist on cgroup v2/]);
});

t.test('hugepageLimits, network, rdma', async (t) => {
  const r = {
    hugepageLimits: [{ pageSize: '2MB', limit: 4194304 }],
    network: { classID: 1048577, priorities: [{ name: 'eth0', priority: 500 }, { name: 'lo', priority: 1000 }] },
    rdma: { mlx5_1: { hcaHandles: 3, hcaObjects: 10000 }, mlx4_0: { hcaObjects: 1000 } },
  };
  t.same(v1Writes(r, []).map((w) => `${w.controller} ${w.file}=${w.value}`), [
    'hugetlb hugetlb.2MB.limit_in_bytes=4194304',
    'hugetlb hugetlb.2MB.rsvd.limit_in_bytes=4194304',
    'net_cls net_cls.classid=1048577',
    'net_prio net_prio.ifpriomap=eth0 500',
    'net_prio net_prio.ifpriomap=lo 1000',
    'rdma rdma.max=mlx5_1 hca_handle=3 hca_object=10000',
    'rdma rdma.max=mlx4_0 hca_object=1000',
  ]);
  const warnings: string[] = [];
  t.same(v2Writes(r, warnings).map((w) => `${w.file}=${w.value}`), ['hugetlb.2MB.max=4194304', 'hugetlb.2MB.rsvd.max=4194304', 'rdma.max=mlx5_1 hca_handle=3 hca_object=10000', 'rdma.max=mlx4_0 hca_object=1000']);
  t.match(warnings, [/network .* does not exist on cgroup v2/]);
});

t.test('checkResources: unified keys are file names of the container’s cgroup, never paths', async (t) => {
  t.equal(checkResources({ unified: { 'memory.high': '1', 'hugetlb.2MB.max': '1', 'cpu.max.burst': '1' } }), undefined);
  for (const key of ['memory.max/../../../../proc/sys/kernel/core_pattern', '../cgroup.procs', 'memory', '.memory.max', 'memory..max', 'memory.max/', 'a/b.c']) {
    t.match(checkResources({ unified: { [key]: '1' } }), { pointer: `/unified/${key.replace(/\//g, '~1')}`, message: /must be a cgroup v2 interface file name/ }, key);
  }
});

t.test('checkResources: what the spec forbids, with a pointer', async (t) => {
  t.same(checkResources({ cpu: { quota: 1000, burst: 2000 } }), { pointer: '/cpu/burst', message: 'must not be larger than quota (1000)' });
  t.equal(checkResources({ cpu: { quota: -1, burst: 2000 } }), undefined, 'no quota, no bound');
  t.match(checkResources({ blockIO: { weightDevice: [{ major: 8, minor: 0 }] } }), { pointer: '/blockIO/weightDevice/0' });
  t.match(checkResources({ rdma: { mlx5_1: {} } }), { pointer: '/rdma/mlx5_1' });
  t.match(checkResources({ hugepageLimits: [{ pageSize: '2M', limit: 1 }] }), { pointer: '/hugepageLimits/0/pageSize' });
  t.equal(checkResources({ hugepageLimits: [{ pageSize: '64KB', limit: 1 }], cpu: { quota: 5000, burst: 5000 } }), undefined);
});

t.test('update: runc’s flags and sizes', async (t) => {
  t.same([size('m', '64m'), size('m', '1g'), size('m', '1.5GiB'), size('m', '512'), size('m', '10KB'), size('m', '-1')], [64 << 20, 1 << 30, 1.5 * 2 ** 30, 512, 10240, -1]);
  t.throws(() => size('memory', '12x'), /invalid value for memory: invalid size: "12x"/);
  t.same(resourcesFromFlags({ memory: '64m', memorySwap: '-1', cpuQuota: '-1', cpuPeriod: '50000', cpusetCpus: '0', pidsLimit: '10', blkioWeight: '300' }), {
    memory: { limit: 64 << 20, swap: -1 }, cpu: { quota: -1, period: 50000, cpus: '0' }, pids: { limit: 10 }, blockIO: { weight: 300 },
  });
  t.same(resourcesFromFlags({ pidsLimit: '0', blkioWeight: '0' }), {}, '0 leaves pids and blkio weight alone, as runc');
  t.throws(() => resourcesFromFlags({ cpuPeriod: '-5' }), /invalid value for cpu-period: "-5": must be an integer ≥ 0/);
  t.throws(() => resourcesFromFlags({ blkioWeight: '5' }), /must be 10 to 1000/);
  t.throws(() => resourcesFromFlags({ l3CacheSchema: 'L3:0=ff' }), /Intel RDT/);
});

t.test('update: merged into what is in force; derived files rewritten together', async (t) => {
  const base = { memory: { limit: 64, swap: 128, swappiness: 5 }, cpu: { quota: 1000, period: 10000, shares: 100 }, devices: [{ allow: false }], unified: { 'memory.high': '50' } };
  const changes = { memory: { limit: 96 }, cpu: { period: 20000 }, unified: { 'pids.max': '9' } };
  const merged = mergeResources(base, changes);
  t.same(merged, { memory: { limit: 96, swap: 128, swappiness: 5 }, cpu: { quota: 1000, period: 20000, shares: 100 }, devices: [{ allow: false }], unified: { 'memory.high': '50', 'pids.max': '9' } });
  t.same(base.memory.limit, 64, 'the base is not modified');
  t.same(writeSet(merged, changes), { memory: { limit: 96, swap: 128 }, cpu: { quota: 1000, period: 20000 }, unified: { 'pids.max': '9' } }, 'swap with the limit, quota with the period; nothing else');
});

t.test('the layout comes from each hierarchy’s own mount, not from binds of cgroup directories', async (t) => {
  const { parseCgroupLayout } = await import('../../src/cgroups/detect.js');
  const mountinfo = [
    '30 24 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct',
    '31 24 0:27 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory',
    '32 24 0:28 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw',
    // A container without a mount namespace shows its own cgroups here: binds of subdirectories.
    '90 80 0:26 /tsrunc/c1 /srv/rootfs/sys/fs/cgroup/cpu,cpuacct ro - cgroup cgroup rw,cpu,cpuacct',
    '91 80 0:27 /tsrunc/c1 /srv/rootfs/sys/fs/cgroup/memory ro - cgroup cgroup rw,memory',
    // A second mount of a hierarchy's root: the first one is the host's.
    '92 80 0:27 / /mnt/memory rw - cgroup cgroup rw,memory',
  ].join('\n');
  t.same(parseCgroupLayout(mountinfo), {
    kind: 'hybrid',
    v1: [
      { mountpoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: 'cpu,cpuacct' },
      { mountpoint: '/sys/fs/cgroup/memory', controllers: 'memory' },
    ],
    unified: '/sys/fs/cgroup/unified',
  });
});
