// `run` returns the container's exit status; `kill` delivers the signal it is given.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { alive, containersIn, makeBundle, rootSkipReason, runScript, stateRoot, tempDir, tsrunc, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

t.test('run exits with the container’s exit code', async (t) => {
  const root = stateRoot(t);
  const r = runScript(t, root, 'echo out; echo err >&2; exit 7');
  t.equal(r.status, 7);
  t.equal(r.stdout, 'out\n', 'the container writes to the runtime’s stdout');
  t.match(r.stderr, /^err$/m);
  t.same(containersIn(root), [], 'run deletes the container');
});

t.test('run reports death by signal as 128 + signo', async (t) => {
  // Without a pid namespace of its own the shell is not an init, so SIGKILL to itself works.
  const r = runScript(t, stateRoot(t), 'kill -9 $$', (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
  });
  t.equal(r.status, 137);
});

t.test('kill delivers the named signal to the container process', async (t) => {
  const root = stateRoot(t);
  const shared = tempDir(t);
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', 'trap "echo USR1 > /shared/got; exit 0" USR1; trap "echo HUP > /shared/got" HUP; echo ready > /shared/ready; while :; do sleep 0.05; done'];
    s.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['bind'] });
  });
  const id = uniqueId('kill');
  t.equal(tsrunc(root, ['run', '--detach', '--bundle', bundle, id]).status, 0);
  t.ok(await waitFor(() => fs.existsSync(path.join(shared, 'ready'))), 'the container is up');
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;

  const hup = tsrunc(root, ['kill', id, 'SIGHUP']);
  t.equal(hup.status, 0, hup.stderr);
  t.ok(await waitFor(() => fs.existsSync(path.join(shared, 'got')) && fs.readFileSync(path.join(shared, 'got'), 'utf8') === 'HUP\n'), 'SIGHUP by full name');
  t.equal(tsrunc(root, ['kill', id, '10']).status, 0, 'USR1 by number');
  t.ok(await waitFor(() => fs.readFileSync(path.join(shared, 'got'), 'utf8') === 'USR1\n'), 'USR1 arrived');
  t.ok(await waitFor(() => !alive(pid)), 'the trap exited the container');

  const again = tsrunc(root, ['kill', id, 'KILL']);
  t.equal(again.status, 1);
  t.match(again.stderr, /container not running/);
  t.equal(tsrunc(root, ['delete', id]).status, 0);
});

t.test('kill --all signals every process in the container’s pid namespace', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('killall');
  const bundle = makeBundle(t, (s) => (s.process!.args = ['sh', '-c', 'sleep 100 & sleep 100 & wait']));
  t.equal(tsrunc(root, ['run', '-d', '--bundle', bundle, id]).status, 0);
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
  const nsOf = (p: number) => fs.readlinkSync(`/proc/${p}/ns/pid`);
  const members = () => fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).filter((e) => {
    try {
      return nsOf(Number(e)) === nsOf(pid) && alive(Number(e));
    } catch {
      return false;
    }
  });
  t.ok(await waitFor(() => members().length === 3), 'init and two sleeps');
  const kinds = members();
  const ps = tsrunc(root, ['ps', '--format', 'json', id]);
  t.equal(ps.status, 0, ps.stderr);
  t.same(JSON.parse(ps.stdout), kinds.map(Number).sort((a, b) => a - b), 'ps --format json: the pids, init first (containerd parses this)');
  t.equal(tsrunc(root, ['kill', '--all', id, 'KILL']).status, 0);
  t.ok(await waitFor(() => kinds.every((p) => !alive(Number(p)))), 'all gone');
  t.equal(tsrunc(root, ['delete', id]).status, 0);
});

t.test('without its own pid namespace, ps and kill --all follow the init’s descendants', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('killtree');
  const bundle = makeBundle(t, (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    s.process!.args = ['sh', '-c', 'sleep 100 & sleep 100 & wait'];
  });
  t.equal(tsrunc(root, ['run', '-d', '--bundle', bundle, id]).status, 0);
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
  const pids = () => JSON.parse(tsrunc(root, ['ps', '-f', 'json', id]).stdout) as number[];
  t.ok(await waitFor(() => pids().length === 3), 'init and two sleeps');
  const all = pids();
  t.equal(all[0], pid, 'init first');
  const table = tsrunc(root, ['ps', id]);
  t.match(table.stdout, /^UID\s+PID\s+PPID/, 'the table is ps -ef’s, header first');
  t.equal(table.stdout.trim().split('\n').length, 4, 'header and the three processes');
  t.equal(tsrunc(root, ['kill', '--all', id, 'KILL']).status, 0);
  t.ok(await waitFor(() => all.every((p) => !alive(p))), 'all gone');
  t.same(pids(), [], 'a stopped container has no processes');
  t.equal(tsrunc(root, ['delete', id]).status, 0);
});
