// What a case gets to work with: a runtime driven only through runtime.md's operations on its
// command line (create, start, state, kill, delete, and features), bundles made from a minimal
// config.json over the busybox rootfs, and a look inside the container through the checker
// (conformance/checker.sh, run by busybox sh in the container, printing JSON). Nothing here
// imports tsrunc: the suite judges any OCI runtime the same way.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
export const CHECKER = path.join(here, 'checker.sh');

/** A failed expectation: the case fails with this message. */
export class CaseFailure extends Error {}
/** The host cannot show this: the case is skipped with this reason, never passed. */
export class CaseSkip extends Error {}

export function expect(condition, message) {
  if (!condition) throw new CaseFailure(message);
}

export function skip(reason) {
  throw new CaseSkip(reason);
}

/** The config every case starts from: runtime-spec's Linux basics, no terminal, a read-only busybox rootfs. */
export function baseConfig(rootfs) {
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: false,
      user: { uid: 0, gid: 0 },
      args: ['sh', '-c', 'true'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'],
      cwd: '/',
      capabilities: {
        bounding: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        effective: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
        permitted: ['CAP_AUDIT_WRITE', 'CAP_KILL', 'CAP_NET_BIND_SERVICE'],
      },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: rootfs, readonly: true },
    hostname: 'conformance',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc' },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware'],
      readonlyPaths: ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'],
    },
  };
}

/**
 * One case's world for one runtime: a private state root and scratch directory, a unique token
 * in every container's environment (so leftovers of a misbehaving runtime can be found and
 * killed), and cleanup that runs whatever happened.
 */
export class World {
  constructor(runtime, rootfs, timeoutMs) {
    this.runtime = runtime;
    this.timeoutMs = timeoutMs;
    this.dir = fs.mkdtempSync(path.join(os.tmpdir(), 'oci-conformance-'));
    fs.chmodSync(this.dir, 0o755);
    // A copy per case: runtimes create mount points in the rootfs, and a broken one may damage it.
    this.rootfs = path.join(this.dir, 'base-rootfs');
    const copy = spawnSync('cp', ['-a', rootfs, this.rootfs], { encoding: 'utf8' });
    if (copy.status !== 0) throw new Error(`copying the rootfs: ${copy.stderr}`);
    // The checker's mount points exist, as in an image made for it: a container whose root is
    // mapped to another host uid could not create them in a root-owned rootfs.
    fs.mkdirSync(path.join(this.rootfs, 'out'), { recursive: true });
    fs.writeFileSync(path.join(this.rootfs, 'checker.sh'), '');
    this.root = path.join(this.dir, 'state');
    this.token = `OCI_CONFORMANCE=${path.basename(this.dir)}`;
    this.ids = new Set();
    this.count = 0;
  }

  /** A fresh container id (remembered for cleanup). */
  id(name = 'c') {
    const id = `${name}-${path.basename(this.dir).slice(-6)}-${++this.count}`;
    this.ids.add(id);
    return id;
  }

  /** A directory shared with the container at /out (read-write), for what the checker writes. */
  out() {
    const d = path.join(this.dir, `out${++this.count}`);
    fs.mkdirSync(d, { mode: 0o777 });
    fs.chmodSync(d, 0o777);
    return d;
  }

  /** Writes a bundle whose config is baseConfig changed by `mutate`; returns its directory. */
  bundle(mutate = () => {}) {
    const dir = path.join(this.dir, `bundle${++this.count}`);
    fs.mkdirSync(dir);
    const config = baseConfig(this.rootfs);
    config.process.env.push(this.token);
    mutate(config);
    fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
    return dir;
  }

  /** A bundle whose process runs the checker with `args`, writing its JSON to <out>/<name>.json. */
  checkerBundle(out, args, mutate = () => {}) {
    return this.bundle((c) => {
      c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
      c.mounts.push({ destination: '/checker.sh', type: 'bind', source: CHECKER, options: ['bind', 'ro'] });
      c.process.args = ['sh', '/checker.sh', ...args];
      mutate(c);
    });
  }

  /**
   * Runs `runtime --root <root> args…`; resolves with status, signal, stdout, stderr. Output goes
   * through files: a created container inherits them, and a pipe would stay open until it exits.
   */
  async run(args, { timeoutMs = this.timeoutMs, input } = {}) {
    const n = ++this.count;
    const outFile = path.join(this.dir, `stdout${n}`);
    const errFile = path.join(this.dir, `stderr${n}`);
    const fds = [fs.openSync(outFile, 'w+'), fs.openSync(errFile, 'w+')];
    try {
      const child = spawn(this.runtime.path, ['--root', this.root, ...args], { stdio: [input === undefined ? 'ignore' : 'pipe', fds[0], fds[1]], timeout: timeoutMs });
      if (input !== undefined) child.stdin.end(input);
      const [status, signal] = await new Promise((resolve) => {
        child.on('error', (e) => resolve([null, e.code]));
        child.on('exit', (c, s) => resolve([c, s]));
      });
      return { args, status, signal, stdout: fs.readFileSync(outFile, 'utf8'), stderr: fs.readFileSync(errFile, 'utf8'), stdoutFile: outFile };
    } finally {
      for (const fd of fds) fs.closeSync(fd);
    }
  }

  /** `state <id>` parsed; undefined when the runtime reports an error. */
  async state(id) {
    const r = await this.run(['state', id]);
    if (r.status !== 0) return undefined;
    try {
      return JSON.parse(r.stdout);
    } catch {
      throw new CaseFailure(`state ${id} printed no JSON: ${JSON.stringify(r.stdout.slice(0, 200))}`);
    }
  }

  /** Polls `check` (sync or async) every 20 ms until it holds or `ms` pass. */
  async waitFor(check, ms = 5000) {
    const end = Date.now() + ms;
    for (;;) {
      if (await check()) return true;
      if (Date.now() > end) return false;
      await new Promise((r) => setTimeout(r, 20));
    }
  }

  /** Reads <out>/<file> once the container wrote it (the checker writes atomically). */
  async result(out, name = 'result', ms = 10_000) {
    const file = path.join(out, `${name}.json`);
    if (!(await this.waitFor(() => fs.existsSync(file), ms))) throw new CaseFailure(`the container wrote no ${name}.json within ${ms / 1000}s`);
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  }

  /** Every process still carrying this world's token, host-wide. */
  leftoverProcesses() {
    const pids = [];
    for (const name of fs.readdirSync('/proc')) {
      if (!/^\d+$/.test(name)) continue;
      try {
        if (fs.readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(this.token)) pids.push(Number(name));
      } catch {
        // gone, or a kernel thread
      }
    }
    return pids;
  }

  /** Deletes every container of the case, kills what a broken runtime left, removes the files. */
  async cleanup() {
    for (const id of this.ids) await this.run(['delete', '--force', id], { timeoutMs: 10_000 }).catch(() => {});
    for (const pid of this.leftoverProcesses()) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
    // A case that stopped half-way (a failed expectation, a skip) may have left a host mount under the
    // directory: rmSync would delete through it, then fail on the mount point and end the whole run.
    this.unmountLeftovers();
    try {
      fs.rmSync(this.dir, { recursive: true, force: true });
    } catch (e) {
      this.unmountLeftovers();
      try {
        fs.rmSync(this.dir, { recursive: true, force: true });
      } catch {
        process.stderr.write(`conformance: could not remove ${this.dir}: ${e.message}\n`);
      }
    }
  }

  /** Detaches every mount at or under this world's directory, deepest first (mount(8)'s umount -l). */
  unmountLeftovers() {
    let real;
    try {
      real = fs.realpathSync(this.dir);
    } catch {
      return;
    }
    const unescape = (p) => p.replace(/\\([0-7]{3})/g, (_, o) => String.fromCharCode(parseInt(o, 8)));
    const points = fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => unescape(l.split(' ')[4] ?? ''))
      .filter((p) => p === real || p.startsWith(`${real}/`));
    for (const p of [...new Set(points)].sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', p]);
  }
}
