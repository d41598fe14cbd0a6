// Rootless mode (issue 16): tsrunc run by an unprivileged user made by the test set-up, as runc and
// crun are under rootless podman. Every container here is the user's: its state under the user's
// XDG_RUNTIME_DIR, its user namespace mapped from the user's own ids and /etc/subuid ranges, no
// cgroup of its own on this cgroup v1 host. Each test ends with nothing of it left.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { waitFor } from '../helpers/cli.js';
import { asUser, type Result, rootlessBundle, rootlessSkipReason, rootlessWorkspace, userEnv } from '../helpers/rootless.js';
import type { Spec } from '../../src/spec/generated/config.js';

const skip = rootlessSkipReason();
if (skip) t.plan(0, skip);

const ws = rootlessWorkspace('tsrunc-rootless-');
t.teardown(ws.cleanup);
const { user } = ws;
const runtime = { binary: ws.runtime };
const scratch = { dir: ws.dir };

/** tsrunc as the user, with the user's login environment (no --root unless given). */
function tsrunc(args: string[], options: { env?: NodeJS.ProcessEnv; input?: string } = {}): Result {
  return asUser(user, runtime.binary, args, { env: options.env ?? userEnv(user), input: options.input });
}

const stateDir = path.join(user.runtimeDir, 'tsrunc');
/** A bundle of the user's (rootlessBundle), deleted with its container at teardown. */
function bundle(t: Test, mutate: (s: Spec) => void = () => {}): { dir: string; id: string } {
  const dir = rootlessBundle(ws, mutate);
  const id = `rl${process.pid}-${path.basename(dir)}`;
  t.teardown(() => {
    tsrunc(['delete', '--force', id]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return { dir, id };
}

/** What a container `id` (marked by `marker` in its command line) could have left. */
function leftovers(id: string, marker: string): string[] {
  const left: string[] = [];
  if (fs.existsSync(path.join(stateDir, id))) left.push(`state ${path.join(stateDir, id)}`);
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(scratch.dir)) left.push(`mount ${line.split(' ')[4]}`);
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) left.push(`process ${pid}`);
    } catch {
      // exited meanwhile
    }
  }
  return left;
}

t.test('run as the user: root inside, the uid map of `spec --rootless`, the exit status, state under XDG_RUNTIME_DIR', async (t) => {
  const marker = `mark-${process.pid}-run`;
  const { dir, id } = bundle(t, (s) => {
    s.process!.args = ['sh', '-c', `id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map; cat /proc/self/setgroups; exit 7 # ${marker}`];
  });
  const r = tsrunc(['run', '--bundle', dir, id]);
  t.equal(r.status, 7, `the container's exit status (stderr: ${r.stderr})`);
  const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  t.same(lines.slice(0, 5), ['0', '0', `0 ${user.uid} 1`, `0 ${user.gid} 1`, 'deny'], 'root of a namespace that maps only the user, setgroups denied');
  t.same(leftovers(id, marker), [], 'nothing left');
  t.ok(fs.existsSync(stateDir), `the state root is ${stateDir}`);
  t.equal(fs.statSync(stateDir).uid, user.uid, "and it is the user's");
});

t.test('the lifecycle: create, state, start, exec, ps, kill, delete', async (t) => {
  const marker = `mark-${process.pid}-life`;
  const { dir, id } = bundle(t, (s) => {
    s.process!.args = ['sh', '-c', `trap 'exit 0' TERM; echo ${marker} >/dev/null; while :; do sleep 0.1; done`];
  });
  const created = tsrunc(['create', '--bundle', dir, id]);
  t.equal(created.status, 0, `create (stderr: ${created.stderr})`);
  const state = () => JSON.parse(tsrunc(['state', id]).stdout) as { status: string; pid: number };
  t.equal(state().status, 'created');
  t.equal(fs.statSync(path.join(stateDir, id)).uid, user.uid, "the container's state is the user's");
  t.equal(tsrunc(['start', id]).status, 0, 'start');
  t.equal(state().status, 'running');
  const initPid = state().pid;
  t.equal(Number(fs.readFileSync(`/proc/${initPid}/status`, 'utf8').match(/^Uid:\s+(\d+)/m)![1]), user.uid, "the init runs as the user's uid on the host");
  const exec = tsrunc(['exec', id, 'sh', '-c', 'echo exec $(id -u) $(cat /proc/1/comm)']);
  t.equal(exec.stdout.trim(), 'exec 0 sh', `exec joins the container (stderr: ${exec.stderr})`);
  const ps = tsrunc(['ps', '--format', 'json', id]);
  t.equal(ps.status, 0, `ps (stderr: ${ps.stderr})`);
  t.ok((JSON.parse(ps.stdout) as number[]).includes(initPid), 'ps lists the init (found through its pid namespace: no cgroup of its own here)');
  const pause = tsrunc(['pause', id]);
  t.not(pause.status, 0, 'pause is refused without a cgroup freezer of its own');
  t.match(pause.stderr, /cgroup/, `and says why: ${pause.stderr.trim()}`);
  t.equal(tsrunc(['kill', id, 'TERM']).status, 0, 'kill');
  t.ok(await waitFor(() => state().status === 'stopped'), 'stopped after SIGTERM');
  t.equal(tsrunc(['delete', id]).status, 0, 'delete');
  t.same(leftovers(id, marker), [], 'nothing left');
});

t.test('kill --all without a cgroup: every process of the container, found through its pid namespace', async (t) => {
  const marker = `mark-${process.pid}-all`;
  const { dir, id } = bundle(t, (s) => {
    // The init ignores SIGTERM: only kill --all's own reach can end the exec'd process with it.
    s.process!.args = ['sh', '-c', `trap "" TERM; while :; do sleep 1; done # ${marker}`];
  });
  const run = tsrunc(['run', '--detach', '--bundle', dir, id]);
  t.equal(run.status, 0, `run --detach (stderr: ${run.stderr})`);
  const exec = tsrunc(['exec', '--detach', id, 'sleep', '301']);
  t.equal(exec.status, 0, `exec --detach (stderr: ${exec.stderr})`);
  const execd = () =>
    fs.readdirSync('/proc').filter((p) => {
      try {
        return /^\d+$/.test(p) && fs.readFileSync(`/proc/${p}/cmdline`, 'utf8') === 'sleep\x00301\x00';
      } catch {
        return false; // exited meanwhile
      }
    });
  t.ok(await waitFor(() => execd().length === 1), "the exec'd process runs");
  const all = tsrunc(['kill', '--all', id, 'TERM']);
  t.equal(all.status, 0, `kill --all (stderr: ${all.stderr})`);
  t.ok(await waitFor(() => execd().length === 0), "the exec'd process got SIGTERM too");
  t.match(JSON.parse(tsrunc(['state', id]).stdout), { status: 'running' }, 'the init ignored it');
  t.equal(tsrunc(['kill', id, 'KILL']).status, 0);
  t.ok(await waitFor(() => (JSON.parse(tsrunc(['state', id]).stdout) as { status: string }).status === 'stopped'), 'stopped');
  t.equal(tsrunc(['delete', id]).status, 0, 'delete');
  t.same(leftovers(id, marker), [], 'nothing left');
});

t.test('a subuid range through newuidmap/newgidmap: the maps inside, and file owners on a bind mount', async (t) => {
  const shared = path.join(scratch.dir, `shared-${process.pid}`);
  fs.mkdirSync(shared);
  fs.chownSync(shared, user.uid, user.gid);
  const { dir, id } = bundle(t, (s) => {
    s.linux!.uidMappings = [
      { containerID: 0, hostID: user.uid, size: 1 },
      { containerID: 1, hostID: user.subuid.start, size: 65536 },
    ];
    s.linux!.gidMappings = [
      { containerID: 0, hostID: user.gid, size: 1 },
      { containerID: 1, hostID: user.subgid.start, size: 65536 },
    ];
    s.process!.user = { uid: 0, gid: 0, additionalGids: [5] };
    const caps = [...s.process!.capabilities!.bounding!, 'CAP_CHOWN'];
    s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
    s.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
    s.process!.args = ['sh', '-c', 'cat /proc/self/uid_map /proc/self/gid_map; id -G; touch /shared/by-root; touch /shared/by-1000 && chown 1000:1000 /shared/by-1000'];
  });
  const r = tsrunc(['run', '--bundle', dir, id]);
  t.equal(r.status, 0, `run (stderr: ${r.stderr})`);
  const lines = r.stdout.trim().split('\n').map((l) => l.trim().split(/\s+/).join(' '));
  t.same(lines, [`0 ${user.uid} 1`, `1 ${user.subuid.start} 65536`, `0 ${user.gid} 1`, `1 ${user.subgid.start} 65536`, '0 5'], 'both ranges mapped; additional gids work (setgroups allowed by newgidmap)');
  const owner = (f: string) => {
    const st = fs.statSync(path.join(shared, f));
    return [st.uid, st.gid];
  };
  t.same(owner('by-root'), [user.uid, user.gid], "root's file is the user's on the host");
  t.same(owner('by-1000'), [user.subuid.start + 999, user.subgid.start + 999], 'uid 1000 is subuid start + 999 on the host');
});

t.test("what the user namespace cannot make is bound from the host: device nodes, and sysfs without the container's own network namespace", async (t) => {
  const script = [
    // /dev/null is the host's node (1:3), bound: writable, not a copy made with mknod.
    'stat -c "%t:%T" /dev/null; echo x > /dev/null && echo null-writable',
    'stat -c "%t:%T" /dev/fuse 2>/dev/null || echo no-fuse',
    'ls /sys/class/net | tr "\n" " "; echo',
    'grep " /sys " /proc/self/mountinfo | cut -d" " -f4,5,6 | cut -d, -f1',
  ].join('; ');
  const sysfs = { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] };
  const hostNet = fs.readdirSync('/sys/class/net').sort();
  const { dir, id } = bundle(t, (s) => {
    s.mounts = s.mounts!.map((m) => (m.destination === '/sys' ? sysfs : m));
    s.linux!.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666 }];
    s.process!.args = ['sh', '-c', script];
  });
  const noNet = tsrunc(['run', '--bundle', dir, id]);
  t.equal(noNet.status, 0, `run (stderr: ${noNet.stderr})`);
  const [nullDev, writable, fuse, nets, sysMount] = noNet.stdout.trim().split('\n');
  t.equal(nullDev, '1:3', '/dev/null is the host’s device');
  t.equal(writable, 'null-writable');
  t.equal(fuse, fs.existsSync('/dev/fuse') ? 'a:e5' : 'no-fuse', 'linux.devices: /dev/fuse bound from the host where it has one');
  t.same(nets!.trim().split(' ').sort(), hostNet, "sysfs could not be mounted (the network namespace is the host's): /sys is the host's, bound");
  t.match(sysMount, /^\/ \/sys ro$/, 'bound read-only, as asked');

  const own = bundle(t, (s) => {
    s.mounts = s.mounts!.map((m) => (m.destination === '/sys' ? sysfs : m));
    s.linux!.namespaces!.push({ type: 'network' });
    s.process!.args = ['sh', '-c', script];
  });
  const withNet = tsrunc(['run', '--bundle', own.dir, own.id]);
  t.equal(withNet.status, 0, `run with its own network namespace (stderr: ${withNet.stderr})`);
  t.equal(withNet.stdout.trim().split('\n')[3]!.trim(), 'lo', 'with a network namespace of its own, sysfs is mounted fresh: only its lo');
});

t.test("execCPUAffinity.initial: without a cgroup move to reset it, the exec'd process keeps its initial CPUs", async (t) => {
  const { dir, id } = bundle(t, (s) => (s.process!.args = ['sleep', '60']));
  t.equal(tsrunc(['run', '--detach', '--bundle', dir, id]).status, 0, 'run --detach');
  const processFile = path.join(dir, 'process.json');
  const cpus = (affinity: object) => {
    fs.writeFileSync(processFile, JSON.stringify({ cwd: '/', args: ['sh', '-c', "grep Cpus_allowed_list /proc/self/status | tr -d '\\t'"], execCPUAffinity: affinity }));
    const r = tsrunc(['exec', '--process', processFile, id]);
    t.equal(r.status, 0, `exec (stderr: ${r.stderr.trim()})`);
    return r.stdout.trim();
  };
  t.equal(cpus({ initial: '1' }), 'Cpus_allowed_list:1', 'initial alone: the CPUs it started on');
  t.equal(cpus({ initial: '1', final: '0' }), 'Cpus_allowed_list:0', 'final wins once set');
});

t.test('features answers as the user what it answers as root', async (t) => {
  const asRoot = spawnSync(runtime.binary, ['features'], { encoding: 'utf8' });
  const mine = tsrunc(['features']);
  t.equal(mine.status, 0, `features (stderr: ${mine.stderr})`);
  t.same(JSON.parse(mine.stdout), JSON.parse(asRoot.stdout));
});

t.test('a tty through --console-socket, as the user', async (t) => {
  const socketPath = path.join(scratch.dir, `console-${process.pid}.sock`);
  const receiver = spawn(
    'python3',
    [
      '-c',
      [
        'import array, os, socket, sys',
        'server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); server.bind(sys.argv[1]); server.listen(1)',
        'print("listening", flush=True)',
        'conn, _ = server.accept(); fds = array.array("i")',
        'data, anc, flags, addr = conn.recvmsg(256, socket.CMSG_LEN(4 * fds.itemsize))',
        '[fds.frombytes(p[: len(p) - len(p) % fds.itemsize]) for (l, k, p) in anc]',
        'out = b""',
        'while True:',
        '    try: chunk = os.read(fds[0], 4096)',
        '    except OSError: break',
        '    if not chunk: break',
        '    out += chunk',
        'print(os.isatty(fds[0]), out.decode(errors="replace").replace("\\r", "").strip(), flush=True)',
      ].join('\n'),
      socketPath,
    ],
    { uid: user.uid, gid: user.gid, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let output = '';
  receiver.stdout.on('data', (d: Buffer) => (output += d.toString()));
  t.teardown(() => receiver.kill());
  t.ok(await waitFor(() => output.includes('listening')), 'receiver listening');
  const { dir, id } = bundle(t, (s) => {
    s.process!.terminal = true;
    s.process!.args = ['sh', '-c', '[ -t 0 ] && echo tty-$(id -u)'];
  });
  const created = tsrunc(['create', '--bundle', dir, '--console-socket', socketPath, id]);
  t.equal(created.status, 0, `create with a console socket (stderr: ${created.stderr})`);
  t.equal(tsrunc(['start', id]).status, 0, 'start');
  t.ok(await waitFor(() => output.split('\n').length > 2, 10_000), 'the receiver got the output');
  t.match(output, /True tty-0/, 'the pty master reached the receiver and the process runs on the tty');
  t.equal(tsrunc(['delete', '--force', id]).status, 0);
});

t.test('what needs a cgroup or a privilege is refused clearly, and leaves nothing', async (t) => {
  const { dir, id } = bundle(t, (s) => {
    s.linux!.resources = { memory: { limit: 64 << 20 } };
    s.process!.args = ['sleep', '60'];
  });
  const limited = tsrunc(['run', '--bundle', dir, id]);
  t.not(limited.status, 0, 'a memory limit cannot be had without a cgroup');
  t.match(limited.stderr, /\/linux\/resources\/memory: rootless: a limit needs a cgroup of the container's own/, limited.stderr.trim());
  t.same(leftovers(id, 'sleep 60'), [], 'nothing left');

  const other = bundle(t, (s) => {
    s.process!.user = { uid: 0, gid: 0, additionalGids: [5] };
  });
  const gids = tsrunc(['run', '--bundle', other.dir, other.id]);
  t.not(gids.status, 0, 'additional gids with only the user’s own gid mapped');
  t.match(gids.stderr, /\/process\/user\/additionalGids: rootless: .*setgroups is denied/, gids.stderr.trim());

  const noXdg = tsrunc(['state', 'x'], { env: { HOME: user.home, PATH: '/usr/bin:/bin' } });
  t.not(noXdg.status, 0, 'no XDG_RUNTIME_DIR and no --root');
  t.match(noXdg.stderr, /XDG_RUNTIME_DIR is not set.*--root/, noXdg.stderr.trim());
  const own = path.join(scratch.dir, 'own-root');
  const withRoot = tsrunc(['--root', own, 'list'], { env: { HOME: user.home, PATH: '/usr/bin:/bin' } });
  t.equal(withRoot.status, 0, `--root works without XDG_RUNTIME_DIR (stderr: ${withRoot.stderr})`);
});
