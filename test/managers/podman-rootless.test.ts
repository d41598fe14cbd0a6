// Rootless podman (issue 16): podman and conmon run as an unprivileged user and drive the runtime
// under test (`--runtime`) from inside podman's own user namespace (the user's uid mapped to 0, its
// /etc/subuid range above it), with private storage (vfs), the cgroupfs manager and no network.
// A foreground container, a detached one with an exec, stop and rm, nothing left afterwards; and
// what podman hands the runtime: its argv, its environment, the user namespace it runs in and the
// config.json of each create, recorded by a spy between podman and the runtime.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { waitFor } from '../helpers/cli.js';
import { asUser, rootlessSkipReason, rootlessUser, runtimeForUser, userEnv, userScratch } from '../helpers/rootless.js';
import { buildOciArchive, InvocationLog, leftovers, managersSkipReason, processesWith, runtimeUnderTest } from './harness.js';

const skip = rootlessSkipReason() ?? managersSkipReason('podman', 'conmon');
if (skip) t.plan(0, skip);
else suite();

/** One invocation of the runtime as the spy saw it (the spy runs where the runtime would). */
interface Sighting {
  argv: string[];
  env: Map<string, string>;
  euid: number;
  uidMap: number[][];
  gidMap: number[][];
  userns: string;
  cwd: string;
  config?: Spec;
}

// The parts of config.json read here.
interface Spec {
  process?: { user?: { uid: number; gid: number }; rlimits?: unknown[]; capabilities?: Record<string, string[]>; noNewPrivileges?: boolean };
  root?: { path: string; readonly?: boolean };
  mounts?: { destination: string; type?: string; source?: string; options?: string[] }[];
  linux?: {
    namespaces?: { type: string; path?: string }[];
    uidMappings?: unknown[];
    gidMappings?: unknown[];
    resources?: Record<string, unknown>;
    cgroupsPath?: string;
    devices?: unknown[];
    seccomp?: { defaultAction: string };
    maskedPaths?: string[];
    readonlyPaths?: string[];
  };
}

/**
 * A script between InvocationLog's wrapper and the runtime: for each invocation a directory with
 * its argv, environment, euid, uid/gid maps, user namespace and cwd, and the bundle's config.json
 * when there is one; then it execs the runtime.
 */
function writeSpy(dir: string, binary: string): string {
  const spy = path.join(dir, 'spy');
  fs.writeFileSync(
    spy,
    [
      '#!/bin/sh',
      `d='${dir}/sightings/'$(date +%s%N)-$$`,
      'mkdir -p "$d"',
      `{ for a in "$@"; do printf '%s\\037' "$a"; done; } > "$d/argv"`,
      'env > "$d/env"',
      'id -u > "$d/euid"',
      'cat /proc/self/uid_map > "$d/uid_map"',
      'cat /proc/self/gid_map > "$d/gid_map"',
      'readlink /proc/self/ns/user > "$d/userns"',
      'pwd > "$d/cwd"',
      'prev=',
      'for a in "$@"; do',
      '  case "$prev" in --bundle|-b) cp "$a/config.json" "$d/config.json" 2>/dev/null ;; esac',
      '  case "$a" in --bundle=*) cp "${a#--bundle=}/config.json" "$d/config.json" 2>/dev/null ;; esac',
      '  prev=$a',
      'done',
      `exec '${binary}' "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  return spy;
}

function sightings(dir: string): Sighting[] {
  const root = path.join(dir, 'sightings');
  if (!fs.existsSync(root)) return [];
  const read = (d: string, f: string) => (fs.existsSync(path.join(root, d, f)) ? fs.readFileSync(path.join(root, d, f), 'utf8') : '');
  const map = (text: string) => text.trim().split('\n').filter(Boolean).map((l) => l.trim().split(/\s+/).map(Number));
  return fs
    .readdirSync(root)
    .sort()
    .map((d) => {
      const config = read(d, 'config.json');
      const env = new Map<string, string>();
      for (const line of read(d, 'env').split('\n')) {
        const at = line.indexOf('=');
        if (at > 0) env.set(line.slice(0, at), line.slice(at + 1));
      }
      return {
        argv: read(d, 'argv').split('\x1f').filter((a) => a !== ''),
        env,
        euid: Number(read(d, 'euid').trim()),
        uidMap: map(read(d, 'uid_map')),
        gidMap: map(read(d, 'gid_map')),
        userns: read(d, 'userns').trim(),
        cwd: read(d, 'cwd').trim(),
        ...(config ? { config: JSON.parse(config) as Spec } : {}),
      };
    });
}

/** The subcommand of an argv (the first argument that is one), as InvocationLog.shapes() finds it. */
function subcommand(argv: string[]): string {
  const commands = ['create', 'start', 'state', 'kill', 'delete', 'exec', 'pause', 'resume', 'update', 'ps', 'features', 'run', 'events', 'list', 'spec'];
  return argv.find((a) => commands.includes(a)) ?? '(none)';
}

/**
 * The runtime commands rootless podman 4.3 and conmon 2.1 use for info, run, run -d (-t), exec (-t),
 * stop and rm. `--log-format=json --log <file>` go only to the runtimes containers.conf's
 * runtime_supports_json names (by the basename of --runtime: crun, runc, kata, runsc, krun).
 */
function expectedShapes(name: string): string[] {
  const json = ['crun', 'runc', 'kata', 'runsc', 'krun'].includes(name) ? '--log-format --log ' : '';
  return [
    '(none) --version',
    `${json}create --bundle --pid-file`,
    `${json}create --bundle --pid-file --console-socket`,
    `${json}exec --pid-file --process --detach`,
    `${json}exec --pid-file --process --detach --tty --console-socket`,
    'delete --force',
    'kill',
    'start',
  ].sort();
}

function suite(): void {
  const runtime = runtimeUnderTest();
  const user = rootlessUser();
  const scratch = userScratch(user, 'tsrunc-podman-rootless-');
  const dir = scratch.dir;
  const forUser = runtimeForUser(user, runtime.binary);
  const log = new InvocationLog(dir, { ...runtime, binary: writeSpy(dir, forUser.binary) });
  for (const sub of ['home', 'config', 'data', 'tmp', 'sightings']) {
    fs.mkdirSync(path.join(dir, sub));
    fs.chownSync(path.join(dir, sub), user.uid, user.gid);
  }
  const conf = path.join(dir, 'containers.conf');
  // Limits this host can grant (root here lacks CAP_SYS_RESOURCE, and podman's default is above them).
  fs.writeFileSync(conf, ['[containers]', 'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]', 'log_driver = "k8s-file"', 'netns = "none"', '[engine]', 'events_logger = "file"', 'cgroup_manager = "cgroupfs"', ''].join('\n'));
  const tmpdir = path.join(dir, 'tmp');
  const global = ['--root', path.join(dir, 'storage'), '--runroot', path.join(dir, 'run'), '--storage-driver', 'vfs', '--cgroup-manager', 'cgroupfs', '--events-backend', 'file', '--tmpdir', tmpdir, '--runtime', log.wrapper];
  // The user's login environment (its XDG_RUNTIME_DIR), with nothing written to its real home.
  const env = userEnv(user, { HOME: path.join(dir, 'home'), XDG_CONFIG_HOME: path.join(dir, 'config'), XDG_DATA_HOME: path.join(dir, 'data'), TMPDIR: tmpdir, CONTAINERS_CONF: conf });
  // Through `env -i`: exactly this environment (tap adds NODE_OPTIONS and its own variables to every
  // child's, and podman hands its own environment on to some runtime commands).
  const podman = (args: string[], timeout = 60_000) =>
    asUser(user, 'env', ['-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'podman', ...global, ...args], { env, timeout, cwd: dir });
  /** podman under script(1), as the user: a real terminal on its stdin and stdout. */
  const terminal = (args: string[]) => {
    const line = ['env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), 'podman', ...global, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const r = asUser(user, 'script', ['-qec', line, '/dev/null'], { env, timeout: 60_000, cwd: dir });
    return { ...r, stdout: r.stdout.replace(/\r/g, '') };
  };
  const runtimeRoot = path.join(user.runtimeDir, runtime.name);
  const image = 'localhost/tsrunc-busybox:latest';
  const run = ['run', '--network', 'none'];
  let serial = 0;
  const marker = (what: string) => `tsrunc-rootless-${what}-${process.pid}-${serial++}`;
  const markers: string[] = [];
  const ids: string[] = [];
  const idFrom = (cidfile: string) => (fs.existsSync(cidfile) ? fs.readFileSync(cidfile, 'utf8').trim() : '');
  /** podman's pause process: it holds the user namespace and the mount namespace podman mounts in. */
  const pausePid = (): number | undefined => {
    const file = path.join(tmpdir, 'pause.pid');
    if (!fs.existsSync(file)) return undefined;
    const pid = Number(fs.readFileSync(file, 'utf8').trim());
    try {
      // Ours only: the user's, and still podman (not a recycled pid).
      if (fs.statSync(`/proc/${pid}`).uid !== user.uid || !fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').startsWith('podman')) return undefined;
    } catch {
      return undefined;
    }
    return pid;
  };
  /** What a container left: state, cgroup, host mount, process (harness), and in podman's namespace a mount; anything under the user's runtime dir named after it. */
  const left = (id: string, mark: string): string[] => {
    const found = leftovers(id, runtimeRoot);
    for (const pid of processesWith(mark)) found.push(`process ${pid} with ${mark}`);
    const pause = pausePid();
    let inPodman = '';
    try {
      inPodman = pause ? fs.readFileSync(`/proc/${pause}/mountinfo`, 'utf8') : '';
    } catch {
      // gone meanwhile: its namespace with it
    }
    for (const line of inPodman.split('\n')) if (line.includes(id)) found.push(`mount in podman's namespace ${line.split(' ')[4]}`);
    const named = spawnSync('find', [user.runtimeDir, '-name', `*${id}*`], { encoding: 'utf8' }).stdout.trim();
    if (named) found.push(...named.split('\n').map((f) => `file ${f}`).filter((f) => !found.includes(`state ${f.slice(5)}`)));
    return [...new Set(found)];
  };
  const nothingLeft = async (t: Test, id: string, mark: string) => {
    await waitFor(() => left(id, mark).length === 0, 10_000);
    t.same(left(id, mark), [], `${id.slice(0, 12)}: no process, state, mount or cgroup left`);
  };

  t.teardown(() => {
    podman(['rm', '--all', '--force', '--time', '0'], 30_000);
    // Whatever of ours still runs: container processes (by marker), conmon and podman cleanup (by
    // our scratch path in their argv), then the pause process, which takes podman's namespaces along.
    const ours = [...new Set([...markers.flatMap((m) => processesWith(m)), ...processesWith(dir)])].filter((p) => p !== process.pid);
    for (const pid of ours) spawnSync('kill', ['-KILL', String(pid)]);
    const pause = pausePid();
    if (pause) spawnSync('kill', ['-KILL', String(pause)]);
    for (const id of ids) if (id) fs.rmSync(path.join(runtimeRoot, id), { recursive: true, force: true });
    // podman's own directories in the user's runtime dir, when it left them empty.
    for (const d of ['libpod', 'containers']) spawnSync('rmdir', [path.join(user.runtimeDir, d)]);
    forUser.cleanup();
    // vfs layers hold files of the subuid range: root removes them (after unmounting anything left).
    scratch.cleanup();
  });

  t.comment(`runtime under test: ${runtime.binary}${forUser.binary !== runtime.binary ? ` (as ${forUser.binary})` : ''}, user ${user.name} (uid ${user.uid}, subuids ${user.subuid.start}+${user.subuid.count})`);

  t.test('the user loads an image into podman’s private storage; podman is rootless and uses the wrapper', async (t) => {
    const archive = buildOciArchive(dir, image);
    const info = podman(['info', '--format', '{{.Host.Security.Rootless}} {{.Host.OCIRuntime.Path}} {{.Store.GraphDriverName}} {{.Store.GraphRoot}}']);
    t.equal(info.stdout.trim(), `true ${log.wrapper} vfs ${path.join(dir, 'storage')}`, `rootless, the wrapper as its runtime, private vfs storage (stderr: ${info.stderr.trim()})`);
    const loaded = podman(['load', '--input', archive]);
    t.equal(loaded.status, 0, `podman load (stderr: ${loaded.stderr.trim()})`);
    t.match(loaded.stdout, `Loaded image: ${image}`, 'the image loaded under its name');
    t.match(podman(['images', '--format', '{{.Repository}}:{{.Tag}}']).stdout, image, 'podman images lists it');
  });

  t.test('a foreground container: uid 0 inside, the user and its subuid range in the map, exit status 3', async (t) => {
    const mark = marker('fg');
    markers.push(mark);
    const cid = path.join(dir, `cid-${serial++}`);
    const r = podman([...run, '--rm', '--cidfile', cid, image, 'sh', '-c', 'id -u; cat /proc/self/uid_map /proc/self/gid_map; exit 3', mark]);
    const id = idFrom(cid);
    ids.push(id);
    t.equal(r.status, 3, `podman's exit status is the container's (stderr: ${r.stderr.trim()})`);
    const lines = r.stdout.trim().split('\n');
    t.equal(lines[0], '0', 'uid 0 inside');
    const map = lines.slice(1).map((l) => l.trim().split(/\s+/).map(Number));
    const expected = (range: { start: number; count: number }, own: number) => [
      [0, own, 1],
      [1, range.start, range.count],
    ];
    t.same(map.slice(0, 2), expected(user.subuid, user.uid), 'uid_map: 0 is the user, 1… its subuid range');
    t.same(map.slice(2), expected(user.subgid, user.gid), 'gid_map: 0 is the user’s group, 1… its subgid range');
    if (id) await nothingLeft(t, id, mark);
    else t.fail(`no container id (podman: ${r.stderr.trim()})`);
  });

  t.test('a detached container: running, exec (output and status), stop with SIGTERM, rm', async (t) => {
    const mark = marker('bg');
    markers.push(mark);
    const name = `bg-${process.pid}-${serial++}`;
    const cid = path.join(dir, `cid-${serial++}`);
    const started = podman([...run, '-d', '--cidfile', cid, '--name', name, image, 'sh', '-c', 'trap "exit 143" TERM; while :; do sleep 0.1; done', mark]);
    const id = idFrom(cid);
    ids.push(id);
    t.equal(started.status, 0, `run -d (stderr: ${started.stderr.trim()})`);
    if (started.status !== 0) {
      if (id) await nothingLeft(t, id, mark);
      return;
    }
    t.match(podman(['ps', '--format', '{{.Names}} {{.Status}}']).stdout, new RegExp(`^${name} Up`, 'm'), 'listed as running');
    t.ok(await waitFor(() => processesWith(mark).length > 0), 'its process runs on the host');
    const e = podman(['exec', name, 'sh', '-c', `echo from-exec; id -u; grep -q ${mark} /proc/1/cmdline && echo sees-pid-1; exit 4`]);
    t.same([e.stdout, e.status], ['from-exec\n0\nsees-pid-1\n', 4], `exec: output and exit status, in the container's pid namespace (stderr: ${e.stderr.trim()})`);
    const stopped = podman(['stop', '--time', '10', name]);
    t.equal(stopped.status, 0, `stop (stderr: ${stopped.stderr.trim()})`);
    t.equal(podman(['inspect', '--format', '{{.State.ExitCode}}', name]).stdout.trim(), '143', 'SIGTERM reached the trap: podman reports 143');
    const removed = podman(['rm', name]);
    t.equal(removed.status, 0, `rm (stderr: ${removed.stderr.trim()})`);
    await nothingLeft(t, id, mark);
  });

  t.test('a terminal: run -t and exec -t through a real pty (conmon’s console socket)', async (t) => {
    const mark = marker('tty');
    markers.push(mark);
    const name = `tty-${process.pid}-${serial++}`;
    const cid = path.join(dir, `cid-${serial++}`);
    const started = podman([...run, '-d', '-t', '--cidfile', cid, '--name', name, image, 'sh', '-c', 'trap "exit 143" TERM; while :; do sleep 0.1; done', mark]);
    const id = idFrom(cid);
    ids.push(id);
    t.equal(started.status, 0, `run -d -t (stderr: ${started.stderr.trim()})`);
    if (started.status === 0) {
      const tty = terminal(['exec', '-t', name, 'sh', '-c', 'tty; test -t 0 && echo is-a-tty; stat -c %u:%g $(tty)']);
      t.match(tty.stdout, /^\/dev\/pts\/\d+\nis-a-tty\n0:5\n/, `exec -t: a terminal, owned by root:tty inside (stderr: ${tty.stderr.trim()})`);
      t.equal(podman(['stop', '--time', '10', name]).status, 0, 'stop');
      t.equal(podman(['rm', name]).status, 0, 'rm');
    }
    if (id) await nothingLeft(t, id, mark);
  });

  t.test('afterwards: podman has no container, nothing mounted under its storage', async (t) => {
    t.same(podman(['ps', '--all', '--quiet']).stdout.trim(), '', 'podman has no container left');
    const pause = pausePid();
    const mounts = (file: string) =>
      fs
        .readFileSync(file, 'utf8')
        .split('\n')
        .map((l) => l.split(' ')[4] ?? '')
        .filter((m) => m.startsWith(`${dir}/`) && !m.startsWith(path.join(dir, 'storage', 'vfs') + '/') && m !== path.join(dir, 'storage', 'vfs'));
    t.same(mounts('/proc/self/mountinfo'), [], 'no mount under the scratch dir on the host');
    // podman keeps its storage's bind mounts (if any) in its namespace; nothing of a container may stay.
    if (pause) t.same(mounts(`/proc/${pause}/mountinfo`).filter((m) => /vfs-containers\//.test(m)), [], 'no container mount in podman’s namespace');
    const states = fs.existsSync(runtimeRoot) ? fs.readdirSync(runtimeRoot).filter((e) => ids.includes(e)) : [];
    t.same(states, [], `no state of ours in ${runtimeRoot}`);
  });

  t.test('what podman sends the runtime: argv, environment, user namespace, config.json', async (t) => {
    const seen = sightings(dir);
    t.ok(seen.length > 0, 'the spy saw invocations');
    const ownUserns = fs.readlinkSync('/proc/self/ns/user');
    const pause = pausePid();
    for (const s of seen) {
      t.comment(`${subcommand(s.argv)}: euid ${s.euid}, userns ${s.userns}${s.userns === ownUserns ? ' (the host’s)' : ''}, cwd ${s.cwd}, env ${[...s.env.keys()].sort().join(' ')}`);
    }
    const creates = seen.filter((s) => subcommand(s.argv) === 'create');
    t.ok(creates.length >= 2, 'two creates (the foreground and the detached container)');
    const nonVersion = seen.filter((s) => subcommand(s.argv) !== '(none)');
    t.ok(
      nonVersion.every((s) => s.euid === 0 && s.userns !== ownUserns),
      'every command runs as uid 0 of a user namespace, not the host’s',
    );
    if (pause) t.ok(nonVersion.every((s) => s.userns === fs.readlinkSync(`/proc/${pause}/ns/user`)), 'that namespace is podman’s (its pause process’s)');
    t.ok(
      nonVersion.every((s) => JSON.stringify(s.uidMap) === JSON.stringify([[0, user.uid, 1], [1, user.subuid.start, user.subuid.count]])),
      `its uid_map: 0 ${user.uid} 1, 1 ${user.subuid.start} ${user.subuid.count}`,
    );
    t.ok(
      nonVersion.every((s) => s.env.get('XDG_RUNTIME_DIR') === user.runtimeDir),
      `XDG_RUNTIME_DIR=${user.runtimeDir} in every command’s environment (where a runtime without --root keeps its state)`,
    );
    t.ok(
      seen.every((s) => !s.argv.some((a) => a === '--root' || a.startsWith('--root='))),
      'podman passes no --root',
    );
    t.ok(
      nonVersion.every((s) => s.env.get('USER') !== 'root'),
      'USER is not root (runc honours XDG_RUNTIME_DIR as uid 0 of a user namespace only then)',
    );
    for (const s of seen) if (s.env.has('USER') || s.env.has('HOME')) t.comment(`${subcommand(s.argv)}: USER=${s.env.get('USER') ?? '(unset)'} HOME=${s.env.get('HOME') ?? '(unset)'}`);
    const spec = creates[0]?.config;
    t.ok(spec, 'the create’s bundle had a config.json');
    if (!spec) return;
    const linux = spec.linux ?? {};
    t.same(
      (linux.namespaces ?? []).map((n) => n.type),
      ['pid', 'network', 'ipc', 'uts', 'mount'],
      'namespaces: pid network ipc uts mount: no user namespace (the runtime is already in podman’s) and no cgroup namespace',
    );
    t.notOk(linux.uidMappings ?? linux.gidMappings, 'no uid/gid mappings');
    t.same(linux.resources ?? {}, {}, 'linux.resources is empty');
    t.equal(linux.cgroupsPath, undefined, 'no cgroupsPath (cgroup v1, rootless: podman leaves cgroups alone)');
    t.equal(linux.devices, undefined, 'no linux.devices: the default devices are the runtime’s to make (bind-mounted from the host in a user namespace)');
    const special = (spec.mounts ?? []).filter((m) => ['sysfs', 'cgroup', 'mqueue', 'devpts', 'proc', 'tmpfs'].includes(m.type ?? ''));
    t.same(
      special.map((m) => `${m.destination} ${m.type}`),
      ['/proc proc', '/dev tmpfs', '/sys sysfs', '/dev/pts devpts', '/dev/mqueue mqueue', '/sys/fs/cgroup cgroup'],
      'the special mounts podman asks for',
    );
    t.comment(`config.json: process.user ${JSON.stringify(spec.process?.user)}, root ${JSON.stringify(spec.root)}`);
    t.comment(`  linux.namespaces ${JSON.stringify(linux.namespaces)}`);
    t.comment(`  linux.uidMappings ${JSON.stringify(linux.uidMappings)} gidMappings ${JSON.stringify(linux.gidMappings)}`);
    t.comment(`  linux.resources ${JSON.stringify(linux.resources)} cgroupsPath ${JSON.stringify(linux.cgroupsPath)} devices ${JSON.stringify(linux.devices)}`);
    t.comment(`  process.rlimits ${JSON.stringify(spec.process?.rlimits)} noNewPrivileges ${JSON.stringify(spec.process?.noNewPrivileges)}`);
    t.comment(`  linux.seccomp.defaultAction ${linux.seccomp?.defaultAction}, maskedPaths ${(linux.maskedPaths ?? []).length}, readonlyPaths ${(linux.readonlyPaths ?? []).length}`);
    for (const m of spec.mounts ?? []) t.comment(`  mount ${m.destination} ${m.type} ${m.source} ${JSON.stringify(m.options)}`);
  });

  t.test('what podman and conmon invoked', async (t) => {
    const shapes = log.shapes();
    for (const s of shapes) t.comment(`podman → ${runtime.name} ${s}`);
    for (const argv of log.entries()) t.comment(`  ${argv.map((a) => a.replace(dir, '<scratch>').replace(/[0-9a-f]{64}/g, '<id>')).join(' ')}`);
    t.same(shapes, expectedShapes(runtime.name), 'the commands rootless podman uses (with --log-format json only for a runtime it knows)');
  });
}

