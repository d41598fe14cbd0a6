// What a host and a caller can throw at tsrunc besides a bad config: a state root on a read-only
// filesystem or a full one, odd bundle paths, ids that try to name a path, a rootfs that is a
// file. Each ends in a clear error or works, and a failure leaves no process, cgroup or state.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { busyboxRootfs, containersIn, hostMounts, makeBundle, rootSkipReason, stateRoot, tempDir, tsrunc, uniqueId } from '../helpers/cli.js';
import { baseSpec } from '../helpers/specs.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

/** A tmpfs mounted for the test (options as mount(8) takes them), unmounted at teardown. */
function tmpfs(t: Test, options: string): string {
  const dir = tempDir(t, 'tsrunc-tmpfs-');
  execFileSync('mount', ['-t', 'tmpfs', '-o', options, 'tmpfs', dir]);
  t.teardown(() => execFileSync('umount', ['-l', dir]));
  return dir;
}

/** Cgroup directories named `id` under tsrunc's default parent, in every hierarchy. */
const cgroupsOf = (id: string) => fs.readdirSync('/sys/fs/cgroup').filter((h) => fs.existsSync(path.join('/sys/fs/cgroup', h, 'tsrunc', id)));

/** No process of ours runs a busybox `sleep` tagged with this marker. */
function processesWith(marker: string): number[] {
  return fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
    try {
      return fs.readFileSync(`/proc/${p}/cmdline`, 'utf8').includes(marker);
    } catch {
      return false;
    }
  }).map(Number);
}

t.test('a state root on a read-only filesystem: the error names EROFS, nothing is started', async (t) => {
  const ro = tmpfs(t, 'ro,size=64k');
  const id = uniqueId('erofs');
  const marker = `${id}-sleep`;
  const bundle = makeBundle(t, (s) => (s.process!.args = ['sh', '-c', `exec sleep 1000 # ${marker}`]));
  const r = tsrunc(path.join(ro, 'state'), ['create', '--bundle', bundle, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /^tsrunc: create state root `.+\/state`: Read-only file system \(EROFS\)$/m);
  t.same(cgroupsOf(id), [], 'no cgroup');
  t.same(processesWith(marker), [], 'no process');
});

t.test('a full disk while the state is written: ENOSPC, and nothing is left', async (t) => {
  // One page: the first state.json fits, its replacement (temp file beside it) does not.
  const full = tmpfs(t, 'size=4k');
  const root = path.join(full, 'state');
  const id = uniqueId('enospc');
  const marker = `${id}-sleep`;
  const bundle = makeBundle(t, (s) => (s.process!.args = ['sh', '-c', `exec sleep 1000 # ${marker}`]));
  const mounts = hostMounts();
  const r = tsrunc(root, ['create', '--bundle', bundle, id]);
  t.equal(r.status, 1);
  t.match(r.stderr, /^tsrunc: write `.+\/state\.json`: No space left on device \(ENOSPC\)$/m);
  t.same(containersIn(root), [], 'no state directory');
  t.same(cgroupsOf(id), [], 'no cgroup');
  t.same(processesWith(marker), [], 'no process');
  t.same(hostMounts(), mounts, 'no mount');
  // With room again, the same id works: nothing of the failed create is in the way.
  fs.rmSync(root, { recursive: true, force: true });
  const big = stateRoot(t);
  const ok = tsrunc(big, ['run', '--bundle', makeBundle(t), id]);
  t.equal(ok.status, 0, ok.stderr);
});

t.test('a bundle path with spaces and unicode works', async (t) => {
  const dir = path.join(tempDir(t), 'my bundles', 'контейнер ☃ #1');
  fs.mkdirSync(dir, { recursive: true });
  const spec = baseSpec((s) => {
    s.root = { path: busyboxRootfs, readonly: true };
    s.process!.args = ['sh', '-c', 'echo hello from $(hostname)'];
  });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  const root = stateRoot(t);
  const id = uniqueId('unicode');
  const r = tsrunc(root, ['run', '--bundle', dir, id]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^hello from /);
  const created = tsrunc(root, ['create', '--bundle', dir, `${id}-2`]);
  t.equal(created.status, 0, created.stderr);
  t.equal(JSON.parse(tsrunc(root, ['state', `${id}-2`]).stdout).bundle, dir, 'state gives the bundle path back exactly');
  t.equal(tsrunc(root, ['delete', '--force', `${id}-2`]).status, 0);
});

t.test('ids that would name a path are refused, for every command', async (t) => {
  const root = stateRoot(t);
  const bundle = makeBundle(t);
  for (const id of ['a/b', '..', '.', '../escape', 'x\ny', '']) {
    for (const args of [['create', '--bundle', bundle, id], ['state', id], ['delete', '--force', id], ['kill', id]]) {
      const r = tsrunc(root, args);
      t.equal(r.status, 1, `${args[0]} ${JSON.stringify(id)}: refused`);
      t.match(r.stderr, /^tsrunc: (invalid container id|.*container id)/m, `${args[0]} ${JSON.stringify(id)}: ${r.stderr.trim()}`);
    }
  }
  t.same(containersIn(root), [], 'nothing was made');
});

t.test('a rootfs that is a file: a clear error naming /root/path', async (t) => {
  const root = stateRoot(t);
  const file = path.join(tempDir(t), 'rootfs');
  fs.writeFileSync(file, 'not a directory');
  const bundle = makeBundle(t, (s) => (s.root = { path: file }));
  const r = tsrunc(root, ['create', '--bundle', bundle, uniqueId('rootfs-file')]);
  t.equal(r.status, 1);
  t.match(r.stderr, /^tsrunc: config\.json: \/root\/path: .+/m);
  t.same(containersIn(root), []);
});
