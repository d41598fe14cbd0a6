/**
 * The unprivileged user of the rootless tests (issue 16): made once (useradd gives it a
 * /etc/subuid and /etc/subgid range), with its own XDG_RUNTIME_DIR, and a copy of the runtime it
 * can reach when the repository is under a directory it may not enter (a clone in /root).
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { repoPath } from './repo.js';
import { busyboxRootfs } from './cli.js';
import type { Spec } from '../../src/spec/generated/config.js';

export const ROOTLESS_USER = 'tsrunc-rootless';

export interface IdRange {
  start: number;
  count: number;
}

export interface RootlessUser {
  name: string;
  uid: number;
  gid: number;
  home: string;
  /** Its XDG_RUNTIME_DIR (/run/user/<uid>), made as logind makes it. */
  runtimeDir: string;
  subuid: IdRange;
  subgid: IdRange;
}

export interface Result {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Why rootless tests cannot run here; undefined when they can. */
export function rootlessSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'the rootless tests make their unprivileged user as root';
  for (const c of ['useradd', 'newuidmap', 'newgidmap', 'flock']) {
    if (spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0) return `${c} is not installed (.ci/run installs uidmap)`;
  }
  return undefined;
}

function range(file: string, name: string): IdRange {
  const line = fs.readFileSync(file, 'utf8').split('\n').find((l) => l.startsWith(`${name}:`));
  if (!line) throw new Error(`${file} has no range for ${name}`);
  const [, start, count] = line.split(':');
  return { start: Number(start), count: Number(count) };
}

/** The test user, made if missing (several test files may ask at once: useradd runs under a lock). */
export function rootlessUser(): RootlessUser {
  const make = spawnSync('flock', ['/run/tsrunc-rootless-user.lock', 'sh', '-c', `id -u ${ROOTLESS_USER} >/dev/null 2>&1 || useradd --create-home --shell /bin/sh ${ROOTLESS_USER}`], { encoding: 'utf8' });
  if (make.status !== 0) throw new Error(`useradd ${ROOTLESS_USER}: ${make.stderr}`);
  const id = (flag: string) => Number(spawnSync('id', [flag, ROOTLESS_USER], { encoding: 'utf8' }).stdout.trim());
  const uid = id('-u');
  const gid = id('-g');
  const runtimeDir = `/run/user/${uid}`;
  fs.mkdirSync('/run/user', { recursive: true, mode: 0o755 });
  fs.mkdirSync(runtimeDir, { recursive: true, mode: 0o700 });
  fs.chownSync(runtimeDir, uid, gid);
  fs.chmodSync(runtimeDir, 0o700);
  const home = fs.readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith(`${ROOTLESS_USER}:`))!.split(':')[5]!;
  return { name: ROOTLESS_USER, uid, gid, home, runtimeDir, subuid: range('/etc/subuid', ROOTLESS_USER), subgid: range('/etc/subgid', ROOTLESS_USER) };
}

/** The environment a login of the user would have (no root's PATH extras, no NODE_* of the test run). */
export function userEnv(user: RootlessUser, extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return { HOME: user.home, USER: user.name, LOGNAME: user.name, PATH: '/usr/local/bin:/usr/bin:/bin', XDG_RUNTIME_DIR: user.runtimeDir, ...extra };
}

/**
 * Runs a command as the user (setuid/setgid, no supplementary groups), like a login shell would;
 * with `cgroup` (a cgroup directory) it starts there, as a login's systemd --user starts it in its
 * delegated subtree: moved as root, then the ids dropped with setpriv. Output goes through files,
 * not pipes: a created container inherits the runtime's stdio (as with runc), so a pipe would stay
 * open until the container exits.
 */
export function asUser(user: RootlessUser, command: string, args: string[], options: { env?: NodeJS.ProcessEnv; input?: string; timeout?: number; cwd?: string; cgroup?: string } = {}): Result {
  const inCgroup = options.cgroup !== undefined;
  const argv = inCgroup
    ? ['sh', '-c', 'echo $$ > "$2/cgroup.procs" && g=$1 && shift 2 && exec setpriv --reuid="$0" --regid="$g" --clear-groups -- "$@"', String(user.uid), String(user.gid), options.cgroup!, command, ...args]
    : [command, ...args];
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-as-user-'));
  const out = fs.openSync(path.join(dir, 'stdout'), 'w+');
  const err = fs.openSync(path.join(dir, 'stderr'), 'w+');
  try {
    const r = spawnSync(argv[0]!, argv.slice(1), {
      ...(inCgroup ? {} : { uid: user.uid, gid: user.gid }),
      cwd: options.cwd ?? user.home,
      env: options.env ?? userEnv(user),
      input: options.input,
      timeout: options.timeout ?? 60_000,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', out, err],
    });
    const read = (name: string) => fs.readFileSync(path.join(dir, name), 'utf8');
    return { status: r.status, signal: r.signal, stdout: read('stdout'), stderr: read('stderr') };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Whether `user` can execute `file` (every directory above it searchable). */
function reachable(user: RootlessUser, file: string): boolean {
  return asUser(user, 'test', ['-x', file]).status === 0;
}

/**
 * The runtime binary as the user can run it: dist/tsrunc itself where the user can reach it,
 * else a copy (with the addon and init helper it loads, in the same layout) in a temp directory
 * that `cleanup` removes.
 */
export function runtimeForUser(user: RootlessUser, binary = repoPath('dist/tsrunc')): { binary: string; cleanup: () => void } {
  if (path.basename(binary) !== 'tsrunc' || reachable(user, binary)) return { binary, cleanup: () => {} };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-for-user-'));
  fs.chmodSync(dir, 0o755);
  const root = path.dirname(path.dirname(binary));
  for (const rel of ['dist/tsrunc', 'addon/build/Release/tsrunc.node', 'addon/build/Release/tsrunc-init', 'package.json']) {
    fs.mkdirSync(path.join(dir, path.dirname(rel)), { recursive: true, mode: 0o755 });
    fs.copyFileSync(path.join(root, rel), path.join(dir, rel));
  }
  return { binary: path.join(dir, 'dist/tsrunc'), cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** A directory owned by the user (under /tmp, so any clone location works), removed by `cleanup`. */
export function userScratch(user: RootlessUser, prefix: string): { dir: string; cleanup: () => void } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chownSync(dir, user.uid, user.gid);
  return {
    dir,
    cleanup: () => {
      spawnSync('umount', ['--recursive', '--lazy', dir]);
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export interface RootlessWorkspace {
  user: RootlessUser;
  /** The runtime binary the user can run. */
  runtime: string;
  /** A directory of the user's, and its own copy of the busybox rootfs in it. */
  dir: string;
  rootfs: string;
  cleanup(): void;
}

/** The user, a runtime it can run, and a scratch directory with its own rootfs (the checkout may be out of its reach). */
export function rootlessWorkspace(prefix: string): RootlessWorkspace {
  const user = rootlessUser();
  const runtime = runtimeForUser(user);
  const scratch = userScratch(user, prefix);
  const rootfs = path.join(scratch.dir, 'rootfs');
  fs.cpSync(busyboxRootfs, rootfs, { recursive: true, verbatimSymlinks: true });
  spawnSync('chown', ['-R', `${user.uid}:${user.gid}`, rootfs]);
  return {
    user,
    runtime: runtime.binary,
    dir: scratch.dir,
    rootfs,
    cleanup: () => {
      scratch.cleanup();
      runtime.cleanup();
    },
  };
}

let bundles = 0;

/** A bundle of the user's in `ws`: `tsrunc spec --rootless` as the user wrote it, no terminal, changed by `mutate`. */
export function rootlessBundle(ws: RootlessWorkspace, mutate: (s: Spec) => void = () => {}): string {
  const dir = path.join(ws.dir, `bundle-${++bundles}`);
  fs.mkdirSync(dir);
  fs.chownSync(dir, ws.user.uid, ws.user.gid);
  const made = asUser(ws.user, ws.runtime, ['spec', '--rootless', '--bundle', dir]);
  if (made.status !== 0) throw new Error(`spec --rootless: ${made.stderr}`);
  const spec = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Spec;
  spec.root = { path: ws.rootfs, readonly: true };
  spec.process!.terminal = false;
  mutate(spec);
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec));
  return dir;
}
