// The lifecycle of runtime.md, driven through the CLI exactly as a manager drives runc:
// create → created → start → running → (process exits) → stopped → delete.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { alive, busyboxRootfs, makeBundle, rootSkipReason, runScript, stateRoot, tempDir, tsrunc, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

t.test('create, start, exit, delete with state checked at each step', async (t) => {
  const root = stateRoot(t);
  const dir = tempDir(t);
  const pidFile = path.join(dir, 'init.pid');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', 'sleep 1'];
    s.annotations = { 'org.example.key': 'value' };
  });
  const id = uniqueId('life');

  const created = tsrunc(root, ['create', '--bundle', bundle, '--pid-file', pidFile, id]);
  t.equal(created.status, 0, created.stderr);
  t.equal(created.stdout, '', 'create prints nothing');
  const pidText = fs.readFileSync(pidFile, 'utf8');
  t.match(pidText, /^\d+$/, 'pid file: digits only, no newline');
  const pid = Number(pidText);

  const state = (): Record<string, unknown> => {
    const r = tsrunc(root, ['state', id]);
    t.equal(r.status, 0, r.stderr);
    return JSON.parse(r.stdout);
  };
  const s1 = state();
  // containerd and conmon exec the runtime with a minimal environment: nothing may depend on it.
  const bare = tsrunc(root, ['state', id], { env: {} });
  t.equal(bare.status, 0, `state with an empty environment: ${bare.stderr}`);
  t.same(JSON.parse(bare.stdout), s1, 'the same state with an empty environment');
  t.match(s1, {
    ociVersion: '1.3.0',
    id,
    pid,
    status: 'created',
    bundle: fs.realpathSync(bundle),
    rootfs: fs.realpathSync(busyboxRootfs),
    owner: '',
    annotations: { 'org.example.key': 'value' },
  });
  t.match(s1.created, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d/);
  t.ok(alive(pid), 'the init waits at the gate');
  t.equal(fs.readlinkSync(`/proc/${pid}/exe`).startsWith('/memfd:tsrunc-init'), true, 'before start the init is the sealed helper, not a host binary');

  const started = tsrunc(root, ['start', id]);
  t.equal(started.status, 0, started.stderr);
  t.match(state(), { status: 'running', pid });
  t.equal(fs.readlinkSync(`/proc/${pid}/exe`).endsWith('/bin/busybox'), true, 'the same pid became the user process');

  t.ok(await waitFor(() => !alive(pid), 5000), 'the process exits');
  t.match(state(), { status: 'stopped', pid: 0 });

  const deleted = tsrunc(root, ['delete', id]);
  t.equal(deleted.status, 0, deleted.stderr);
  const gone = tsrunc(root, ['state', id]);
  t.equal(gone.status, 1);
  t.match(gone.stderr, /container does not exist/);
});

t.test('list shows containers in table and json form', async (t) => {
  const root = stateRoot(t);
  const bundle = makeBundle(t, (s) => (s.process!.args = ['sleep', '10']));
  const a = uniqueId('list-a');
  t.equal(tsrunc(root, ['create', '--bundle', bundle, a]).status, 0);
  const json = tsrunc(root, ['list', '--format', 'json']);
  t.equal(json.status, 0, json.stderr);
  t.match(JSON.parse(json.stdout), [{ id: a, status: 'created', bundle: fs.realpathSync(bundle) }]);
  const table = tsrunc(root, ['list']);
  t.match(table.stdout, /^ID\s+PID\s+STATUS\s+BUNDLE\s+CREATED\s+OWNER\n/);
  t.match(table.stdout, new RegExp(`${a}\\s+\\d+\\s+created`));
  t.equal(tsrunc(root, ['delete', '--force', a]).status, 0);
  t.equal(tsrunc(root, ['list', '-q']).stdout, '');
});

t.test('a killed created container reads as stopped', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('killcreated');
  t.equal(tsrunc(root, ['create', '--bundle', makeBundle(t), id]).status, 0);
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
  const k = tsrunc(root, ['kill', id, 'TERM']);
  t.equal(k.status, 0, k.stderr);
  t.ok(await waitFor(() => !alive(pid)), 'SIGTERM ends an init waiting at the gate, as with runc');
  t.match(JSON.parse(tsrunc(root, ['state', id]).stdout), { status: 'stopped' });
  const s = tsrunc(root, ['start', id]);
  t.equal(s.status, 1);
  t.match(s.stderr, /cannot start a container that has stopped/);
  t.equal(tsrunc(root, ['delete', id]).status, 0);
});

t.test('a config.json without a process: created, entered by exec, refused by start with no effect, deleted', async (t) => {
  // config.md: process is REQUIRED only when start is called; runtime.md Start: start MUST
  // generate an error if process was not set. runc refuses such a config at create.
  const root = stateRoot(t);
  const bundle = makeBundle(t, (s) => {
    delete s.process;
    s.hostname = 'noproc';
  });
  const id = uniqueId('noproc');
  const created = tsrunc(root, ['create', '--bundle', bundle, id]);
  t.equal(created.status, 0, created.stderr);
  const state = () => JSON.parse(tsrunc(root, ['state', id]).stdout) as { status: string; pid: number };
  const { pid } = state();
  t.match(state(), { status: 'created' });
  const exec = tsrunc(root, ['exec', id, 'hostname']);
  t.equal(exec.status, 0, exec.stderr);
  t.equal(exec.stdout, 'noproc\n', 'exec enters the container the init holds');
  const started = tsrunc(root, ['start', id]);
  t.equal(started.status, 1);
  t.match(started.stderr, /no process \(config\.md#configProcess/);
  t.match(state(), { status: 'created', pid }, 'start had no effect: the same init still waits');
  t.ok(alive(pid));
  const deleted = tsrunc(root, ['delete', '--force', id]);
  t.equal(deleted.status, 0, deleted.stderr);
  t.notOk(alive(pid), 'delete ended the init');
  t.same(fs.readdirSync(root).filter((n) => !n.startsWith('~')), [], 'no state left');

  // run cannot start it either: refused before anything is made.
  const ran = tsrunc(root, ['run', '--bundle', bundle, uniqueId('noproc-run')]);
  t.equal(ran.status, 1);
  t.match(ran.stderr, /config\.json: \/process: is required to run a container/);
  t.same(fs.readdirSync(root).filter((n) => !n.startsWith('~')), [], 'run left no state');
});

t.test('no file descriptor of the runtime reaches the container', async (t) => {
  // Only stdio, plus the directory ls itself opens to list /proc/self/fd.
  const r = runScript(t, stateRoot(t), 'ls /proc/self/fd');
  t.equal(r.status, 0, r.stderr);
  t.same(r.stdout.trim().split(/\s+/).map(Number).filter((fd) => fd > 3), [], `fds seen: ${r.stdout.trim().replace(/\n/g, ' ')}`);
});

t.test('--preserve-fds passes the caller’s fds 3.. on, and only those', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const dir = tempDir(t);
  for (const word of ['three', 'four']) fs.writeFileSync(path.join(dir, word), `${word}\n`);
  const fd3 = fs.openSync(path.join(dir, 'three'), 'r');
  const fd4 = fs.openSync(path.join(dir, 'four'), 'r');
  const out = path.join(dir, 'out');
  const outFd = fs.openSync(out, 'w');
  const root = stateRoot(t);
  const bundle = makeBundle(t, (s) => (s.process!.args = ['sh', '-c', 'cat <&3; cat <&4; ls /proc/self/fd']));
  const { tsruncBin } = await import('../helpers/cli.js');
  const r = spawnSync(tsruncBin, ['--root', root, 'run', '--preserve-fds', '2', '--bundle', bundle, uniqueId('pfds')], {
    stdio: ['ignore', outFd, 'inherit', fd3, fd4],
    timeout: 60_000,
  });
  for (const fd of [fd3, fd4, outFd]) fs.closeSync(fd);
  t.equal(r.status, 0);
  const [three, four, ...fds] = fs.readFileSync(out, 'utf8').trim().split('\n');
  t.same([three, four], ['three', 'four'], 'fds 3 and 4 are the caller’s');
  t.same(fds.map(Number).filter((fd) => fd > 5), [], `nothing else leaks (${fds.join(' ')}; 5 is ls’s own)`);
});
