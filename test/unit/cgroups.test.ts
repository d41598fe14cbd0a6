// linux.resources → cgroup writes, and cgroupsPath resolution: the policy of src/cgroups, no root.
import t from 'tap';
import { resolveCgroupPath } from '../../src/cgroups/path.js';
import { sharesToWeight, v1Writes, v2Writes } from '../../src/cgroups/resources.js';

const files = (ws: Array<{ file: string; value: string }>) => Object.fromEntries(ws.map((w) => [w.file, w.value]));

t.test('cgroupsPath: absolute, relative under /tsrunc, default /tsrunc/<id>, refusals', async (t) => {
  t.equal(resolveCgroupPath(undefined, 'web'), '/tsrunc/web');
  t.equal(resolveCgroupPath('/k8s.io/abc', 'web'), '/k8s.io/abc');
  t.equal(resolveCgroupPath('mine/x/', 'web'), '/tsrunc/mine/x');
  t.equal(resolveCgroupPath('/../../etc', 'web'), '/etc', 'an absolute path cannot climb above the hierarchy root');
  t.throws(() => resolveCgroupPath('x/../../..', 'web'), /\/linux\/cgroupsPath: must name a cgroup below the hierarchy root/);
  t.throws(() => resolveCgroupPath('/', 'web'), /below the hierarchy root/);
  t.throws(() => resolveCgroupPath('system.slice:docker:abc', 'web'), /systemd cgroup driver is not supported yet/);
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
    'cpu.shares': '512', 'cpu.cfs_quota_us': '20000', 'cpu.cfs_period_us': '100000', 'cpuset.cpus': '0-1', 'cpuset.mems': '0', 'pids.max': 'max',
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
  t.match(warnings, [/swappiness does not exist on cgroup v2/, /devices is not enforced on cgroup v2 yet/]);
});

t.test('fields not applied yet are reported, never dropped silently', async (t) => {
  const warnings: string[] = [];
  v1Writes({ blockIO: { weight: 10 }, hugepageLimits: [], network: { classID: 1 }, rdma: {} }, warnings);
  t.same(warnings.length, 4);
});
