// exec: a second process in a running container, in its namespaces and cgroups, with the process
// settings applied; foreground exit status, --detach with --pid-file, a terminal, and the errors.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { alive, makeBundle, rootSkipReason, stateRoot, tempDir, tsrunc, tsruncBin, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

/** A running container (sleep) and a way to exec into it. */
function running(t: Test): { root: string; id: string; pid: number; exec: (...args: string[]) => ReturnType<typeof tsrunc> } {
  const root = stateRoot(t);
  const id = uniqueId('exec');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '1000'];
    s.process!.env = ['PATH=/bin', 'FROM_CONFIG=yes'];
    s.linux!.namespaces!.push({ type: 'cgroup' });
  });
  t.equal(tsrunc(root, ['run', '-d', '--bundle', bundle, id]).status, 0);
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
  t.teardown(() => void tsrunc(root, ['delete', '--force', id]));
  return { root, id, pid, exec: (...args) => tsrunc(root, ['exec', ...args]) };
}

t.test('output, exit status, and the container’s namespaces', async (t) => {
  const { id, pid, exec } = running(t);
  const r = exec(id, 'sh', '-c', 'echo out; echo err >&2; exit 5');
  t.equal(r.status, 5, 'the process’s exit status');
  t.equal(r.stdout, 'out\n');
  t.equal(r.stderr, 'err\n');
  const probe = exec(id, 'sh', '-c', 'for n in pid mnt uts net ipc cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done');
  t.equal(probe.status, 0, probe.stderr);
  const seen = Object.fromEntries(probe.stdout.trim().split('\n').map((l) => l.split(' ')));
  for (const n of ['pid', 'mnt', 'uts', 'net', 'ipc', 'cgroup']) t.equal(seen[n], fs.readlinkSync(`/proc/${pid}/ns/${n}`), `${n}: the init’s`);
  t.not(seen.mnt, fs.readlinkSync('/proc/self/ns/mnt'), 'not the host’s mount namespace');
  t.equal(exec(id, 'sh', '-c', 'exit 0').status, 0);
});

t.test('--detach with --pid-file: the same cgroups as the init, and a pid in its pid namespace', async (t) => {
  const { id, pid, exec } = running(t);
  const pidFile = path.join(tempDir(t), 'exec.pid');
  const r = exec('--detach', '--pid-file', pidFile, id, 'sleep', '30');
  t.equal(r.status, 0, r.stderr);
  const text = fs.readFileSync(pidFile, 'utf8');
  t.match(text, /^\d+$/, 'digits only');
  const execPid = Number(text);
  t.ok(alive(execPid), 'it runs after exec returned');
  t.equal(fs.readFileSync(`/proc/${execPid}/cgroup`, 'utf8'), fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'), 'the init’s cgroups');
  t.equal(fs.readlinkSync(`/proc/${execPid}/ns/pid`), fs.readlinkSync(`/proc/${pid}/ns/pid`));
});

t.test('env, cwd, user, capabilities and no_new_privs are applied', async (t) => {
  const { id, exec } = running(t);
  const r = exec('--env', 'EXTRA=1', '--cwd', '/tmp', '--user', '1000:1000', '--no-new-privs', id, 'sh', '-c',
    'echo "$FROM_CONFIG $EXTRA"; pwd; id -u; id -g; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status');
  t.equal(r.status, 0, r.stderr);
  const [env, cwd, uid, gid, capEff, nnp] = r.stdout.trim().split('\n');
  t.equal(env, 'yes 1', 'config env plus --env');
  t.equal(cwd, '/tmp');
  t.same([uid, gid], ['1000', '1000']);
  t.match(capEff, /^CapEff:\s+0+$/, 'a non-root user has no effective capabilities');
  t.match(nnp, /^NoNewPrivs:\s+1$/);
  const withCap = exec('--user', '1000:1000', '--cap', 'CAP_NET_RAW', id, 'sh', '-c', 'grep CapEff /proc/self/status');
  t.match(withCap.stdout, /^CapEff:\s+0+2000$/m, '--cap adds CAP_NET_RAW (bit 13) as an ambient capability');
});

t.test('--process FILE, validated like config.json', async (t) => {
  const { id, exec } = running(t);
  const dir = tempDir(t);
  const file = path.join(dir, 'process.json');
  fs.writeFileSync(file, JSON.stringify({ cwd: '/', args: ['sh', '-c', 'echo "$WHO"'], env: ['WHO=from-file'], user: { uid: 0, gid: 0 } }));
  const r = exec('--process', file, id);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'from-file\n');
  fs.writeFileSync(file, JSON.stringify({ cwd: '/', args: 'sh' }));
  const bad = exec('--process', file, id);
  t.equal(bad.status, 1);
  t.match(bad.stderr, /^tsrunc: process\.json: \/args: must be an array \(config\.md#configProcess\)$/m);
});

t.test('a terminal: exec -t under a real pty', { skip: spawnSync('script', ['--version']).status === 0 ? false : 'script(1) from util-linux is needed' }, async (t) => {
  const { root, id } = running(t);
  const command = `stty rows 20 cols 70; ${tsruncBin} --root ${root} exec -t ${id} sh -c 'tty; stty size; exit 3'`;
  const r = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
  t.equal(r.status, 3, r.stderr);
  t.match(r.stdout, /\/dev\/pts\/\d+/);
  t.match(r.stdout, /20 70/);
});

t.test('exec into a stopped or unknown container fails clearly', async (t) => {
  const { root, id, pid } = running(t);
  t.equal(tsrunc(root, ['kill', id, 'KILL']).status, 0);
  t.ok(await waitFor(() => !alive(pid)));
  const r = tsrunc(root, ['exec', id, 'true']);
  t.equal(r.status, 1);
  t.match(r.stderr, /^tsrunc: cannot exec in a stopped container$/m);
  const unknown = tsrunc(root, ['exec', 'no-such', 'true']);
  t.equal(unknown.status, 1);
  t.match(unknown.stderr, /container does not exist/);
  const missing = tsrunc(root, ['exec', id]);
  t.equal(missing.status, 1);
});

t.test('exec --preserve-fds passes the caller’s fd 3 on', async (t) => {
  const { root, id } = running(t);
  const dir = tempDir(t);
  fs.writeFileSync(path.join(dir, 'in'), 'passed\n');
  const fd3 = fs.openSync(path.join(dir, 'in'), 'r');
  const r = spawnSync(tsruncBin, ['--root', root, 'exec', '--preserve-fds', '1', id, 'sh', '-c', 'cat <&3'], {
    stdio: ['ignore', 'pipe', 'pipe', fd3],
    encoding: 'utf8',
    timeout: 60_000,
  });
  fs.closeSync(fd3);
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'passed\n');
});
