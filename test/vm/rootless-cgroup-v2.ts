// Rootless limits on pure cgroup v2 (issue 16): a subtree delegated to the unprivileged user as
// systemd's user@.service delegates it (the directory and the kernel's delegate files are the
// user's, its processes in a leaf below), and tsrunc run by that user makes the container's cgroup
// there, with limits that hold: a memory limit OOM-kills, a pids limit stops forks, the freezer
// pauses. Imported by cgroup-v2-suite.ts in the guest (../shared/tools/cgroup2-vm); the cgroup v1
// host cannot delegate (rootless.test.ts shows its refusal there).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { asUser, type Result, rootlessBundle, rootlessSkipReason, rootlessWorkspace } from '../helpers/rootless.js';
import type { Spec } from '../../src/spec/generated/config.js';

t.test('rootless in a delegated cgroup v2 subtree', async (t) => {
  const skip = rootlessSkipReason();
  if (skip) return t.fail(`the rootless cgroup v2 tests cannot run: ${skip}`);
  const ws = rootlessWorkspace('tsrunc-rootless-v2-');
  t.teardown(ws.cleanup);
  const { user } = ws;

  // The delegation: <root>/rootless-<pid> and its delegate files the user's; the user's processes
  // in its leaf `session` (the no-internal-processes rule keeps the subtree's root empty).
  const delegated = `/sys/fs/cgroup/rootless-${process.pid}`;
  fs.mkdirSync(delegated);
  const delegateFiles = fs.readFileSync('/sys/kernel/cgroup/delegate', 'utf8').split('\n').filter(Boolean);
  // The files a level has (a controller's appear once its parent enables it), as systemd hands them over.
  const hand = (dir: string) => {
    for (const f of ['.', ...delegateFiles]) if (fs.existsSync(path.join(dir, f))) fs.chownSync(path.join(dir, f), user.uid, user.gid);
  };
  hand(delegated);
  const session = path.join(delegated, 'session');
  fs.mkdirSync(session);
  hand(session);
  t.teardown(() => {
    // Depth first: what the containers left (a failure's) and the delegation itself.
    const dirs = spawnSync('find', [delegated, '-depth', '-type', 'd'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const d of dirs) {
      try {
        fs.writeFileSync(path.join(d, 'cgroup.kill'), '1');
      } catch {
        // gone already
      }
    }
    for (const d of dirs) spawnSync('rmdir', [d]);
  });

  const tsrunc = (args: string[]): Result => asUser(user, ws.runtime, args, { cgroup: session, timeout: 300_000 });
  const bundle = (t: Test, mutate: (s: Spec) => void): { dir: string; id: string } => {
    const dir = rootlessBundle(ws, mutate);
    const id = `rlv2-${process.pid}-${path.basename(dir)}`;
    t.teardown(() => tsrunc(['delete', '--force', id]));
    return { dir, id };
  };
  const cgroupDir = (id: string) => path.join(delegated, 'tsrunc', id);

  t.test('a memory limit: read from inside, and a process past it is OOM-killed', async (t) => {
    const { dir, id } = bundle(t, (s) => {
      s.linux!.resources = { memory: { limit: 32 << 20, swap: 32 << 20 } };
      // dd's one 64 MiB block is more than the limit lets it have.
      s.process!.args = ['sh', '-c', 'cat /sys/fs/cgroup/memory.max; dd if=/dev/zero of=/dev/null bs=64M count=1 2>/dev/null; echo dd $?'];
    });
    const r = tsrunc(['run', '--bundle', dir, id]);
    t.equal(r.status, 0, `run (stderr: ${r.stderr})`);
    const [max, dd] = r.stdout.trim().split('\n');
    t.equal(max, String(32 << 20), "memory.max in the container's own cgroup, seen through its /sys/fs/cgroup");
    t.equal(dd, 'dd 137', 'dd was OOM-killed (SIGKILL: 128 + 9)');
    t.notOk(fs.existsSync(cgroupDir(id)), 'the cgroup went with the container');
  });

  t.test('a pids limit: forks past it fail', async (t) => {
    const { dir, id } = bundle(t, (s) => {
      s.linux!.resources = { pids: { limit: 4 } };
      // The inner shell forks sleeps until a fork fails (the shell gives up: status 2); the sleeps
      // it did start stay, so pids.current then counts the outer shell and them.
      s.process!.args = ['sh', '-c', 'cat /sys/fs/cgroup/pids.max; sh -c "for i in 1 2 3 4 5 6; do sleep 30 & done" 2>/dev/null; echo inner $?; cat /sys/fs/cgroup/pids.current'];
    });
    const r = tsrunc(['run', '--bundle', dir, id]);
    t.equal(r.status, 0, `run (stderr: ${r.stderr})`);
    const [max, inner, current] = r.stdout.trim().split('\n');
    t.equal(max, '4', 'pids.max');
    t.equal(inner, 'inner 2', 'a fork past the limit failed');
    // Without the limit all six sleeps would run (8 pids with both shells); busybox may run cat in-process.
    t.ok(Number(current) >= 3 && Number(current) <= 4, `the limit held: ${current} pids (the shell, the sleeps that started, maybe cat)`);
  });

  t.test('the lifecycle in the delegated cgroup: ps, pause and resume through its freezer, delete', async (t) => {
    const { dir, id } = bundle(t, (s) => {
      s.process!.args = ['sh', '-c', 'while :; do sleep 1; done'];
    });
    t.equal(tsrunc(['create', '--bundle', dir, id]).status, 0, 'create');
    const procs = fs.readFileSync(path.join(cgroupDir(id), 'cgroup.procs'), 'utf8').trim().split('\n');
    t.equal(procs.length, 1, `the init is in ${cgroupDir(id)}`);
    t.equal(fs.statSync(cgroupDir(id)).uid, user.uid, "the container's cgroup is the user's");
    t.equal(tsrunc(['start', id]).status, 0, 'start');
    const paused = tsrunc(['pause', id]);
    t.equal(paused.status, 0, `pause (stderr: ${paused.stderr})`);
    t.match(JSON.parse(tsrunc(['state', id]).stdout), { status: 'paused' });
    t.match(fs.readFileSync(path.join(cgroupDir(id), 'cgroup.events'), 'utf8'), /^frozen 1$/m, 'frozen by its cgroup.freeze');
    t.equal(tsrunc(['resume', id]).status, 0, 'resume');
    t.match(JSON.parse(tsrunc(['state', id]).stdout), { status: 'running' });
    t.equal(tsrunc(['delete', '--force', id]).status, 0, 'delete --force');
    t.notOk(fs.existsSync(cgroupDir(id)), 'its cgroup removed');
  });
});
