// Cgroups on this host's layout (v1 or hybrid here; pure v2 runs the same file through
// ../shared/tools/cgroup2-vm): limits read back, and enforced for real.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { detectCgroupLayout } from '../../src/cgroups/detect.js';
import type { Spec } from '../../src/spec/generated/config.js';
import { alive, makeBundle, rootSkipReason, runScript, stateRoot, tempDir, tsrunc, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

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

t.test('every applied field reads back from the cgroup files', async (t) => {
  const { root, id, pid } = created(t, (s) => {
    s.process!.args = ['sleep', '100'];
    s.linux!.cgroupsPath = `/tsrunc-test/${process.pid}`;
    s.linux!.resources = {
      memory: { limit: 64 << 20, reservation: 32 << 20, ...(v2 ? { swap: 96 << 20 } : { swap: 96 << 20, swappiness: 10 }) },
      cpu: { shares: 512, quota: 20000, period: 100000, cpus: '0', mems: '0' },
      pids: { limit: 42 },
    };
  });
  const p = `/tsrunc-test/${process.pid}`;
  t.match(read(`/proc/${pid}/cgroup`), new RegExp(`${p}$`, 'm'), 'the init is in the configured cgroup before start');
  if (v2) {
    t.equal(read(knob(p, 'memory', 'memory.max')), String(64 << 20));
    t.equal(read(knob(p, 'memory', 'memory.low')), String(32 << 20));
    t.equal(read(knob(p, 'memory', 'memory.swap.max')), String(32 << 20), 'swap minus limit');
    t.equal(read(knob(p, 'cpu', 'cpu.weight')), '20', 'shares 512 → weight 20');
    t.equal(read(knob(p, 'cpu', 'cpu.max')), '20000 100000');
  } else {
    t.equal(read(knob(p, 'memory', 'memory.limit_in_bytes')), String(64 << 20));
    t.equal(read(knob(p, 'memory', 'memory.soft_limit_in_bytes')), String(32 << 20));
    if (fs.existsSync(knob(p, 'memory', 'memory.memsw.limit_in_bytes'))) t.equal(read(knob(p, 'memory', 'memory.memsw.limit_in_bytes')), String(96 << 20));
    t.equal(read(knob(p, 'memory', 'memory.swappiness')), '10');
    t.equal(read(knob(p, 'cpu', 'cpu.shares')), '512');
    t.equal(read(knob(p, 'cpu', 'cpu.cfs_quota_us')), '20000');
    t.equal(read(knob(p, 'cpu', 'cpu.cfs_period_us')), '100000');
  }
  t.equal(read(knob(p, 'cpuset', 'cpuset.cpus')), '0');
  t.equal(read(knob(p, 'cpuset', 'cpuset.mems')), '0');
  t.equal(read(knob(p, 'pids', 'pids.max')), '42');
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
  t.notOk(fs.existsSync(knob(p, 'pids', '')), 'delete removed the cgroup');
  t.notOk(fs.existsSync(knob('/tsrunc-test', 'pids', '')), 'and its empty parent');
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
  // Timed inside the container (/proc/uptime, 10 ms steps), so start-up costs do not dilute it.
  const loop = 'read a _ < /proc/uptime; i=0; while [ $i -lt 150000 ]; do i=$((i+1)); done; read b _ < /proc/uptime; echo $a $b';
  const timed = (mutate: (s: Spec) => void) => {
    const r = runScript(t, stateRoot(t), loop, mutate);
    t.equal(r.status, 0, r.stderr);
    const [a, b] = r.stdout.trim().split(' ').map(Number);
    return (b! - a!) * 1000;
  };
  const free = timed(() => {});
  const limited = timed((s) => (s.linux!.resources = { cpu: { quota: 10000, period: 100000 } }));
  t.ok(limited > 3 * free, `10% quota: ${limited.toFixed(0)} ms against ${free.toFixed(0)} ms unlimited`);
});

t.test('devices: a device the rules do not allow cannot be opened', { skip: v2 ? 'the v2 device program is not implemented yet' : false }, async (t) => {
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

t.test('no cgroup is left after 50 create/delete cycles', async (t) => {
  const root = stateRoot(t);
  const bundle = makeBundle(t, (s) => (s.linux!.resources = { pids: { limit: 100 } }));
  for (let i = 0; i < 50; i++) {
    const id = uniqueId(`cycle${i}`);
    const c = tsrunc(root, ['create', '--bundle', bundle, id]);
    if (c.status !== 0) t.fail(c.stderr);
    const d = tsrunc(root, ['delete', '--force', id]);
    if (d.status !== 0) t.fail(d.stderr);
  }
  // Other test files run containers under /tsrunc at the same time: look for ours by name.
  const hierarchies = v2 ? [layout.unified!] : [...layout.v1.map((h) => h.mountpoint), ...(layout.unified ? [layout.unified] : [])];
  const leftovers = hierarchies.flatMap((m) => {
    const parent = path.join(m, 'tsrunc');
    return fs.existsSync(parent) ? fs.readdirSync(parent).filter((d) => /^cycle\d+-/.test(d)).map((d) => path.join(parent, d)) : [];
  });
  t.same(leftovers, [], 'no cgroup directory of those containers in any hierarchy');
});
