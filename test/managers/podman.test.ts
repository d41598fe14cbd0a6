// podman (with conmon) drives the runtime under test as its OCI runtime (`--runtime`), with private
// storage, the cgroupfs manager and no network. Every scenario of issue 12, each ending with
// nothing left of the container.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { detectCgroupLayout } from '../../src/cgroups/detect.js';
import { busyboxRootfs, waitFor } from '../helpers/cli.js';
import {
  COUNTER,
  InvocationLog,
  leftovers,
  managersSkipReason,
  privatePodman,
  processesWith,
  REFUSED_PROFILE,
  refusedProfileMessage,
  runtimeUnderTest,
  scratch,
  withTerminal,
} from './harness.js';

const skip = managersSkipReason('podman', 'conmon', 'script');
if (skip) t.plan(0, skip);
else suite();

function suite(): void {
  const runtime = runtimeUnderTest();
  const dir = scratch(t, 'tsrunc-podman-');
  const log = new InvocationLog(dir, runtime);
  const { podman, global, env } = privatePodman(dir, log.wrapper);
  // `podman import` of a tarball of the busybox rootfs: no registry is reachable.
  const image = 'localhost/tsrunc-busybox';
  const tarball = path.join(dir, 'rootfs.tar');
  spawnSync('tar', ['--numeric-owner', '-C', busyboxRootfs, '-cf', tarball, '.']);
  const imported = podman(['import', '--quiet', tarball, image]);
  if (imported.status !== 0) throw new Error(`podman import: ${imported.stderr}`);
  const v2 = detectCgroupLayout().kind === 'v2';
  const run = ['run', '--network', 'none'];
  let serial = 0;
  const newName = (what: string) => `${what}-${process.pid}-${serial++}`;
  const idOf = (name: string) => podman(['inspect', '--format', '{{.Id}}', name]).stdout.trim();
  const exitCodeOf = (name: string) => podman(['inspect', '--format', '{{.State.ExitCode}}', name]).stdout.trim();
  // The manager finishes some of its clean-up after the command returns (podman's exit command).
  const nothingLeft = async (t: Test, id: string) => {
    await waitFor(() => leftovers(id, runtime.defaultRoot).length === 0, 10_000);
    t.same(leftovers(id, runtime.defaultRoot), [], `${id.slice(0, 12)}: no state, cgroup, mount or process left`);
  };
  /** `podman run --rm --cidfile`: the id of a container that is gone by the time it returns. */
  const runRemoved = (args: string[]) => {
    const cid = path.join(dir, `cid-${serial++}`);
    const r = podman([...run, '--rm', '--cidfile', cid, ...args]);
    return { ...r, id: fs.existsSync(cid) ? fs.readFileSync(cid, 'utf8').trim() : '' };
  };
  t.comment(`runtime under test: ${runtime.binary}`);

  t.test('a foreground container: its output and its exit status', async (t) => {
    const r = runRemoved([image, 'sh', '-c', 'echo out; exit 3']);
    t.equal(r.stdout, 'out\n');
    t.equal(r.status, 3, r.stderr);
    await nothingLeft(t, r.id);
  });

  t.test('a detached container: running, exec (plain and -t), top, pause and resume, stop with SIGTERM', async (t) => {
    const name = newName('bg');
    t.equal(podman([...run, '-d', '--name', name, image, 'sh', '-c', COUNTER]).status, 0);
    const id = idOf(name);
    t.match(podman(['ps', '--format', '{{.Names}} {{.Status}}']).stdout, new RegExp(`^${name} Up`, 'm'), 'listed as running');
    const e = podman(['exec', name, 'sh', '-c', 'echo from-exec; exit 4']);
    t.same([e.stdout, e.status], ['from-exec\n', 4], 'exec: output and exit status');
    const tty = withTerminal('podman', [...global, 'exec', '-t', name, 'sh', '-c', 'tty; test -t 0 && echo is-a-tty'], env);
    t.match(tty.stdout, /\/dev\/pts\/\d+\nis-a-tty/, 'exec -t: a terminal');
    const top = podman(['top', name]).stdout.trim().split('\n');
    t.ok(top.length >= 2 && /sh -c/.test(top.join('\n')), `top lists the container's processes (${top.length - 1})`);
    const merged = podman(['mount', name]).stdout.trim();
    const count = () => Number(fs.readFileSync(path.join(merged, 'tmp', 'c'), 'utf8'));
    t.ok(await waitFor(() => fs.existsSync(path.join(merged, 'tmp', 'c')) && count() > 2));
    t.equal(podman(['pause', name]).status, 0);
    const paused = count();
    await new Promise((r) => setTimeout(r, 600));
    t.equal(count(), paused, 'paused: the counter stops');
    t.equal(podman(['unpause', name]).status, 0);
    t.ok(await waitFor(() => count() > paused + 2), 'resumed: it goes on');
    podman(['umount', name]);
    t.equal(podman(['stop', '--time', '10', name]).status, 0, 'stop (SIGTERM)');
    t.equal(exitCodeOf(name), '143', 'podman reports 143');
    t.equal(podman(['rm', name]).status, 0);
    await nothingLeft(t, id);
  });

  t.test('stop with SIGKILL: podman reports 137', async (t) => {
    const name = newName('kill');
    t.equal(podman([...run, '-d', '--name', name, image, 'sleep', '1000']).status, 0);
    const id = idOf(name);
    t.equal(podman(['kill', '--signal', 'KILL', name]).status, 0);
    t.ok(await waitFor(() => exitCodeOf(name) === '137', 10_000), 'podman reports 137');
    t.equal(podman(['rm', name]).status, 0);
    await nothingLeft(t, id);
  });

  t.test('kill --all (a container in the host’s pid namespace) reaches an exec’d process too', async (t) => {
    const name = newName('all');
    const marker = String(40000 + (process.pid % 10000));
    t.equal(podman([...run, '-d', '--pid', 'host', '--name', name, image, 'sleep', `1${marker}`]).status, 0);
    const id = idOf(name);
    t.equal(podman(['exec', '-d', name, 'sleep', `2${marker}`]).status, 0);
    t.ok(await waitFor(() => processesWith(`2${marker}`).length === 1), 'the extra process runs');
    t.equal(podman(['stop', '--time', '2', name]).status, 0);
    t.ok(await waitFor(() => processesWith(`1${marker}`).length + processesWith(`2${marker}`).length === 0, 10_000), 'both are gone');
    t.ok(log.entries().some((a) => a.includes('kill') && a.includes('--all')), 'the runtime was asked for kill --all');
    t.equal(podman(['rm', name]).status, 0);
    await nothingLeft(t, id);
  });

  t.test('a tty container through a real pty', async (t) => {
    const name = newName('tty');
    const r = withTerminal('podman', [...global, ...run, '-t', '--name', name, image, 'sh', '-c', 'tty; test -t 0 && echo is-a-tty'], env);
    t.match(r.stdout, /\/dev\/pts\/\d+\nis-a-tty/);
    const id = idOf(name);
    podman(['rm', name]);
    await nothingLeft(t, id);
  });

  t.test('a memory limit and a pids limit, read from inside', async (t) => {
    const files = v2 ? ['/sys/fs/cgroup/memory.max', '/sys/fs/cgroup/pids.max'] : ['/sys/fs/cgroup/memory/memory.limit_in_bytes', '/sys/fs/cgroup/pids/pids.max'];
    const r = runRemoved(['--memory', '64m', '--pids-limit', '50', image, 'cat', ...files]);
    t.equal(r.stdout, '67108864\n50\n', r.stderr);
    await nothingLeft(t, r.id);
  });

  t.test('seccomp: podman’s default profile is in force', async (t) => {
    const r = runRemoved([image, 'grep', 'Seccomp:', '/proc/self/status']);
    t.match(r.stdout, /^Seccomp:\s+2$/m, r.stderr);
    await nothingLeft(t, r.id);
  });

  t.test('a config the runtime refuses: its own message in podman’s output', async (t) => {
    const profile = path.join(dir, 'refused-seccomp.json');
    fs.writeFileSync(profile, JSON.stringify(REFUSED_PROFILE));
    const r = runRemoved(['--security-opt', `seccomp=${profile}`, image, 'true']);
    t.not(r.status, 0);
    t.match(r.stderr, refusedProfileMessage(runtime));
    if (r.id) await nothingLeft(t, r.id);
  });

  t.test('20 containers started and removed in a loop: nothing left', async (t) => {
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      const r = runRemoved([image, 'true']);
      t.equal(r.status, 0, r.stderr);
      ids.push(r.id);
    }
    for (const id of ids) await nothingLeft(t, id);
    t.same(podman(['ps', '--all', '--quiet']).stdout.trim(), '', 'podman has no container left');
  });

  t.test('what podman and conmon invoked', async (t) => {
    const shapes = log.shapes();
    for (const s of shapes) t.comment(`podman → ${runtime.name} ${s}`);
    t.ok(shapes.some((s) => / create( |$)/.test(` ${s}`)) && shapes.some((s) => / exec( |$)/.test(` ${s}`)), 'create and exec among them');
  });
}
