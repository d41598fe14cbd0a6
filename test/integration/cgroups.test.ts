// Cgroups on this host's layout (v1 or hybrid here; pure v2 runs the same file through
// ../shared/tools/cgroup2-vm): limits read back, and enforced for real.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { detectCgroupLayout } from '../../src/cgroups/detect.js';
import { blkioToIoWeight, sharesToWeight } from '../../src/cgroups/resources.js';
import { Runtime } from '../../src/index.js';
import type { Resources, Spec } from '../../src/spec/generated/config.js';
import { alive, containersIn, makeBundle, rootSkipReason, runScript, stateRoot, tempDir, tsrunc, tsruncBin, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);
// In the cgroup2-vm guest (./cgroup-v2.test.ts) a v1 layout would mean the v2 suite silently ran the v1 one.
if (process.env.TSRUNC_EXPECT_CGROUP_V2 === '1' && detectCgroupLayout().kind !== 'v2') t.fail(`expected a pure cgroup v2 host, found ${detectCgroupLayout().kind}`);

const layout = detectCgroupLayout();
const v2 = layout.kind === 'v2';
/** The file of a cgroup knob for a container path, on this host's layout. */
function knob(cgroupPath: string, controller: string, file: string): string {
  if (v2) return path.join(layout.unified!, cgroupPath, file);
  const h = layout.v1.find((x) => x.controllers.split(',').includes(controller));
  return path.join(h!.mountpoint, cgroupPath, file);
}
const read = (p: string) => fs.readFileSync(p, 'utf8').trim();

function created(t: Test, mutate: (s: Spec) => void): { root: string; id: string; pid: number } {
  const root = stateRoot(t);
  const id = uniqueId('cg');
  const r = tsrunc(root, ['create', '--bundle', makeBundle(t, mutate), id]);
  t.equal(r.status, 0, r.stderr);
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
  return { root, id, pid };
}

/**
 * A block device for the blockIO knobs: a loop device of our own, with the BFQ scheduler (per-device
 * weights need it), detached at teardown. The v2 guest loads loop and bfq as modules.
 */
function blockDevice(t: Test): { major: number; minor: number; bfq: boolean } {
  spawnSync('modprobe', ['loop']);
  spawnSync('modprobe', ['bfq']);
  const image = path.join(tempDir(t), 'disk.img');
  fs.writeFileSync(image, Buffer.alloc(1 << 20));
  const loop = spawnSync('losetup', ['--find', '--show', image], { encoding: 'utf8' });
  if (loop.status !== 0) throw new Error(`losetup: ${loop.stderr}`);
  const device = loop.stdout.trim();
  t.teardown(() => void spawnSync('losetup', ['--detach', device]));
  const name = path.basename(device);
  // Kernels built without BFQ (this host's) have no weight knobs at all: weights are tested as refused.
  const bfq = /\bbfq\b/.test(read(`/sys/block/${name}/queue/scheduler`));
  if (bfq) fs.writeFileSync(`/sys/block/${name}/queue/scheduler`, 'bfq');
  const [major, minor] = read(`/sys/block/${name}/dev`).split(':').map(Number);
  return { major: major!, minor: minor!, bfq };
}

/** Reads every knob `r` sets back from the container's cgroup files and compares it with `r`. */
function readBack(t: Test, p: string, r: Resources): void {
  const dev = (d: { major: number; minor: number }) => `${d.major}:${d.minor}`;
  const k = (controller: string, file: string) => read(knob(p, controller, file));
  const m = r.memory!;
  const c = r.cpu!;
  const b = r.blockIO!;
  const rbps = b.throttleReadBpsDevice![0]!;
  if (v2) {
    t.equal(k('memory', 'memory.max'), String(m.limit), 'memory.limit');
    t.equal(k('memory', 'memory.low'), String(m.reservation), 'memory.reservation');
    t.equal(k('memory', 'memory.swap.max'), String(m.swap! - m.limit!), 'memory.swap is memory + swap: swap.max is the difference');
    t.equal(k('cpu', 'cpu.weight'), String(sharesToWeight(c.shares!)), 'cpu.shares as cpu.weight');
    t.equal(k('cpu', 'cpu.max'), `${c.quota} ${c.period}`, 'cpu.quota and period');
    t.equal(k('cpu', 'cpu.max.burst'), String(c.burst), 'cpu.burst');
    // BFQ takes blkio weights as they are; io.weight (io.cost) gets them converted.
    if (b.weight !== undefined) {
      const bfq = fs.existsSync(knob(p, 'io', 'io.bfq.weight'));
      const ioWeight = (w: number) => (bfq ? w : blkioToIoWeight(w));
      const weights = k('io', bfq ? 'io.bfq.weight' : 'io.weight');
      t.match(weights, new RegExp(`^default ${ioWeight(b.weight)}$`, 'm'), 'blockIO.weight');
      t.match(weights, new RegExp(`^${dev(b.weightDevice![0]!)} ${ioWeight(b.weightDevice![0]!.weight!)}$`, 'm'), 'blockIO.weightDevice');
    }
    t.match(k('io', 'io.max'), new RegExp(`^${dev(rbps)} rbps=${rbps.rate} `, 'm'), 'blockIO.throttleReadBpsDevice');
    t.equal(k('hugetlb', 'hugetlb.2MB.max'), String(r.hugepageLimits![0]!.limit), 'hugepageLimits');
    for (const [file, value] of Object.entries(r.unified ?? {})) t.equal(k(file.split('.')[0]!, file), value, `unified ${file}`);
  } else {
    t.equal(k('memory', 'memory.limit_in_bytes'), String(m.limit), 'memory.limit');
    t.equal(k('memory', 'memory.soft_limit_in_bytes'), String(m.reservation), 'memory.reservation');
    t.equal(k('memory', 'memory.memsw.limit_in_bytes'), String(m.swap), 'memory.swap');
    t.equal(k('memory', 'memory.swappiness'), String(m.swappiness), 'memory.swappiness');
    t.match(k('memory', 'memory.oom_control'), new RegExp(`^oom_kill_disable ${m.disableOOMKiller ? 1 : 0}$`, 'm'), 'memory.disableOOMKiller');
    t.equal(k('memory', 'memory.kmem.tcp.limit_in_bytes'), String(m.kernelTCP), 'memory.kernelTCP');
    t.equal(k('cpu', 'cpu.shares'), String(c.shares), 'cpu.shares');
    t.equal(k('cpu', 'cpu.cfs_quota_us'), String(c.quota), 'cpu.quota');
    t.equal(k('cpu', 'cpu.cfs_period_us'), String(c.period), 'cpu.period');
    t.equal(k('cpu', 'cpu.cfs_burst_us'), String(c.burst), 'cpu.burst');
    t.equal(k('cpu', 'cpu.rt_period_us'), String(c.realtimePeriod), 'cpu.realtimePeriod');
    t.equal(k('cpu', 'cpu.rt_runtime_us'), String(c.realtimeRuntime), 'cpu.realtimeRuntime');
    if (b.weight !== undefined) {
      const weightFile = fs.existsSync(knob(p, 'blkio', 'blkio.weight')) ? 'blkio.weight' : 'blkio.bfq.weight';
      t.match(k('blkio', weightFile), new RegExp(`^(default )?${b.weight}$`, 'm'), 'blockIO.weight');
      t.match(k('blkio', weightFile + '_device'), new RegExp(`^${dev(b.weightDevice![0]!)} ${b.weightDevice![0]!.weight}$`, 'm'), 'blockIO.weightDevice');
    }
    t.match(k('blkio', 'blkio.throttle.read_bps_device'), new RegExp(`^${dev(rbps)} ${rbps.rate}$`, 'm'), 'blockIO.throttleReadBpsDevice');
    // No v1 hugetlb hierarchy on a hybrid host: it is the cgroup2 side's.
    const hugetlb = layout.v1.some((h) => h.controllers.split(',').includes('hugetlb'))
      ? knob(p, 'hugetlb', 'hugetlb.2MB.limit_in_bytes')
      : path.join(layout.unified!, p, 'hugetlb.2MB.max');
    t.equal(read(hugetlb), String(r.hugepageLimits![0]!.limit), 'hugepageLimits');
  }
  t.equal(k('cpu', 'cpu.idle'), String(c.idle), 'cpu.idle');
  t.equal(k('cpuset', 'cpuset.cpus'), c.cpus, 'cpu.cpus');
  t.equal(k('cpuset', 'cpuset.mems'), c.mems, 'cpu.mems');
  t.equal(k('pids', 'pids.max'), String(r.pids!.limit), 'pids.limit');
}

t.test('every resource field reads back from the cgroup files, after create and after update', async (t) => {
  const { bfq, ...disk } = blockDevice(t);
  // Without BFQ only the throttles exist; the weights' refusal is tested below.
  const weights = (weight: number, device: number) => (bfq ? { weight, weightDevice: [{ ...disk, weight: device }] } : {});
  const cpus = read('/sys/fs/cgroup/' + (v2 ? 'cpuset.cpus.effective' : 'cpuset/cpuset.cpus'));
  const atCreate: Resources = {
    memory: { limit: 64 << 20, reservation: 32 << 20, swap: 96 << 20, ...(v2 ? {} : { swappiness: 10, disableOOMKiller: false, kernelTCP: 16 << 20 }) },
    cpu: { shares: 512, quota: 20000, period: 100000, burst: 10000, idle: 0, cpus: '0', mems: '0', ...(v2 ? {} : { realtimePeriod: 500000, realtimeRuntime: 1000 }) },
    pids: { limit: 42 },
    blockIO: { ...weights(300, 200), throttleReadBpsDevice: [{ ...disk, rate: 1 << 20 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 4 << 20 }],
    ...(v2 ? { unified: { 'memory.high': String(60 << 20) } } : {}),
  };
  // One level below the root: a v1 realtime budget can only come from a parent that has one.
  const p = `/tsrunc-test-${process.pid}-${Math.random().toString(36).slice(2, 6)}`;
  const { root, id, pid } = created(t, (s) => {
    s.process!.args = ['sleep', '100'];
    s.linux!.cgroupsPath = p;
    s.linux!.resources = atCreate;
  });
  t.match(read(`/proc/${pid}/cgroup`), new RegExp(`${p}$`, 'm'), 'the init is in the configured cgroup before start');
  await t.test('after create', async (t) => readBack(t, p, atCreate));

  // -r FILE: every field changes (all of memory, cpu, blockIO and hugetlb at once, as runc's JSON).
  const changes: Resources = {
    memory: { limit: 128 << 20, reservation: 16 << 20, swap: 256 << 20, ...(v2 ? {} : { swappiness: 30, disableOOMKiller: true, kernelTCP: 32 << 20 }) },
    cpu: { quota: 50000, period: 200000, burst: 20000, cpus: cpus, mems: '0', ...(v2 ? {} : { realtimePeriod: 400000, realtimeRuntime: 2000 }) },
    pids: { limit: 99 },
    blockIO: { ...weights(500, 600), throttleReadBpsDevice: [{ ...disk, rate: 2 << 20 }] },
    hugepageLimits: [{ pageSize: '2MB', limit: 8 << 20 }],
    ...(v2 ? { unified: { 'memory.high': String(100 << 20) } } : {}),
  };
  const file = path.join(tempDir(t), 'resources.json');
  fs.writeFileSync(file, JSON.stringify(changes));
  const u = tsrunc(root, ['update', '--resources', file, id]);
  t.equal(u.status, 0, u.stderr);
  await t.test('after update -r FILE', async (t) => readBack(t, p, { ...changes, cpu: { ...changes.cpu, shares: 512, idle: 0 } }));

  // runc's flags, and -r - on stdin: only what they name changes.
  t.equal(tsrunc(root, ['update', '--memory', '48m', '--memory-swap', '96m', '--cpu-share', '2048', '--pids-limit', '7', id]).stderr, '');
  await t.test('after update with flags', async (t) =>
    readBack(t, p, { ...changes, memory: { ...changes.memory, limit: 48 << 20, swap: 96 << 20 }, cpu: { ...changes.cpu, shares: 2048, idle: 0 }, pids: { limit: 7 } }),
  );
  // Last: an idle cgroup reads back its own weight instead of the shares.
  t.equal(tsrunc(root, ['update', '-r', '-', id], { input: JSON.stringify({ cpu: { idle: 1 } }) }).stderr, '');
  t.equal(read(knob(p, 'cpu', 'cpu.idle')), '1', 'cpu.idle through -r - (stdin)');
  const state = JSON.parse(fs.readFileSync(path.join(root, id, 'state.json'), 'utf8')) as { config: Spec };
  t.equal(state.config.linux!.resources!.memory!.limit, 48 << 20, 'the state records the limits in force');

  const bad = tsrunc(root, ['update', '-r', '-', id], { input: '{"memory":{"limit":"1g"}}' });
  t.equal(bad.status, 1);
  t.match(bad.stderr, /stdin: \/memory\/limit: must be an integer \(config-linux\.md#configLinuxMemory\)/);
  t.match(tsrunc(root, ['update', '--cpu-period', 'x', id]).stderr, /invalid value for cpu-period: "x"/);
  t.match(tsrunc(root, ['update', '--memory', '1m', 'no-such-container']).stderr, /container does not exist/);
  t.equal(read(knob(p, 'pids', 'pids.max')), '7', 'a refused update changes nothing');

  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
  t.match(tsrunc(root, ['update', '--memory', '1m', id]).stderr, /container does not exist/);
  t.notOk(fs.existsSync(knob(p, 'pids', '')), 'delete removed the cgroup');
});

const hasBfq = (() => {
  spawnSync('modprobe', ['bfq']);
  const schedulers = (d: string) => (fs.existsSync(`/sys/block/${d}/queue/scheduler`) ? fs.readFileSync(`/sys/block/${d}/queue/scheduler`, 'utf8') : '');
  return fs.existsSync('/sys/module/bfq') || fs.readdirSync('/sys/block').some((d) => /\bbfq\b/.test(schedulers(d)));
})();

t.test('blockIO weights on a kernel without BFQ: a clear error naming what is missing, nothing left', { skip: hasBfq && 'this kernel has BFQ: the weights are read back above' }, async (t) => {
  const root = stateRoot(t);
  const r = tsrunc(root, ['create', '--bundle', makeBundle(t, (s) => (s.linux!.resources = { blockIO: { weight: 300 } })), uniqueId('bfq')]);
  t.equal(r.status, 1);
  t.match(r.stderr, /^tsrunc: cgroup: blkio\.bfq\.weight does not exist in \S+: linux\.resources\.blockIO weights need the BFQ I\/O scheduler, which this kernel does not have\n$/);
  t.same(containersIn(root), [], 'no state left');
});

t.test('network: classID and priorities read back after create and update (v1), a warning on v2', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('net');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '100'];
    s.linux!.resources = { network: { classID: 0x100001, priorities: [{ name: 'lo', priority: 5 }] } };
  });
  if (v2) {
    const r = tsrunc(root, ['create', '--bundle', bundle, id]);
    t.equal(r.status, 0, r.stderr);
    t.match(r.stderr, /linux\.resources\.network \(net_cls\/net_prio\) does not exist on cgroup v2; ignored/);
    t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
    return;
  }
  // net_cls/net_prio are mounted nowhere here: a hierarchy of them in a private mount namespace,
  // where tsrunc finds it in its mountinfo like any other.
  const mnt = tempDir(t);
  const cli = `${tsruncBin} --root ${root}`;
  const dir = `${mnt}/tsrunc/${id}`;
  const script = [
    'set -e',
    'mount --make-rprivate /',
    `mount -t cgroup -o net_cls,net_prio none ${mnt}`,
    `${cli} create --bundle ${bundle} ${id}`,
    `echo "classid $(cat ${dir}/net_cls.classid)"; grep '^lo ' ${dir}/net_prio.ifpriomap | sed 's/^/prio /'`,
    `echo '{"network":{"classID":1048578,"priorities":[{"name":"lo","priority":9}]}}' | ${cli} update -r - ${id}`,
    `echo "classid $(cat ${dir}/net_cls.classid)"; grep '^lo ' ${dir}/net_prio.ifpriomap | sed 's/^/prio /'`,
    `${cli} delete --force ${id}`,
    `test -e ${dir} && echo left || echo gone`,
    `umount ${mnt}`,
  ].join('\n');
  const r = spawnSync('unshare', ['-m', 'sh', '-c', script], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.same(r.stdout.trim().split('\n'), ['classid 1048577', 'prio lo 5', 'classid 1048578', 'prio lo 9', 'gone']);
});

t.test('memory.checkBeforeUpdate: a limit below the current usage is refused', async (t) => {
  const { root, id } = created(t, (s) => {
    s.process!.args = ['sleep', '100'];
    s.linux!.resources = { memory: { limit: 64 << 20, checkBeforeUpdate: true } };
  });
  const r = tsrunc(root, ['update', '--memory', '4096', id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /cannot set memory limit 4096: the container uses \d+ bytes now \(linux\.resources\.memory\.checkBeforeUpdate\)/);
  t.equal(tsrunc(root, ['update', '--memory', '32m', id]).status, 0, 'a limit above the usage is fine');
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('a nested cgroupsPath: the parents create made go with the container, others stay', async (t) => {
  const p = `/tsrunc-test/${process.pid}`;
  const { root, id } = created(t, (s) => {
    s.linux!.cgroupsPath = p;
    s.linux!.resources = { pids: { limit: 5 } };
  });
  t.equal(read(knob(p, 'pids', 'pids.max')), '5');
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
  t.notOk(fs.existsSync(knob(p, 'pids', '')), 'delete removed the cgroup');
  t.notOk(fs.existsSync(knob('/tsrunc-test', 'pids', '')), 'and the empty parent it made');

  // A parent made by someone else (a pod's cgroup, say) stays, even empty.
  const pod = `/tsrunc-pod-${process.pid}`;
  fs.mkdirSync(knob(pod, 'pids', ''));
  t.teardown(() => fs.rmSync(knob(pod, 'pids', ''), { recursive: true, force: true }));
  const c = created(t, (s) => (s.linux!.cgroupsPath = `${pod}/c1`));
  t.equal(tsrunc(c.root, ['delete', '--force', c.id]).status, 0);
  t.notOk(fs.existsSync(knob(`${pod}/c1`, 'pids', '')), 'the container cgroup is gone');
  t.ok(fs.existsSync(knob(pod, 'pids', '')), 'the parent it did not make is still there');
  fs.rmdirSync(knob(pod, 'pids', ''));
  const hierarchies = v2 ? [layout.unified!] : [...layout.v1.map((h) => h.mountpoint), ...(layout.unified ? [layout.unified] : [])];
  t.same(hierarchies.filter((m) => fs.existsSync(path.join(m, pod))), [], 'where create made it (the other hierarchies), it went');
});

t.test('a resource whose controller the host lacks: a clear error, nothing left', async (t) => {
  const root = stateRoot(t);
  const missing = v2 ? { rdma: { tsrunc_no_such_hca: { hcaHandles: 1 } } } : { network: { classID: 0x100001 } };
  const id = uniqueId('nocg');
  const r = tsrunc(root, ['create', '--bundle', makeBundle(t, (s) => (s.linux!.resources = missing)), id]);
  t.equal(r.status, 1);
  t.match(r.stderr, v2 ? /rdma/ : /cgroup: the net_cls controller is not mounted on this host \(needed for net_cls\.classid\)/);
  t.notOk(fs.existsSync(knob(`/tsrunc/${id}`, 'pids', '')), 'no cgroup left');
  t.same(containersIn(root), [], 'no state left');
});

t.test('bad resources are refused before anything is made, with a pointer', async (t) => {
  const root = stateRoot(t);
  const r = tsrunc(root, ['create', '--bundle', makeBundle(t, (s) => (s.linux!.resources = { cpu: { quota: 1000, burst: 5000 } })), uniqueId('badres')]);
  t.equal(r.status, 1);
  t.match(r.stderr, /config\.json: \/linux\/resources\/cpu\/burst: must not be larger than quota \(1000\) \(config-linux\.md#configLinuxControlGroups\)/);
  t.same(containersIn(root), [], 'no state left');
});

t.test('memory.limit: a process allocating past it is OOM-killed', async (t) => {
  // tail keeps the whole (newline-free) line of /dev/zero in memory.
  const r = runScript(t, stateRoot(t), 'tail /dev/zero', (s) => (s.linux!.resources = { memory: { limit: 32 << 20, ...(v2 ? {} : { swap: 32 << 20 }) } }));
  t.equal(r.status, 137, `killed by SIGKILL (${r.stderr.trim()})`);
});

t.test('pids.limit stops a fork bomb', async (t) => {
  // Builtins only after the loop: once the limit is hit, nothing else could fork either.
  // The forking loop runs in a subshell: sh gives up at the first failed fork.
  const r = runScript(t, stateRoot(t), '(i=0; while [ $i -lt 40 ]; do sleep 3 & i=$((i+1)); done) 2>/dev/null; echo /proc/[0-9]*', (s) => (s.linux!.resources = { pids: { limit: 10 } }));
  t.equal(r.status, 0, r.stderr);
  const pids = r.stdout.trim().split(/\s+/);
  t.ok(pids.length <= 10, `at most 10 processes ran (${pids.length})`);
  t.ok(pids.length >= 5, 'but some did');
});

t.test('a cpu quota slows a busy loop down', async (t) => {
  // Iterations in one second of the container's own clock (/proc/uptime, 10 ms steps): start-up
  // costs do not dilute it, and it takes as long on an emulated guest as here.
  const loop = 'read s _ < /proc/uptime; end=$((${s%.*}${s#*.} + 100)); i=0; while :; do read u _ < /proc/uptime; [ ${u%.*}${u#*.} -ge $end ] && break; i=$((i+1)); done; echo $i';
  const iterations = (mutate: (s: Spec) => void) => {
    const r = runScript(t, stateRoot(t), loop, mutate);
    t.equal(r.status, 0, r.stderr);
    return Number(r.stdout.trim());
  };
  const free = iterations(() => {});
  const limited = iterations((s) => (s.linux!.resources = { cpu: { quota: 10000, period: 100000 } }));
  t.ok(free > 3 * limited && limited > 0, `10% quota: ${limited} iterations in a second against ${free} unlimited`);
});

t.test('devices: a device the rules do not allow cannot be opened', async (t) => {
  const kmsg = (allow: boolean) => runScript(t, stateRoot(t), 'echo tsrunc-devices-test > /dev/kmsg && echo opened', (s) => {
    s.linux!.devices = [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o600 }];
    s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }, ...(allow ? [{ allow: true, type: 'c', major: 1, minor: 11, access: 'w' }] : [])] };
  });
  const denied = kmsg(false);
  t.not(denied.status, 0);
  t.match(denied.stderr, /Operation not permitted/);
  const allowed = kmsg(true);
  t.equal(allowed.status, 0, allowed.stderr);
  t.equal(allowed.stdout, 'opened\n');
});

t.test('devices: without rules of its own a container still gets the default allowlist, not every device', async (t) => {
  const r = runScript(t, stateRoot(t), 'echo ok > /dev/null && echo null-ok; echo tsrunc-devices-test > /dev/kmsg && echo opened', (s) => {
    s.linux!.devices = [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o600 }];
    delete s.linux!.resources;
  });
  t.equal(r.stdout, 'null-ok\n', 'a default device works, /dev/kmsg does not open');
  t.match(r.stderr, /Operation not permitted/);
});

t.test('devices: update replaces the rules of a running container', async (t) => {
  const { root, id } = created(t, (s) => {
    s.process!.args = ['sleep', '100'];
    s.linux!.devices = [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o600 }];
    s.linux!.resources = { devices: [{ allow: false, access: 'rwm' }] };
  });
  t.equal(tsrunc(root, ['start', id]).status, 0);
  const write = () => tsrunc(root, ['exec', id, 'sh', '-c', 'echo tsrunc-devices-update > /dev/kmsg && echo opened']);
  t.match(write().stderr, /Operation not permitted/, 'denied at create');
  const allow = JSON.stringify({ devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 1, minor: 11, access: 'w' }] });
  t.equal(tsrunc(root, ['update', '-r', '-', id], { input: allow }).stderr, '');
  t.equal(write().stdout, 'opened\n', 'allowed after update');
  t.equal(tsrunc(root, ['update', '-r', '-', id], { input: JSON.stringify({ devices: [{ allow: false, access: 'rwm' }] }) }).stderr, '');
  t.match(write().stderr, /Operation not permitted/, 'denied again: the earlier rules are gone');
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('pause stops the container, resume restarts it', async (t) => {
  const dir = tempDir(t);
  const counter = path.join(dir, 'n');
  const { root, id, pid } = created(t, (s) => {
    s.mounts!.push({ destination: '/out', source: dir, options: ['bind'] });
    s.process!.args = ['sh', '-c', 'i=0; while :; do i=$((i+1)); echo $i > /out/n; sleep 0.02; done'];
  });
  t.equal(tsrunc(root, ['start', id]).status, 0);
  const value = () => Number(fs.existsSync(counter) ? fs.readFileSync(counter, 'utf8') || 0 : 0);
  t.ok(await waitFor(() => value() > 3), 'counting');
  t.equal(tsrunc(root, ['pause', id]).status, 0);
  t.equal(JSON.parse(tsrunc(root, ['state', id]).stdout).status, 'paused');
  const frozenAt = value();
  await new Promise((r) => setTimeout(r, 400));
  t.equal(value(), frozenAt, 'no progress while paused');
  t.match(tsrunc(root, ['pause', id]).stderr, /container already paused/);
  t.match(tsrunc(root, ['exec', id, 'true']).stderr, /cannot exec in a paused container/);
  t.equal(tsrunc(root, ['resume', id]).status, 0);
  t.ok(await waitFor(() => value() > frozenAt + 3), 'counting again');
  t.equal(JSON.parse(tsrunc(root, ['state', id]).stdout).status, 'running');
  t.match(tsrunc(root, ['resume', id]).stderr, /container not paused/);
  t.equal(tsrunc(root, ['pause', id]).status, 0);
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0, 'a paused container can be force-deleted');
  t.ok(await waitFor(() => !alive(pid)));
});

t.test('a created container can be paused and resumed, as with runc: paused, then created again, then started', async (t) => {
  const { root, id, pid } = created(t, (s) => (s.process!.args = ['sleep', '100']));
  const status = () => JSON.parse(tsrunc(root, ['state', id]).stdout).status as string;
  const paused = tsrunc(root, ['pause', id]);
  t.equal(paused.status, 0, paused.stderr);
  t.equal(status(), 'paused');
  t.match(tsrunc(root, ['start', id]).stderr, /cannot start a container in the paused state/);
  t.equal(tsrunc(root, ['resume', id]).status, 0);
  t.equal(status(), 'created', 'created again: the init still waits at the gate');
  t.equal(tsrunc(root, ['start', id]).status, 0);
  t.equal(status(), 'running');
  t.equal(fs.readlinkSync(`/proc/${pid}/exe`).endsWith('/bin/busybox'), true, 'the same init became the process');
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('no cgroup is left after 50 create/delete cycles', async (t) => {
  // Through the library: the same create and delete as the CLI's, without a Node start-up per call
  // (that matters on the emulated v2 guest).
  const runtime = new Runtime({ root: stateRoot(t) });
  const bundle = makeBundle(t, (s) => (s.linux!.resources = { pids: { limit: 100 }, memory: { limit: 64 << 20 } }));
  const prefix = `cycle${process.pid}x`;
  for (let i = 0; i < 50; i++) {
    const id = `${prefix}${i}`;
    try {
      await runtime.create(id, { bundle });
      await runtime.delete(id, { force: true });
    } catch (e) {
      t.fail(`cycle ${i}: ${(e as Error).message}`);
    }
  }
  const hierarchies = v2 ? [layout.unified!] : [...layout.v1.map((h) => h.mountpoint), ...(layout.unified ? [layout.unified] : [])];
  const leftovers = hierarchies.flatMap((m) => {
    const parent = path.join(m, 'tsrunc');
    return fs.existsSync(parent) ? fs.readdirSync(parent).filter((d) => d.startsWith(prefix)).map((d) => path.join(parent, d)) : [];
  });
  t.same(leftovers, [], 'no cgroup directory of those containers in any hierarchy');
});

// A `cgroup` mount shows the container its own cgroups: its limits at the top, nothing else of the
// host's tree, the mount's options kept. With a cgroup namespace and without one (runc's binds).
for (const cgroupNamespace of [false, true]) {
  t.test(`the cgroup mount shows the container’s own cgroup, ${cgroupNamespace ? 'with' : 'without'} a cgroup namespace`, async (t) => {
    const limitFile = v2 ? '/sys/fs/cgroup/memory.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes';
    const top = v2 ? '/sys/fs/cgroup' : '/sys/fs/cgroup/memory';
    const r = runScript(t, stateRoot(t), `cat ${limitFile}; find ${top} -mindepth 1 -type d | wc -l; touch ${top}/x 2>&1 | grep -c "Read-only"; grep -c " ${top} ro," /proc/self/mountinfo`, (s) => {
      s.linux!.resources = { memory: { limit: 67108864 } };
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'cgroup');
      if (cgroupNamespace) s.linux!.namespaces!.push({ type: 'cgroup' });
      s.mounts = s.mounts!.filter((m) => m.destination !== '/sys/fs/cgroup');
      s.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] });
    });
    t.equal(r.status, 0, r.stderr);
    const [limit, dirs, readOnly, roMounts] = r.stdout.trim().split('\n');
    t.equal(limit, '67108864', 'the container’s limit, at the top of the mount');
    t.equal(dirs, '0', 'no other cgroup of the host is visible below it');
    t.equal(readOnly, '1', 'ro is kept');
    t.equal(roMounts, '1', 'mounted once, read-only');
  });
}

// Only the container's own processes are charged to its cgroups: the helper that set up its
// namespaces never enters them, so a pids.limit of 1 is exactly the init.
t.test('the smallest container: memory 512 KiB and pids.limit 1 run /bin/true; a second process fails', async (t) => {
  const small = (s: Spec) => (s.linux!.resources = { memory: { limit: 524288 }, pids: { limit: 1 } });
  const one = runScript(t, stateRoot(t), 'true', (s) => {
    small(s);
    s.process!.args = ['/bin/true'];
  });
  t.equal(one.status, 0, `runs (${one.stderr.trim()})`);
  const two = runScript(t, stateRoot(t), '/bin/true; echo status=$?', small);
  t.match(two.stderr, /can't fork: Resource temporarily unavailable/, 'a second process: EAGAIN');
  t.not(two.status, 0);
});

t.test('exec --cgroup runs the process in an existing sub-cgroup of the container’s; delete removes sub-cgroups too', async (t) => {
  const { root, id } = created(t, (s) => (s.process!.args = ['sleep', '60']));
  t.equal(tsrunc(root, ['start', id]).status, 0);
  const state = JSON.parse(fs.readFileSync(path.join(root, id, 'state.json'), 'utf8')) as { cgroupPath: string };
  const hierarchies = v2 ? [layout.unified!] : layout.v1.map((h) => h.mountpoint);
  const missing = tsrunc(root, ['exec', '--cgroup', 'sub', id, 'true']);
  t.not(missing.status, 0, 'a sub-cgroup that does not exist');
  t.match(missing.stderr, /--cgroup: .*\/sub does not exist/, missing.stderr.trim());
  for (const h of hierarchies) {
    const sub = path.join(h, state.cgroupPath, 'sub');
    fs.mkdirSync(sub);
    // A new v1 cpuset has no cpus or mems, and nothing can join it: its parent's, as a manager gives it.
    for (const f of ['cpuset.cpus', 'cpuset.mems']) if (!v2 && fs.existsSync(path.join(sub, f))) fs.writeFileSync(path.join(sub, f), read(path.join(h, state.cgroupPath, f)));
  }
  const r = tsrunc(root, ['exec', '--cgroup', 'sub', id, 'cat', '/proc/self/cgroup']);
  t.equal(r.status, 0, `exec --cgroup sub (stderr: ${r.stderr.trim()})`);
  // The hierarchies this host mounts (a kernel may number one it does not mount, net_cls here).
  const mounted = new Set(v2 ? [''] : layout.v1.map((h) => h.controllers));
  const lines = r.stdout.trim().split('\n').filter((l) => mounted.has(l.split(':')[1]!));
  t.ok(lines.length > 0 && lines.every((l) => l.endsWith(`${state.cgroupPath}/sub`)), `every hierarchy: ${lines.join(' ')}`);
  if (!v2) {
    const one = tsrunc(root, ['exec', '--cgroup', 'memory:sub', id, 'cat', '/proc/self/cgroup']);
    const memory = one.stdout.split('\n').find((l) => /:memory:/.test(l));
    const pids = one.stdout.split('\n').find((l) => /:pids:/.test(l));
    t.same([memory?.endsWith('/sub'), pids?.endsWith(state.cgroupPath)], [true, true], 'controller:path moves only that hierarchy');
  } else {
    const prefixed = tsrunc(root, ['exec', '--cgroup', 'memory:sub', id, 'true']);
    t.match(prefixed.stderr, /cgroup v2 has one hierarchy/, 'cgroup v2 takes no controller prefix');
  }
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0, 'delete --force');
  t.ok(hierarchies.every((h) => !fs.existsSync(path.join(h, state.cgroupPath))), 'the container’s cgroup and its sub-cgroup are gone');
});
