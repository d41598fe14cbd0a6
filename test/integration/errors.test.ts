// runtime.md's error cases: each a clear error, exit status 1, and no change to the container.
import t from 'tap';
import { alive, makeBundle, rootSkipReason, stateRoot, tsrunc, uniqueId } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

t.test('operations in the wrong state or on unknown ids', async (t) => {
  const root = stateRoot(t);
  const bundle = makeBundle(t, (s) => (s.process!.args = ['sleep', '30']));
  const id = uniqueId('err');
  t.equal(tsrunc(root, ['create', '--bundle', bundle, id]).status, 0);
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;

  const expectError = (args: string[], message: RegExp) => {
    const r = tsrunc(root, args);
    t.equal(r.status, 1, `${args.join(' ')} fails`);
    t.match(r.stderr, message, args.join(' '));
    t.equal(r.stdout, '');
  };
  expectError(['create', '--bundle', bundle, id], /^tsrunc: container with id exists: /);
  expectError(['delete', id], /cannot delete container .* that is not stopped: created/);
  for (const op of ['state', 'start', 'kill', 'delete']) expectError([op, 'no-such-container'], /container does not exist/);
  expectError(['kill', id, 'NOTASIGNAL'], /unknown signal/);
  t.match(JSON.parse(tsrunc(root, ['state', id]).stdout), { status: 'created', pid }, 'unchanged by the failures');

  t.equal(tsrunc(root, ['start', id]).status, 0);
  expectError(['start', id], /cannot start an already running container/);
  expectError(['delete', id], /that is not stopped: running/);
  t.ok(alive(pid), 'still running after the refused operations');

  t.equal(tsrunc(root, ['kill', id, 'KILL']).status, 0);
  const waitStopped = () => JSON.parse(tsrunc(root, ['state', id]).stdout).status === 'stopped';
  for (let i = 0; i < 100 && !waitStopped(); i++) await new Promise((r) => setTimeout(r, 50));
  expectError(['kill', id, 'TERM'], /container not running/);
  t.equal(tsrunc(root, ['kill', '--all', id, '9']).status, 0, 'kill --all of a stopped container succeeds, as runc (managers send it when init exits)');
  t.equal(tsrunc(root, ['delete', id]).status, 0);
});

t.test('delete --force: kills a running container; an unknown id exits 0', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('force');
  t.equal(tsrunc(root, ['run', '-d', '--bundle', makeBundle(t, (s) => (s.process!.args = ['sleep', '30'])), id]).status, 0);
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
  const r = tsrunc(root, ['delete', '--force', id]);
  t.equal(r.status, 0, r.stderr);
  t.notOk(alive(pid), 'the process is gone when delete returns');
  const unknown = tsrunc(root, ['delete', '--force', 'never-existed']);
  t.equal(unknown.status, 0, 'containerd’s cleanup relies on this');
  t.equal(unknown.stderr, '');
});

t.test('log file gets runc-shaped JSON records', async (t) => {
  const root = stateRoot(t);
  const fs = await import('node:fs');
  const path = await import('node:path');
  const log = path.join(root, '..', 'log.json');
  const r = tsrunc(root, ['--log', log, '--log-format', 'json', 'start', 'nope']);
  t.equal(r.status, 1);
  const records = fs.readFileSync(log, 'utf8').trim().split('\n').map((l: string) => JSON.parse(l));
  t.match(records, [{ level: 'error', msg: 'container does not exist: nope', time: /Z$/ }]);
});
