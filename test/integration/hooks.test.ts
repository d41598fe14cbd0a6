// The six hook kinds at the points runtime.md and config.md give: order, the state on stdin, the
// namespaces they run in, and what a failure does.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Hook, Spec } from '../../src/spec/generated/config.js';
import { alive, containersIn, makeBundle, rootSkipReason, stateRoot, tempDir, tsrunc, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

/** A hook that appends `<kind> <mnt ns> <pid ns> <state JSON>` to `log` (a path valid where it runs). */
const recorder = (kind: string, log: string): Hook => ({
  path: '/bin/sh',
  args: ['sh', '-c', `echo "${kind} $(readlink /proc/self/ns/mnt) $(readlink /proc/self/ns/pid) $(cat)" >> ${log}`],
  env: ['PATH=/bin:/usr/bin'],
});

interface Record {
  kind: string;
  mnt: string;
  pid: string;
  state: { status: string; pid: number; id: string; bundle: string; annotations?: object };
}

function read(log: string): Record[] {
  if (!fs.existsSync(log)) return [];
  return fs.readFileSync(log, 'utf8').trim().split('\n').filter(Boolean).map((l) => {
    const [kind, mnt, pid, ...json] = l.split(' ');
    return { kind: kind!, mnt: mnt!, pid: pid!, state: JSON.parse(json.join(' ')) };
  });
}

function hookBundle(t: Test, dir: string, mutate: (s: Spec) => void = () => {}): string {
  return makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', 'sleep 0.3'];
    s.annotations = { 'org.example': 'hooked' };
    s.mounts!.push({ destination: '/hooklog', source: dir, options: ['bind'] });
    const host = path.join(dir, 'log');
    s.hooks = {
      prestart: [recorder('prestart', host)],
      createRuntime: [recorder('createRuntime', host)],
      // Before pivot_root the container's mount namespace still shows the host's files.
      createContainer: [recorder('createContainer', host)],
      // Runs in the container, after pivot_root: its path and the log are the container's.
      startContainer: [recorder('startContainer', '/hooklog/log')],
      poststart: [recorder('poststart', host)],
      poststop: [recorder('poststop', host)],
    };
    mutate(s);
  });
}

t.test('every kind, in order, with its status and in its namespaces', async (t) => {
  const root = stateRoot(t);
  const dir = tempDir(t);
  const log = path.join(dir, 'log');
  const id = uniqueId('hooks');
  const bundle = hookBundle(t, dir);
  const created = tsrunc(root, ['create', '--bundle', bundle, id]);
  t.equal(created.status, 0, created.stderr);
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
  const initMnt = fs.readlinkSync(`/proc/${pid}/ns/mnt`);
  const initPidNs = fs.readlinkSync(`/proc/${pid}/ns/pid`);
  const hostMnt = fs.readlinkSync('/proc/self/ns/mnt');
  t.same(read(log).map((r) => r.kind), ['prestart', 'createRuntime', 'createContainer'], 'create ran the create-time hooks, in order');
  t.equal(tsrunc(root, ['start', id]).status, 0);
  t.same(read(log).map((r) => r.kind), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart']);
  t.ok(await waitFor(() => !alive(pid)), 'the process exits');
  const deleted = tsrunc(root, ['delete', id]);
  t.equal(deleted.status, 0, deleted.stderr);
  const records = read(log);
  t.same(records.map((r) => r.kind), ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop']);
  const by = Object.fromEntries(records.map((r) => [r.kind, r]));
  for (const kind of ['prestart', 'createRuntime', 'createContainer', 'startContainer']) t.equal(by[kind]!.state.status, 'created', `${kind}: status created`);
  t.equal(by.poststart!.state.status, 'running');
  t.equal(by.poststop!.state.status, 'stopped');
  for (const r of records) t.match(r.state, { id, bundle: fs.realpathSync(bundle), annotations: { 'org.example': 'hooked' } }, `${r.kind}: id, bundle, annotations`);
  for (const kind of ['prestart', 'createRuntime', 'poststart', 'poststop']) t.equal(by[kind]!.mnt, hostMnt, `${kind}: runtime namespace`);
  for (const kind of ['createContainer', 'startContainer']) {
    t.equal(by[kind]!.mnt, initMnt, `${kind}: the container's mount namespace`);
    t.equal(by[kind]!.pid, initPidNs, `${kind}: the container's pid namespace`);
    t.equal(by[kind]!.state.pid, 1, `${kind}: the pid as the container sees it`);
  }
  for (const kind of ['prestart', 'createRuntime', 'poststart']) t.equal(by[kind]!.state.pid, pid, `${kind}: the pid as the runtime sees it`);
});

const failing: Hook = { path: '/bin/sh', args: ['sh', '-c', 'exit 3'] };

t.test('a failing prestart, createRuntime or createContainer hook fails create and leaves nothing', async (t) => {
  for (const kind of ['prestart', 'createRuntime', 'createContainer'] as const) {
    const root = stateRoot(t);
    const bundle = hookBundle(t, tempDir(t), (s) => (s.hooks![kind] = [failing]));
    const r = tsrunc(root, ['create', '--bundle', bundle, uniqueId(kind)]);
    t.equal(r.status, 1, `${kind}: create fails`);
    t.match(r.stderr, new RegExp(`^tsrunc: ${kind} hook #0 \`/bin/sh\`: exit status 3$`, 'm'), `${kind}: the error names the hook`);
    t.same(containersIn(root), [], `${kind}: no state left`);
  }
});

t.test('a failing startContainer or poststart hook fails start and stops the container', async (t) => {
  for (const kind of ['startContainer', 'poststart'] as const) {
    const root = stateRoot(t);
    const id = uniqueId(kind);
    const bundle = hookBundle(t, tempDir(t), (s) => {
      s.process!.args = ['sleep', '100'];
      s.hooks![kind] = [failing];
    });
    t.equal(tsrunc(root, ['create', '--bundle', bundle, id]).status, 0);
    const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
    const r = tsrunc(root, ['start', id]);
    t.equal(r.status, 1, `${kind}: start fails`);
    t.match(r.stderr, new RegExp(`^tsrunc: ${kind} hook #0 \`/bin/sh\`: exit status 3$`, 'm'), `${kind}: the error names the hook`);
    t.ok(await waitFor(() => !alive(pid)), `${kind}: the container process is gone`);
    t.equal(JSON.parse(tsrunc(root, ['state', id]).stdout).status, 'stopped');
    t.equal(tsrunc(root, ['delete', id]).status, 0);
  }
});

t.test('a failing poststop hook is a warning: delete succeeds', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('poststop');
  const bundle = hookBundle(t, tempDir(t), (s) => (s.hooks!.poststop = [failing]));
  t.equal(tsrunc(root, ['create', '--bundle', bundle, id]).status, 0);
  const r = tsrunc(root, ['delete', '--force', id]);
  t.equal(r.status, 0, r.stderr);
  t.match(r.stderr, /^tsrunc: warning: poststop hook #0 `\/bin\/sh`: exit status 3$/m);
  t.equal(tsrunc(root, ['state', id]).status, 1, 'deleted');
});

t.test('a hook past its timeout is killed and fails', async (t) => {
  const root = stateRoot(t);
  const bundle = hookBundle(t, tempDir(t), (s) => (s.hooks!.createRuntime = [{ path: '/bin/sh', args: ['sh', '-c', 'sleep 30'], timeout: 1 }]));
  const start = Date.now();
  const r = tsrunc(root, ['create', '--bundle', bundle, uniqueId('timeout')]);
  t.equal(r.status, 1);
  t.match(r.stderr, /createRuntime hook #0 `\/bin\/sh`: timed out after 1s/);
  t.ok(Date.now() - start < 20_000, 'did not wait for the hook to finish');
});
