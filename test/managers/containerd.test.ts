// containerd, started privately, drives the runtime under test through its runc shim v2
// (`ctr run --runc-binary`), the way a containerd configured with tsrunc as BinaryName does. Every
// scenario of issue 12, each ending with nothing left of the container.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { detectCgroupLayout } from '../../src/cgroups/detect.js';
import { busyboxRootfs, waitFor } from '../helpers/cli.js';
import {
  buildOciArchive,
  COUNTER,
  InvocationLog,
  leftovers,
  managersSkipReason,
  processesWith,
  REFUSED_PROFILE,
  refusedProfileMessage,
  runtimeUnderTest,
  scratch,
  startContainerd,
  withTerminal,
} from './harness.js';

const skip = managersSkipReason('containerd', 'ctr', 'containerd-shim-runc-v2', 'script');
if (skip) t.plan(0, skip);
else await suite();

async function suite(): Promise<void> {
  const runtime = runtimeUnderTest();
  const dir = scratch(t, 'tsrunc-containerd-');
  const log = new InvocationLog(dir, runtime);
  const { ctr, address, state } = await startContainerd(t, dir);
  const image = 'localhost/tsrunc-busybox:latest';
  const imported = ctr(['images', 'import', buildOciArchive(dir, image)]);
  if (imported.status !== 0) throw new Error(`ctr images import: ${imported.stderr}`);
  const runcRoot = path.join(dir, 'runc-root');
  const rt = ['--runc-binary', log.wrapper, '--runc-root', runcRoot];
  const v2 = detectCgroupLayout().kind === 'v2';
  let serial = 0;
  const newId = (what: string) => `${what}-${process.pid}-${serial++}`;
  const nothingLeft = async (t: Test, id: string) => {
    await waitFor(() => leftovers(id, path.join(runcRoot, 'default')).length === 0, 10_000);
    t.same(leftovers(id, path.join(runcRoot, 'default')), [], `${id}: no state, cgroup, mount or process left`);
  };
  const remove = (id: string) => {
    ctr(['task', 'delete', '--force', id]);
    ctr(['container', 'delete', id]);
  };
  const taskStatus = (id: string) => /\s(RUNNING|STOPPED|PAUSED|CREATED)\b/.exec(ctr(['task', 'ls']).stdout.split('\n').find((l) => l.startsWith(`${id} `)) ?? '')?.[1];
  t.comment(`runtime under test: ${runtime.binary}`);

  t.test('a foreground container: its output and its exit status', async (t) => {
    const id = newId('fg');
    const r = ctr(['run', '--rm', ...rt, image, id, 'sh', '-c', 'echo out; exit 3']);
    t.equal(r.stdout, 'out\n');
    t.equal(r.status, 3, r.stderr);
    await nothingLeft(t, id);
  });

  t.test('a detached container: running, exec (plain and -t), ps, pause and resume, stop with SIGTERM', async (t) => {
    const id = newId('bg');
    t.equal(ctr(['run', '-d', ...rt, image, id, 'sh', '-c', COUNTER]).status, 0);
    t.equal(taskStatus(id), 'RUNNING', 'listed as running');
    const e = ctr(['task', 'exec', '--exec-id', 'e1', id, 'sh', '-c', 'echo from-exec; exit 4']);
    t.same([e.stdout, e.status], ['from-exec\n', 4], 'exec: output and exit status');
    const tty = withTerminal('ctr', ['--address', address, 'task', 'exec', '-t', '--exec-id', 'e2', id, 'sh', '-c', 'tty; test -t 0 && echo is-a-tty']);
    t.match(tty.stdout, /\/dev\/pts\/\d+\nis-a-tty/, 'exec -t: a terminal');
    const ps = ctr(['task', 'ps', id]).stdout.trim().split('\n').slice(1);
    t.ok(ps.length >= 1, `ps lists the container's processes (${ps.length})`);
    const counter = path.join(state, 'io.containerd.runtime.v2.task', 'default', id, 'rootfs', 'tmp', 'c');
    const count = () => Number(fs.readFileSync(counter, 'utf8'));
    t.ok(await waitFor(() => fs.existsSync(counter) && count() > 2));
    t.equal(ctr(['task', 'pause', id]).status, 0);
    t.equal(taskStatus(id), 'PAUSED');
    const paused = count();
    await new Promise((r) => setTimeout(r, 600));
    t.equal(count(), paused, 'paused: the counter stops');
    t.equal(ctr(['task', 'resume', id]).status, 0);
    t.ok(await waitFor(() => count() > paused + 2), 'resumed: it goes on');
    t.equal(ctr(['task', 'kill', id]).status, 0, 'SIGTERM');
    t.ok(await waitFor(() => taskStatus(id) === 'STOPPED', 10_000));
    t.match(ctr(['task', 'delete', id]).stderr, /exit code 143/, 'containerd reports 143');
    ctr(['container', 'delete', id]);
    await nothingLeft(t, id);
  });

  t.test('stop with SIGKILL: containerd reports 137', async (t) => {
    const id = newId('kill');
    t.equal(ctr(['run', '-d', ...rt, image, id, 'sleep', '1000']).status, 0);
    t.equal(ctr(['task', 'kill', '-s', 'SIGKILL', id]).status, 0);
    t.ok(await waitFor(() => taskStatus(id) === 'STOPPED', 10_000));
    t.match(ctr(['task', 'delete', id]).stderr, /exit code 137/);
    ctr(['container', 'delete', id]);
    await nothingLeft(t, id);
  });

  t.test('kill --all reaches an exec’d process too', async (t) => {
    const id = newId('all');
    const marker = String(40000 + (process.pid % 10000));
    t.equal(ctr(['run', '-d', ...rt, image, id, 'sleep', `1${marker}`]).status, 0);
    t.equal(ctr(['task', 'exec', '-d', '--exec-id', 'extra', id, 'sleep', `2${marker}`]).status, 0);
    t.ok(await waitFor(() => processesWith(`2${marker}`).length === 1), 'the extra process runs');
    t.equal(ctr(['task', 'kill', '--all', '-s', 'SIGKILL', id]).status, 0);
    t.ok(await waitFor(() => processesWith(`1${marker}`).length + processesWith(`2${marker}`).length === 0, 10_000), 'both are gone');
    t.ok(log.entries().some((a) => a.includes('kill') && a.includes('--all')), 'the runtime was asked for kill --all');
    remove(id);
    await nothingLeft(t, id);
  });

  t.test('a tty container through a real pty', async (t) => {
    const id = newId('tty');
    const r = withTerminal('ctr', ['--address', address, 'run', '--rm', '-t', ...rt, image, id, 'sh', '-c', 'tty; test -t 0 && echo is-a-tty']);
    t.match(r.stdout, /\/dev\/pts\/\d+\nis-a-tty/);
    await nothingLeft(t, id);
  });

  t.test('a memory limit and a pids limit, read from inside', async (t) => {
    const id = newId('limits');
    // ctr has no flag for a pids limit: a whole spec of containerd's defaults, with both limits, on
    // the busybox rootfs itself (a spec file takes no image).
    const spec = JSON.parse(ctr(['oci', 'spec']).stdout);
    spec.process.args = ['sleep', '1000'];
    spec.process.env = ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'];
    spec.root = { path: busyboxRootfs, readonly: true };
    spec.linux.resources = { ...spec.linux.resources, memory: { limit: 67108864 }, pids: { limit: 50 } };
    spec.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] });
    const file = path.join(dir, `${id}.json`);
    fs.writeFileSync(file, JSON.stringify(spec));
    const r = ctr(['run', '-d', '--config', file, ...rt, id]);
    t.equal(r.status, 0, r.stderr);
    const read = (f: string) => ctr(['task', 'exec', '--exec-id', `r${serial++}`, id, 'cat', f]).stdout.trim();
    t.equal(read(v2 ? '/sys/fs/cgroup/memory.max' : '/sys/fs/cgroup/memory/memory.limit_in_bytes'), '67108864');
    t.equal(read(v2 ? '/sys/fs/cgroup/pids.max' : '/sys/fs/cgroup/pids/pids.max'), '50');
    remove(id);
    await nothingLeft(t, id);
  });

  t.test('seccomp: the default profile is in force', async (t) => {
    const id = newId('seccomp');
    const r = ctr(['run', '--rm', '--seccomp', ...rt, image, id, 'grep', 'Seccomp:', '/proc/self/status']);
    t.match(r.stdout, /^Seccomp:\s+2$/m, r.stderr);
    await nothingLeft(t, id);
  });

  t.test('a config the runtime refuses: its own message in ctr’s output', async (t) => {
    const id = newId('refused');
    const profile = path.join(dir, 'refused-seccomp.json');
    fs.writeFileSync(profile, JSON.stringify(REFUSED_PROFILE));
    const r = ctr(['run', '--rm', '--seccomp', '--seccomp-profile', profile, ...rt, image, id, 'true']);
    t.not(r.status, 0);
    t.match(r.stderr, refusedProfileMessage(runtime));
    remove(id);
    await nothingLeft(t, id);
  });

  t.test('20 containers started and removed in a loop: nothing left', async (t) => {
    const ids = Array.from({ length: 20 }, () => newId('loop'));
    for (const id of ids) t.equal(ctr(['run', '--rm', ...rt, image, id, 'true']).status, 0, id);
    for (const id of ids) await nothingLeft(t, id);
    t.same(fs.existsSync(path.join(runcRoot, 'default')) ? fs.readdirSync(path.join(runcRoot, 'default')).filter((e) => !e.startsWith('~')) : [], [], 'the runtime’s root holds no container');
  });

  t.test('what containerd invoked', async (t) => {
    const shapes = log.shapes();
    for (const s of shapes) t.comment(`containerd → ${runtime.name} ${s}`);
    t.ok(shapes.some((s) => / create( |$)/.test(` ${s}`)) && shapes.some((s) => / exec( |$)/.test(` ${s}`)), 'create and exec among them');
  });
}
