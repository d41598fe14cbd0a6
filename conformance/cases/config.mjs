// config.md: what each field of config.json must do, seen from inside the container (mount table,
// ids, limits, capabilities, scheduling, hooks' view of the world), and configs the runtime must
// refuse. Each case names the statements (conformance/statements.json) it checks.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, skip } from '../harness.mjs';

const failed = (r) => r.status !== 0 && r.status !== null;
const trimmed = (s) => s.trim().slice(0, 300);

/**
 * Runs a checker container to its end; returns the probes' results. With `refusable` (what the
 * config asks for), a clear error from create (or, with atStart, from start: process is applied
 * there) skips the case: runtime.md#runtimeCreate/5 lets a runtime refuse what it cannot apply.
 */
async function probe(w, probes, mutate = () => {}, { hold = false, refusable, atStart = false } = {}) {
  const out = w.out();
  const bundle = w.checkerBundle(out, ['r', ...probes, ...(hold ? ['--hold'] : [])], mutate);
  const id = w.id();
  const c = await w.run(['create', '--bundle', bundle, id]);
  if (refusable && failed(c) && c.stderr.trim()) skip(`the runtime refuses ${refusable} with an error at create (${trimmed(c.stderr)}), as runtime.md#runtimeCreate/5 allows`);
  expect(c.status === 0, `create succeeds (${trimmed(c.stderr)})`);
  const s = await w.run(['start', id]);
  if (refusable && atStart && failed(s) && s.stderr.trim()) skip(`the runtime refuses ${refusable} with an error at start (${trimmed(s.stderr)})`);
  expect(s.status === 0, `start succeeds (${trimmed(s.stderr)})`);
  return { r: await w.result(out, 'r'), id, out, bundle, create: c, start: s };
}

/** Whether the runtime refuses a valid config: its error, or undefined when create (and, with atStart, start) succeeded. */
async function refusesValid(w, mutate, { atStart = false } = {}) {
  const id = w.id();
  const c = await w.run(['create', '--bundle', w.bundle(mutate), id]);
  if (failed(c)) return trimmed(c.stderr) || `create exited ${c.status}`;
  if (!atStart) return undefined;
  const s = await w.run(['start', id]);
  return failed(s) ? trimmed(s.stderr) || `start exited ${s.status}` : undefined;
}

/**
 * A config the runtime must refuse: create is an error, and no container or process is left.
 * atStart, for process fields: runtime.md#runtimeCreate/4 applies process only at start, so an
 * error from start (after a create that succeeded) is a refusal too.
 */
async function refused(w, what, mutate, { atStart = false } = {}) {
  const id = w.id();
  const c = await w.run(['create', '--bundle', w.bundle(mutate), id]);
  if (!failed(c)) {
    const s = await w.run(['start', id]);
    expect(atStart && failed(s), `${what}: ${atStart ? 'create or start' : 'create'} is an error (create succeeded${failed(s) ? ', start failed' : ', and start succeeded too'})`);
    return;
  }
  const state = await w.state(id);
  expect(state === undefined, `${what}: no container is left after the failed create (state says ${state?.status})`);
  expect(w.leftoverProcesses().length === 0, `${what}: no process of it is left`);
}

/** /proc/self/mountinfo lines as objects. */
function mountinfo(text) {
  return text.split('\n').filter(Boolean).map((line) => {
    const [a, b = ''] = line.split(' - ');
    const f = a.split(' ');
    const g = b.split(' ');
    return { id: Number(f[0]), parent: Number(f[1]), root: f[3], mp: f[4], opts: f[5].split(','), optional: f.slice(6), fstype: g[0], source: g[1], sopts: (g[2] ?? '').split(','), line };
  });
}

/** The visible (topmost) mount at `mp`. */
function top(mounts, mp) {
  const at = mounts.filter((m) => m.mp === mp);
  return at.find((m) => !at.some((o) => o.parent === m.id)) ?? at[at.length - 1];
}

/** A host directory holding two host submounts: sub-a (plain tmpfs) and sub-b (ro,nosuid,nodev,noexec bind flags). Returns [dir, undo]. */
function hostTree(w) {
  const dir = w.out();
  fs.writeFileSync(path.join(dir, 'top-file'), 'top\n');
  const mounted = [];
  // A skip after the first mount must not leave it behind (World.cleanup cannot remove a mount point).
  const undo = () => { for (const d of mounted.reverse()) spawnSync('umount', ['-l', d]); };
  for (const sub of ['sub-a', 'sub-b']) {
    const d = path.join(dir, sub);
    fs.mkdirSync(d);
    const m = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m,mode=0755', 'tmpfs', d], { encoding: 'utf8' });
    if (m.status !== 0) {
      undo();
      skip(`this host cannot make a tmpfs submount (${m.stderr.trim()})`);
    }
    mounted.push(d);
    fs.writeFileSync(path.join(d, 'f'), `${sub}\n`);
  }
  const r = spawnSync('mount', ['-o', 'remount,bind,ro,nosuid,nodev,noexec', path.join(dir, 'sub-b')], { encoding: 'utf8' });
  if (r.status !== 0) {
    undo();
    skip(`this host cannot remount a bind read-only (${r.stderr.trim()})`);
  }
  return [dir, undo];
}

/** `features` parsed; undefined when the runtime gives none. */
async function featuresOf(w) {
  const f = await w.run(['features']);
  try {
    return f.status === 0 ? JSON.parse(f.stdout) : undefined;
  } catch {
    return undefined;
  }
}

/** A valid idmapped mount (the option `opt`: idmap or ridmap), as a control for the error cases. */
const validIdmap = (src, opt) => (c) => {
  const map = [{ containerID: 0, hostID: 1000, size: 1 }];
  c.mounts.push({ destination: '/idm', type: 'bind', source: src, options: [opt === 'ridmap' ? 'rbind' : 'bind', opt], uidMappings: map, gidMappings: map });
};

/**
 * A --console-socket receiver (python3 on the host, as Node cannot take a file descriptor over a
 * unix socket): it takes the pty master the runtime sends and copies what the container prints
 * into <file> until "DONE" or EOF. Returns [socketPath, outFile, child].
 */
function consoleReceiver(w, name) {
  const py = path.join(w.dir, 'console-receiver.py');
  fs.writeFileSync(py, `import os, socket, sys, time
path, outp = sys.argv[1], sys.argv[2]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
s.settimeout(20)
c, _ = s.accept()
msg, fds, flags, addr = socket.recv_fds(c, 4096, 1)
data = b''
end = time.time() + 15
while time.time() < end:
    try:
        b = os.read(fds[0], 4096)
    except OSError:
        break
    if not b:
        break
    data += b
    if b'DONE' in data:
        break
open(outp + '.tmp', 'wb').write(data)
os.rename(outp + '.tmp', outp)
`);
  const sock = path.join(w.dir, `${name}.sock`);
  const file = path.join(w.dir, `${name}.console`);
  const child = spawn('python3', [py, sock, file], { stdio: 'ignore' });
  return [sock, file, child];
}

/** Warnings a runtime gave: its stderr and its --log file. */
function warningsOf(runs, logFile) {
  return runs.map((r) => r.stderr).join('\n') + (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : '');
}

/** Capability bit numbers (capabilities(7)). */
const CAP = { CAP_KILL: 5, CAP_NET_BIND_SERVICE: 10, CAP_SYS_ADMIN: 21, CAP_SYS_RESOURCE: 24, CAP_AUDIT_WRITE: 29 };
const hasBit = (hex, bit) => ((BigInt(`0x${hex}`) >> BigInt(bit)) & 1n) === 1n;
const hostCapBnd = () => /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1];
/** This process's oom_score_adj: raising it needs no privilege, lowering it below oom_score_adj_min needs CAP_SYS_RESOURCE. */
const ownOomScoreAdj = () => Number(fs.readFileSync('/proc/self/oom_score_adj', 'utf8').trim());

// ---- hooks ------------------------------------------------------------------------------------

const HOOK_KINDS = ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'];

/**
 * A hook script on the host only (its path does not exist in the rootfs): it saves its stdin,
 * namespaces, argv, env and (for create-time hooks) the container's mount table as it sees it,
 * into <out>/<name>.*, and appends <name> to <out>/order.log.
 */
function hostHookScript(w) {
  const file = path.join(w.dir, 'host-only-hook.sh');
  fs.writeFileSync(file, `#!/bin/sh
name=$1; out=$2
cat > "$out/$name.stdin"
for ns in mnt net uts ipc; do readlink /proc/self/ns/$ns; done > "$out/$name.ns"
echo "$*" > "$out/$name.args"
echo "HOOK_ENV=$HOOK_ENV" > "$out/$name.env"
pid=$(sed -n 's/.*"pid": *\\([0-9][0-9]*\\).*/\\1/p' "$out/$name.stdin")
if [ -n "$pid" ]; then
  cat /proc/$pid/mountinfo > "$out/$name.pidmounts" 2>/dev/null
  readlink /proc/$pid/ns/net > "$out/$name.pidnet" 2>/dev/null
  tr '\\0' ' ' < /proc/$pid/cmdline > "$out/$name.cmdline" 2>/dev/null
fi
cat /proc/self/mountinfo > "$out/$name.selfmounts"
# The last poststart hook is slow: a runtime that does not wait for it returns from start before it is logged.
[ "$name" = poststart2 ] && sleep 1
echo "$name" >> "$out/order.log"
`, { mode: 0o755 });
  return file;
}

/** The same, for startContainer: a script that exists only inside the container, at /hookbin/hook.sh. */
function containerHookDir(w) {
  const dir = w.out();
  fs.writeFileSync(path.join(dir, 'hook.sh'), `#!/bin/sh
name=$1; out=$2
cat > "$out/$name.stdin"
for ns in mnt net uts ipc; do readlink /proc/self/ns/$ns; done > "$out/$name.ns"
echo "$*" > "$out/$name.args"
echo "$name" >> "$out/order.log"
`, { mode: 0o755 });
  return dir;
}

const hostNs = () => ['mnt', 'net', 'uts', 'ipc'].map((ns) => fs.readlinkSync(`/proc/self/ns/${ns}`)).join('\n');
const pidNs = (pid) => ['mnt', 'net', 'uts', 'ipc'].map((ns) => fs.readlinkSync(`/proc/${pid}/ns/${ns}`)).join('\n');
const readOut = (out, f) => (fs.existsSync(path.join(out, f)) ? fs.readFileSync(path.join(out, f), 'utf8') : undefined);
const orderLog = (out) => (readOut(out, 'order.log') ?? '').trim().split('\n').filter(Boolean);

/**
 * A full lifecycle with hooks of every kind (two of each, each naming itself kind1/kind2):
 * host-only script for the runtime-namespace kinds and createContainer, an in-container script
 * for startContainer. Returns what they saw.
 */
async function hookedLifecycle(w, { annotations } = {}) {
  const out = w.out();
  const script = hostHookScript(w);
  const hookbin = containerHookDir(w);
  const hooks = {};
  for (const kind of HOOK_KINDS) {
    hooks[kind] = [1, 2].map((n) => (kind === 'startContainer'
      ? { path: '/hookbin/hook.sh', args: ['hook.sh', `${kind}${n}`, '/out'] }
      : { path: script, args: ['host-only-hook.sh', `${kind}${n}`, out], env: ['HOOK_ENV=from-config', 'PATH=/usr/sbin:/usr/bin:/sbin:/bin'] }));
  }
  const bundle = w.checkerBundle(out, ['ran', 'mark=echo process >> /out/order.log', '--hold'], (c) => {
    c.mounts.push({ destination: '/hookbin', type: 'bind', source: hookbin, options: ['bind', 'ro'] });
    c.hooks = hooks;
    if (annotations) c.annotations = annotations;
  });
  const id = w.id();
  const c = await w.run(['create', '--bundle', bundle, id]);
  expect(c.status === 0, `create succeeds (${trimmed(c.stderr)})`);
  // The order log at each boundary: which hooks ran within create, which within start.
  const afterCreate = orderLog(out);
  const created = await w.state(id);
  const containerNs = pidNs(created.pid);
  const s = await w.run(['start', id]);
  expect(s.status === 0, `start succeeds (${trimmed(s.stderr)})`);
  const afterStart = orderLog(out);
  await w.result(out, 'ran');
  expect((await w.run(['kill', id, 'KILL'])).status === 0, 'kill succeeds');
  expect(await w.waitFor(async () => (await w.state(id))?.status === 'stopped'), 'the container stopped');
  const d = await w.run(['delete', id]);
  expect(d.status === 0, `delete succeeds (${trimmed(d.stderr)})`);
  const poststopBeforeDeleteReturned = readOut(out, 'poststop2.stdin') !== undefined;
  return { id, out, bundle, script, created, containerNs, afterCreate, afterStart, poststopBeforeDeleteReturned, order: orderLog(out) };
}

/** Create (and start, if that worked) with CAP_KILL and `cap`; what the runtime said (stderr and --log). */
async function capabilityMessages(w, cap) {
  const log = path.join(w.dir, 'runtime.log');
  const caps = ['CAP_KILL', cap];
  const bundle = w.bundle((c) => (c.process.capabilities = { bounding: caps, effective: caps, permitted: caps }));
  const id = w.id();
  const c = await w.run(['--log', log, 'create', '--bundle', bundle, id]);
  const runs = [c];
  if (c.status === 0) runs.push(await w.run(['--log', log, 'start', id]));
  return { c, said: warningsOf(runs, log) };
}

export const cases = [
  // ---- ociVersion, root ----------------------------------------------------------------------
  {
    name: 'config.md: an ociVersion that is not SemVer is refused',
    statements: ['config.md#configSpecificationVersion/1', 'config.md#configExtensibility/2'],
    async run(w) {
      for (const v of ['1.0', 'one.zero.two', '']) await refused(w, `ociVersion ${JSON.stringify(v)}`, (c) => (c.ociVersion = v));
      await refused(w, 'no ociVersion', (c) => delete c.ociVersion);
    },
  },
  {
    name: 'config.md: root is required, with a path, at which a directory must exist',
    statements: ['config.md#configRoot/3', 'config.md#configRoot/4', 'config.md#configRoot/7'],
    async run(w) {
      await refused(w, 'no root', (c) => delete c.root);
      await refused(w, 'root without path', (c) => delete c.root.path);
      const file = path.join(w.out(), 'not-a-dir');
      fs.writeFileSync(file, 'x');
      await refused(w, 'root.path naming a regular file', (c) => (c.root.path = file));
    },
  },
  {
    name: 'config.md: root.path "rootfs", relative to the bundle, is the container\'s root',
    statements: ['config.md#configRoot/4', 'config.md#configRoot/6'],
    async run(w) {
      const out = w.out();
      const bundle = w.checkerBundle(out, ['r', 'sh=ls /bin/busybox'], (c) => (c.root.path = 'rootfs'));
      // bundle/rootfs: a real directory (the busybox rootfs bound there), as a bundle would have it.
      const rootDir = path.join(bundle, 'rootfs');
      fs.mkdirSync(rootDir);
      const m = spawnSync('mount', ['--bind', w.rootfs, rootDir], { encoding: 'utf8' });
      if (m.status !== 0) skip(`cannot bind the rootfs into the bundle (${m.stderr.trim()})`);
      let r;
      try {
        const id = w.id();
        const c = await w.run(['create', '--bundle', bundle, id]);
        expect(c.status === 0, `create succeeds (${trimmed(c.stderr)})`);
        expect((await w.run(['start', id])).status === 0, 'start succeeds');
        r = await w.result(out, 'r');
        await w.waitFor(async () => (await w.state(id))?.status === 'stopped');
        await w.run(['delete', '--force', id]);
      } finally {
        spawnSync('umount', ['-l', rootDir]);
      }
      expect(r.sh.rc === 0, `the rootfs is the container's root (${r.sh.out})`);
    },
  },
  {
    // config.md: "Path values for bind mounts are either absolute or relative to the bundle" (no keyword: it is applying the config).
    name: 'config.md: a bind mount source relative to the bundle is taken relative to the bundle',
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const out = w.out();
      const bundle = w.checkerBundle(out, ['r', 'mark=cat /conformance-marker'], (c) => {
        c.mounts.push({ destination: '/conformance-marker', type: 'bind', source: 'marker', options: ['bind', 'ro'] });
      });
      fs.writeFileSync(path.join(bundle, 'marker'), 'bundle-relative\n');
      const id = w.id();
      const c = await w.run(['create', '--bundle', bundle, id]);
      expect(c.status === 0, `create succeeds (${trimmed(c.stderr)})`);
      expect((await w.run(['start', id])).status === 0, 'start succeeds');
      const r = await w.result(out, 'r');
      expect(r.mark.out === 'bundle-relative', `<bundle>/marker is mounted at /conformance-marker (${r.mark.out})`);
    },
  },
  {
    name: 'config.md: root.readonly true makes / read-only; false (or unset) leaves it writable',
    statements: ['config.md#configRoot/8'],
    async run(w) {
      const ro = await probe(w, ['write=touch /tmp/.conformance-probe', 'mi=cat /proc/self/mountinfo']);
      expect(ro.r.write.rc !== 0 && /read-only/i.test(ro.r.write.out), `with readonly true, writing under / fails with EROFS (${ro.r.write.out || 'it succeeded'})`);
      expect(top(mountinfo(ro.r.mi.out), '/').opts.includes('ro'), 'with readonly true, / is mounted ro');
      for (const readonly of [false, undefined]) {
        const f = `/tmp/.conformance-rw-${path.basename(w.dir)}-${readonly}`;
        const rw = await probe(w, [`write=touch ${f} && rm ${f}`, 'mi=cat /proc/self/mountinfo'], (c) => {
          if (readonly === undefined) delete c.root.readonly;
          else c.root.readonly = readonly;
        });
        expect(rw.r.write.rc === 0, `with readonly ${readonly}, / is writable (${rw.r.write.out})`);
        expect(top(mountinfo(rw.r.mi.out), '/').opts.includes('rw'), `with readonly ${readonly}, / is mounted rw`);
      }
    },
  },

  // ---- mounts --------------------------------------------------------------------------------
  {
    name: 'config.md: mounts are made in the listed order',
    statements: ['config.md#configMounts/1'],
    async run(w) {
      const { r } = await probe(w, ['mi=cat /proc/self/mountinfo', 'inner=cat /mnt/inner/f', 'size=df -k /mnt | tail -n 1'], (c) => {
        const host = w.out();
        fs.writeFileSync(path.join(host, 'f'), 'inner\n');
        // Stacked on one destination: the later one must be on top.
        c.mounts.push({ destination: '/mnt', type: 'tmpfs', source: 'first', options: ['size=1m'] });
        c.mounts.push({ destination: '/mnt', type: 'tmpfs', source: 'second', options: ['size=2m'] });
        // Nested: the inner one must be made after (so on top of) the outer one.
        c.mounts.push({ destination: '/mnt/inner', type: 'bind', source: host, options: ['bind', 'ro'] });
      });
      const m = mountinfo(r.mi.out);
      const at = m.filter((x) => x.mp === '/mnt');
      expect(at.length === 2 && at[0].source === 'first' && at[1].source === 'second' && at[1].parent === at[0].id, `the second /mnt tmpfs is mounted on the first (${at.map((x) => x.source).join(' under ') || 'none'})`);
      expect(r.size.out.split(/\s+/)[1] === '2048', `the visible /mnt is the later, 2m one (${r.size.out})`);
      const inner = top(m, '/mnt/inner');
      expect(inner && inner.parent === at[1]?.id, 'the nested bind is mounted on the later /mnt');
      expect(r.inner.out === 'inner', `its content is visible (${r.inner.out})`);
    },
  },
  {
    name: 'config.md: a relative mount destination is taken relative to "/"; a mount without destination is refused',
    statements: ['config.md#configMounts/2', 'config.md#configMounts/4'],
    async run(w) {
      const { r } = await probe(w, ['mi=cat /proc/self/mountinfo'], (c) => {
        c.mounts.push({ destination: 'mnt/rel', type: 'tmpfs', source: 'relative-dest', options: ['size=1m'] });
      });
      const m = mountinfo(r.mi.out).filter((x) => x.source === 'relative-dest');
      expect(m.length === 1 && m[0].mp === '/mnt/rel', `"mnt/rel" is mounted at /mnt/rel (${m.map((x) => x.mp).join(', ') || 'not mounted'})`);
      await refused(w, 'a mount with no destination', (c) => c.mounts.push({ type: 'tmpfs', source: 'tmpfs' }));
    },
  },
  {
    name: 'config.md: the MUST mount options set the mount flags of mount(8)',
    statements: ['config.md#configLinuxMountOptions/1', 'config.md#configLinuxMountOptions/2', 'config.md#configLinuxMountOptions/13'],
    async run(w) {
      // As in mount(8), options apply left to right: each clearing option follows the one it must
      // clear (a fresh tmpfs has none of them set, so alone they would show nothing). relatime does
      // not clear noatime in mount(8) either (atime does), so noatime is cleared under /m/accepted.
      const mounts = {
        '/m/restrict': ['ro', 'nosuid', 'nodev', 'noexec', 'noatime', 'nodiratime'],
        '/m/open': ['ro', 'rw', 'nosuid', 'suid', 'nodev', 'dev', 'noexec', 'exec', 'nodiratime', 'diratime', 'relatime'],
        '/m/strict': ['strictatime'],
        '/m/sync': ['sync', 'dirsync'],
        '/m/accepted': ['noatime', 'atime', 'lazytime', 'nolazytime', 'sync', 'async', 'iversion', 'noiversion', 'loud', 'silent', 'norelatime', 'nostrictatime'],
        '/m/remounted': [],
      };
      const { r } = await probe(w, ['mi=cat /proc/self/mountinfo', 'exec=cp /bin/busybox /m/open/true && /m/open/true'], (c) => {
        c.mounts.push({ destination: '/m', type: 'tmpfs', source: 'tmpfs', options: ['size=32m'] });
        for (const [d, options] of Object.entries(mounts)) c.mounts.push({ destination: d, type: 'tmpfs', source: 'opt-test', options: ['size=8m', ...options] });
        c.mounts.push({ destination: '/m/remounted', type: 'tmpfs', source: 'opt-test', options: ['remount', 'ro', 'nosuid'] });
      });
      const m = mountinfo(r.mi.out);
      const at = (d) => top(m, d);
      for (const d of Object.keys(mounts)) expect(at(d)?.source === 'opt-test', `${d} (${mounts[d].join(',') || 'remounted'}) is mounted`);
      const has = (d, o) => at(d).opts.includes(o);
      for (const o of ['ro', 'nosuid', 'nodev', 'noexec', 'noatime', 'nodiratime']) expect(has('/m/restrict', o), `${o} is set (${at('/m/restrict').opts.join(',')})`);
      expect(has('/m/open', 'rw') && !has('/m/open', 'nosuid') && !has('/m/open', 'nodev') && !has('/m/open', 'noexec') && has('/m/open', 'relatime') && !has('/m/open', 'nodiratime'), `rw, suid, dev, exec, diratime clear the ro, nosuid, nodev, noexec, nodiratime given before them; relatime is set (${at('/m/open').opts.join(',')})`);
      expect(r.exec.rc === 0, `a program runs from the exec mount (${r.exec.out})`);
      expect(!has('/m/strict', 'relatime') && !has('/m/strict', 'noatime'), `strictatime: neither relatime nor noatime (${at('/m/strict').opts.join(',')})`);
      expect(at('/m/sync').sopts.includes('sync') && at('/m/sync').sopts.includes('dirsync'), `sync and dirsync are set (${at('/m/sync').sopts.join(',')})`);
      expect(!has('/m/accepted', 'noatime') && !at('/m/accepted').sopts.includes('lazytime') && !at('/m/accepted').sopts.includes('sync'), `atime, nolazytime and async clear the noatime, lazytime and sync given before them (${at('/m/accepted').opts.join(',')} - ${at('/m/accepted').sopts.join(',')})`);
      expect(has('/m/remounted', 'ro') && has('/m/remounted', 'nosuid'), `remount,ro,nosuid remounts the mount at the destination read-only and nosuid (${at('/m/remounted').opts.join(',')})`);
    },
  },
  {
    name: 'config.md: the defaults mount option (rw, suid, dev, exec, auto, nouser, async) is understood, not passed to the filesystem',
    statements: ['config.md#configLinuxMountOptions/2', 'config.md#configLinuxMountOptions/13'],
    async run(w) {
      const { r } = await probe(w, ['mi=cat /proc/self/mountinfo'], (c) => {
        c.mounts.push({ destination: '/mnt', type: 'tmpfs', source: 'opt-defaults', options: ['nosuid', 'defaults', 'size=1m'] });
      });
      const x = top(mountinfo(r.mi.out), '/mnt');
      expect(x?.source === 'opt-defaults', '/mnt is mounted');
      expect(x.opts.includes('rw') && !x.opts.includes('nodev') && !x.opts.includes('noexec'), `rw, dev, exec (${x.opts.join(',')})`);
      expect(!x.sopts.includes('defaults'), `"defaults" did not reach the filesystem (${x.sopts.join(',')})`);
    },
  },
  {
    name: 'config.md: bind does not bring the source\'s submounts; rbind does',
    statements: ['config.md#configLinuxMountOptions/2'],
    async run(w) {
      const [src, undo] = hostTree(w);
      try {
        const { r } = await probe(w, ['mi=cat /proc/self/mountinfo', 'bind=ls /b/bind/sub-a', 'rbind=cat /b/rbind/sub-a/f'], (c) => {
          c.mounts.push({ destination: '/b', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
          c.mounts.push({ destination: '/b/bind', type: 'bind', source: src, options: ['bind'] });
          c.mounts.push({ destination: '/b/rbind', type: 'bind', source: src, options: ['rbind'] });
        });
        const m = mountinfo(r.mi.out);
        expect(r.bind.rc === 0 && r.bind.out === '' && !top(m, '/b/bind/sub-a'), `bind does not bring the source's submounts (${r.bind.out})`);
        expect(r.rbind.out === 'sub-a', `rbind brings them (${r.rbind.out})`);
      } finally {
        undo();
      }
    },
  },
  {
    // The recursive options are SHOULD rows of the table (bind and rbind are the MUST ones): a runtime
    // may refuse them with an error; one that accepts them must apply them (runtime.md#runtimeCreate/4).
    name: 'config.md: the recursive options rro, rnosuid, rnodev, rnoexec, rnoatime, rrw, rsuid, rdev, rexec reach the submounts',
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const [src, undo] = hostTree(w);
      try {
        const { r } = await probe(w, ['mi=cat /proc/self/mountinfo'], (c) => {
          c.mounts.push({ destination: '/b', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
          c.mounts.push({ destination: '/b/rro', type: 'bind', source: src, options: ['rbind', 'rro', 'rnosuid', 'rnodev', 'rnoexec', 'rnoatime'] });
          c.mounts.push({ destination: '/b/rrw', type: 'bind', source: src, options: ['rbind', 'rrw', 'rsuid', 'rdev', 'rexec'] });
        }, { refusable: 'the recursive mount options (SHOULD in config.md#configLinuxMountOptions)' });
        const m = mountinfo(r.mi.out);
        for (const sub of ['sub-a', 'sub-b']) {
          const x = top(m, `/b/rro/${sub}`);
          expect(x, `/b/rro/${sub} is there`);
          for (const o of ['ro', 'nosuid', 'nodev', 'noexec', 'noatime']) expect(x.opts.includes(o), `r${o === 'ro' ? 'ro' : o} reaches the submount ${sub} (${x.opts.join(',')})`);
        }
        const b = top(m, '/b/rrw/sub-b');
        expect(b, '/b/rrw/sub-b is there');
        for (const o of ['ro', 'nosuid', 'nodev', 'noexec']) expect(!b.opts.includes(o), `rrw, rsuid, rdev, rexec clear ${o} on the submount (${b.opts.join(',')})`);
      } finally {
        undo();
      }
    },
  },
  {
    name: 'config.md: the propagation options shared, rshared, unbindable, runbindable, slave, rslave, private, rprivate',
    statements: ['config.md#configLinuxMountOptions/2'],
    async run(w) {
      // A shared host mount: what a slave copy of it receives, and a private one does not.
      const src = w.out();
      const m = spawnSync('sh', ['-c', `mount -t tmpfs -o size=1m tmpfs ${src} && mount --make-shared ${src} && mkdir ${src}/late`], { encoding: 'utf8' });
      if (m.status !== 0) {
        spawnSync('umount', ['-l', src]); // the tmpfs may be mounted already: a mount point left in w.dir breaks cleanup
        skip(`this host cannot make a shared tmpfs (${m.stderr.trim()})`);
      }
      const plain = w.out();
      try {
        const kinds = { shared: 'shared', rshared: 'shared', unbindable: 'unbindable', runbindable: 'unbindable', slave: 'slave', rslave: 'slave', private: 'private', rprivate: 'private' };
        const { id } = await probe(w, [], (c) => {
          c.mounts.push({ destination: '/p', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
          for (const [k, kind] of Object.entries(kinds)) c.mounts.push({ destination: `/p/${k}`, type: 'bind', source: ['slave', 'private'].includes(kind) ? src : plain, options: ['rbind', k] });
        }, { hold: true });
        const { pid } = await w.state(id);
        const late = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'late', `${src}/late`], { encoding: 'utf8' });
        expect(late.status === 0, `the host mounts under the shared source (${late.stderr})`);
        await new Promise((r) => setTimeout(r, 200));
        const mi = mountinfo(fs.readFileSync(`/proc/${pid}/mountinfo`, 'utf8'));
        for (const [k, kind] of Object.entries(kinds)) {
          const x = top(mi, `/p/${k}`);
          expect(x, `/p/${k} is mounted`);
          const opt = x.optional.join(' ');
          if (kind === 'shared') expect(/shared:\d+/.test(opt), `${k}: the mount is shared (${opt || 'no propagation field'})`);
          if (kind === 'unbindable') expect(/unbindable/.test(opt), `${k}: the mount is unbindable (${opt || 'no propagation field'})`);
          if (kind === 'slave') {
            expect(/master:\d+/.test(opt) && !/shared:/.test(opt), `${k}: the mount is a slave, not shared (${opt || 'no propagation field'})`);
            expect(top(mi, `/p/${k}/late`), `${k}: a mount made later under the shared source on the host propagated into it`);
          }
          if (kind === 'private') {
            expect(!/shared:|master:|unbindable/.test(opt), `${k}: the mount is private (${opt})`);
            expect(!top(mi, `/p/${k}/late`), `${k}: the mount made later on the host did not propagate into it`);
          }
        }
      } finally {
        spawnSync('umount', ['-l', `${src}/late`]);
        spawnSync('umount', ['-l', src]);
      }
    },
  },
  {
    name: 'config.md: unknown (filesystem-specific) mount options are passed to mount(2) as data',
    statements: ['config.md#configLinuxMountOptions/15'],
    async run(w) {
      const { r } = await probe(w, ['mi=cat /proc/self/mountinfo'], (c) => {
        c.mounts.push({ destination: '/fsdata', type: 'tmpfs', source: 'fsdata', options: ['nosuid', 'size=1536k', 'mode=0711', 'nr_inodes=321'] });
      });
      const x = top(mountinfo(r.mi.out), '/fsdata');
      expect(x, '/fsdata is mounted');
      for (const o of ['size=1536k', 'mode=711', 'nr_inodes=321']) expect(x.sopts.includes(o), `${o} reached tmpfs (${x.sopts.join(',')})`);
      expect(x.opts.includes('nosuid'), 'a flag beside them still applies');
    },
  },
  {
    name: 'config.md: a custom mount option the runtime lists that mount(8) knows behaves as in mount(8)',
    statements: ['config.md#configLinuxMountOptions/14'],
    async run(w) {
      const listed = (await featuresOf(w))?.mountOptions;
      if (!Array.isArray(listed)) skip('the runtime lists no mountOptions, so its custom options cannot be known from outside');
      const table = new Set(['async', 'atime', 'bind', 'defaults', 'dev', 'diratime', 'dirsync', 'exec', 'iversion', 'lazytime', 'loud', 'mand', 'noatime', 'nodev', 'nodiratime', 'noexec', 'noiversion', 'nolazytime', 'nomand', 'norelatime', 'nostrictatime', 'nosuid', 'nosymfollow', 'private', 'ratime', 'rbind', 'rdev', 'rdiratime', 'relatime', 'remount', 'rexec', 'rnoatime', 'rnodiratime', 'rnoexec', 'rnorelatime', 'rnostrictatime', 'rnosuid', 'rnosymfollow', 'ro', 'rprivate', 'rrelatime', 'rro', 'rrw', 'rshared', 'rslave', 'rstrictatime', 'rsuid', 'rsymfollow', 'runbindable', 'rw', 'shared', 'silent', 'slave', 'strictatime', 'suid', 'symfollow', 'sync', 'tmpcopyup', 'unbindable', 'idmap', 'ridmap']);
      // mount(8)'s filesystem-independent options outside the spec's table, with the flags mount(8) gives
      // for them: user and users imply noexec,nosuid,nodev, owner and group nosuid,nodev; the rest
      // pass nothing to the kernel (fstab/userspace only).
      const implied = { auto: [], noauto: [], nofail: [], _netdev: [], user: ['noexec', 'nosuid', 'nodev'], nouser: [], users: ['noexec', 'nosuid', 'nodev'], owner: ['nosuid', 'nodev'], group: ['nosuid', 'nodev'], 'comment=x': [] };
      const custom = listed.filter((o) => !table.has(o));
      const known = custom.filter((o) => Object.hasOwn(implied, o));
      if (!known.length) skip(`the runtime lists no custom option that mount(8) also knows (custom: ${custom.join(', ') || 'none'})`);
      for (const o of known) {
        const { r } = await probe(w, ['mi=cat /proc/self/mountinfo'], (c) => c.mounts.push({ destination: '/custom', type: 'tmpfs', source: 'custom', options: [o] }));
        const m = top(mountinfo(r.mi.out), '/custom');
        expect(m && implied[o].every((f) => m.opts.includes(f)), `${o}: mounted with mount(8)'s implied ${implied[o].join(',') || 'nothing'} (${m ? m.opts.join(',') : 'not mounted'})`);
      }
    },
  },
  {
    // idmap and ridmap are SHOULD rows: a runtime may refuse them with an error (a skip here, even when
    // features says idmap is enabled: features-linux.md allows partial support, e.g. only mappings
    // that match the container's user namespace); /4 and /9 bind a runtime that accepts the mount.
    name: 'config.md: idmap with uidMappings/gidMappings gives the mount that idmapping (MOUNT_ATTR_IDMAP), not a mount(2) option',
    statements: ['config.md#configLinuxMountOptions/3', 'config.md#configLinuxMountOptions/4', 'config.md#configLinuxMountOptions/12', 'config.md#configPOSIXMounts/1', 'config.md#configPOSIXMounts/4'],
    async run(w) {
      const src = w.out();
      fs.writeFileSync(path.join(src, 'owned-by-0'), 'x');
      fs.chownSync(path.join(src, 'owned-by-0'), 0, 0);
      const map = [{ containerID: 0, hostID: 1000, size: 1 }];
      const { r } = await probe(w, ['mi=cat /proc/self/mountinfo', 'owner=stat -c %u:%g /idm/owned-by-0', 'plain=stat -c %u:%g /plain/owned-by-0'], (c) => {
        c.mounts.push({ destination: '/plain', type: 'bind', source: src, options: ['bind'] });
        c.mounts.push({ destination: '/idm', type: 'bind', source: src, options: ['bind', 'idmap'], uidMappings: map, gidMappings: map });
      }, { refusable: `an idmapped bind mount (idmap is SHOULD; features: idmap.enabled ${(await featuresOf(w))?.linux?.mountExtensions?.idmap?.enabled})` });
      expect(r.plain.out === '0:0', `without idmap the file is 0:0 (${r.plain.out})`);
      expect(r.owner.out === '1000:1000', `through the idmapped mount, on-disk 0 is seen as 1000:1000 (${r.owner.out})`);
      const x = top(mountinfo(r.mi.out), '/idm');
      expect(x?.opts.includes('idmapped'), `the kernel reports the mount as idmapped (MOUNT_ATTR_IDMAP) (${x?.opts.join(',')})`);
      expect(!x.sopts.some((o) => o.startsWith('idmap')), `"idmap" is not among the filesystem's mount options (${x.sopts.join(',')})`);
    },
  },
  {
    name: 'config.md: ridmap on an rbind idmaps the submounts too',
    statements: ['config.md#configLinuxMountOptions/7', 'config.md#configLinuxMountOptions/8', 'config.md#configLinuxMountOptions/9', 'config.md#configLinuxMountOptions/12'],
    async run(w) {
      const [src, undo] = hostTree(w);
      try {
        const map = [{ containerID: 0, hostID: 1000, size: 1 }];
        const { r } = await probe(w, ['mi=cat /proc/self/mountinfo', 'top=stat -c %u:%g /ridm/top-file', 'sub=stat -c %u:%g /ridm/sub-a/f'], (c) => {
          c.mounts.push({ destination: '/ridm', type: 'bind', source: src, options: ['rbind', 'ridmap'], uidMappings: map, gidMappings: map });
        }, { refusable: `an rbind with ridmap (ridmap is SHOULD; features: idmap.enabled ${(await featuresOf(w))?.linux?.mountExtensions?.idmap?.enabled})` });
        expect(r.top.out === '1000:1000', `the top of the tree is idmapped (${r.top.out})`);
        expect(r.sub.out === '1000:1000', `the submount is idmapped too (${r.sub.out})`);
        const m = mountinfo(r.mi.out);
        for (const d of ['/ridm', '/ridm/sub-a']) expect(top(m, d)?.opts.includes('idmapped'), `${d} is idmapped (${top(m, d)?.opts.join(',')})`);
      } finally {
        undo();
      }
    },
  },
  ...[['idmap', 'bind', [5, 6]], ['ridmap', 'rbind', [10, 11]]].map(([opt, bind, ids]) => ({
    name: `config.md: ${opt} with no mappings and no user namespace is an error`,
    statements: ids.map((n) => `config.md#configLinuxMountOptions/${n}`),
    async run(w) {
      const src = w.out();
      // The control: a runtime that refuses even a valid mount with this option shows nothing by refusing this one.
      const why = await refusesValid(w, validIdmap(src, opt));
      if (why) skip(`the runtime refuses even a valid ${opt} mount, so its refusing this one shows nothing (${why})`);
      await refused(w, `${opt} without mappings or user namespace`, (c) => c.mounts.push({ destination: '/idm', type: 'bind', source: src, options: [bind, opt] }));
    },
  })),
  {
    name: 'config.md: uidMappings without gidMappings (or the reverse) on a mount is refused',
    statements: ['config.md#configPOSIXMounts/3', 'config.md#configPOSIXMounts/6'],
    async run(w) {
      const src = w.out();
      const map = [{ containerID: 0, hostID: 1000, size: 1 }];
      const why = await refusesValid(w, validIdmap(src, 'idmap'));
      if (why) skip(`the runtime refuses even a valid idmapped mount, so its refusing these shows nothing (${why})`);
      await refused(w, 'uidMappings alone', (c) => c.mounts.push({ destination: '/idm', type: 'bind', source: src, options: ['bind', 'idmap'], uidMappings: map }));
      await refused(w, 'gidMappings alone', (c) => c.mounts.push({ destination: '/idm', type: 'bind', source: src, options: ['bind', 'idmap'], gidMappings: map }));
    },
  },

  // ---- process -------------------------------------------------------------------------------
  {
    name: 'config.md: process is required at start',
    statements: ['config.md#configProcess/1'],
    async run(w) {
      const id = w.id();
      const c = await w.run(['create', '--bundle', w.bundle((c) => delete c.process), id]);
      // A config without process is valid at create: refusing it there leaves start unobserved.
      if (failed(c)) skip(`create refuses a config without process (${trimmed(c.stderr)}), so start cannot be observed`);
      expect(failed(await w.run(['start', id])), 'start of a container without process is an error');
    },
  },
  {
    name: 'config.md: consoleSize is ignored when terminal is false or unset',
    statements: ['config.md#configProcess/2'],
    async run(w) {
      // The checker captures each probe's stdout and stderr, so stdin is the one stream a terminal would show on.
      for (const terminal of [false, undefined]) {
        const { r } = await probe(w, ['tty=[ -t 0 ] && echo tty || echo notty', 'size=stty size 2>&1; true'], (c) => {
          if (terminal === undefined) delete c.process.terminal;
          else c.process.terminal = terminal;
          c.process.consoleSize = { height: 13, width: 37 };
        });
        expect(r.tty.out === 'notty', `terminal ${terminal}: no terminal was attached (${r.tty.out})`);
        expect(!/13 37/.test(r.size.out), `terminal ${terminal}: no console was sized (${r.size.out})`);
      }
    },
  },
  {
    name: 'config.md: with a terminal, consoleSize (height and width) sizes it; a consoleSize without width is refused',
    statements: ['config.md#configProcess/3'],
    async run(w) {
      if (spawnSync('python3', ['-c', 'import socket; socket.recv_fds'], { stdio: 'ignore' }).status !== 0) skip('no python3 with socket.recv_fds on this host to receive the console');
      const children = [];
      try {
        const [sock, file, child] = consoleReceiver(w, 'sized');
        children.push(child);
        await w.waitFor(() => fs.existsSync(sock));
        const id = w.id();
        const bundle = w.bundle((c) => {
          c.process.terminal = true;
          c.process.consoleSize = { height: 13, width: 37 };
          c.process.args = ['sh', '-c', 'stty size; echo DONE'];
        });
        const c = await w.run(['create', '--bundle', bundle, '--console-socket', sock, id]);
        expect(c.status === 0, `create with a console socket succeeds (${trimmed(c.stderr)})`);
        expect((await w.run(['start', id])).status === 0, 'start succeeds');
        expect(await w.waitFor(() => fs.existsSync(file), 15_000), 'the console printed something');
        const seen = fs.readFileSync(file, 'utf8');
        expect(/^13 37\r?$/m.test(seen), `the terminal is 13 rows by 37 columns (${JSON.stringify(seen.slice(0, 80))})`);
        const [sock2, , child2] = consoleReceiver(w, 'nowidth');
        children.push(child2);
        await w.waitFor(() => fs.existsSync(sock2));
        const id2 = w.id();
        const bad = await w.run(['create', '--bundle', w.bundle((c) => {
          c.process.terminal = true;
          c.process.consoleSize = { height: 13 };
          c.process.args = ['sh', '-c', 'stty size; echo DONE'];
        }), '--console-socket', sock2, id2]);
        // process is applied at start (runtime.md#runtimeCreate/4): an error from start is a refusal too.
        expect(failed(bad) || failed(await w.run(['start', id2])), 'a consoleSize without width (REQUIRED) is an error at create or start');
      } finally {
        for (const ch of children) ch.kill('SIGKILL');
      }
    },
  },
  {
    name: 'config.md: cwd is the working directory; a relative or missing cwd is refused',
    statements: ['config.md#configProcess/4', 'config.md#configProcess/5'],
    async run(w) {
      const { r } = await probe(w, ['pwd=pwd'], (c) => (c.process.cwd = '/bin'));
      expect(r.pwd.out === '/bin', `the process starts in /bin (${r.pwd.out})`);
      await refused(w, 'cwd "bin" (relative)', (c) => (c.process.cwd = 'bin'), { atStart: true });
      await refused(w, 'no cwd', (c) => delete c.process.cwd, { atStart: true });
    },
  },
  {
    name: 'config.md: args[0] is looked up like execvp\'s file (PATH); empty args are refused',
    statements: ['config.md#configProcess/6'],
    async run(w) {
      const out = w.out();
      const bundle = w.bundle((c) => {
        c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
        c.process.env = c.process.env.map((e) => (e.startsWith('PATH=') ? 'PATH=/nowhere:/bin' : e));
        c.process.args = ['busybox', 'sh', '-c', 'echo "$0 $1" > /out/argv', 'argzero', 'argone'];
      });
      const id = w.id();
      const c = await w.run(['create', '--bundle', bundle, id]);
      expect(c.status === 0, `create succeeds (${trimmed(c.stderr)})`);
      expect((await w.run(['start', id])).status === 0, 'start succeeds');
      // The shell creates the file before it writes it: wait for the line, not the name.
      expect(await w.waitFor(() => fs.existsSync(path.join(out, 'argv')) && fs.readFileSync(path.join(out, 'argv'), 'utf8').endsWith('\n')), '"busybox" was found through PATH and ran');
      expect(fs.readFileSync(path.join(out, 'argv'), 'utf8').trim() === 'argzero argone', 'the rest of args is its argv');
      await refused(w, 'args []', (c) => (c.process.args = []), { atStart: true });
      const id2 = w.id();
      const c2 = await w.run(['create', '--bundle', w.bundle((c) => (c.process.args = ['no-such-program-anywhere'])), id2]);
      expect(failed(c2) || failed(await w.run(['start', id2])), 'an args[0] that PATH does not resolve is an error at create or start');
    },
  },
  {
    name: 'config.md: rlimits set rlim_cur and rlim_max exactly as configured',
    statements: ['config.md#configPOSIXProcess/1', 'config.md#configPOSIXProcess/3', 'config.md#configPOSIXProcess/4', 'config.md#configPOSIXProcess/5'],
    async run(w) {
      const { r } = await probe(w, ['limits=cat /proc/self/limits'], (c) => {
        c.process.rlimits = [
          { type: 'RLIMIT_NOFILE', soft: 321, hard: 654 },
          { type: 'RLIMIT_CORE', soft: 0, hard: 4096 },
          { type: 'RLIMIT_NPROC', soft: 777, hard: 888 },
          { type: 'RLIMIT_MSGQUEUE', soft: 8192, hard: 16384 },
        ];
      });
      const row = (name) => {
        const line = r.limits.out.split('\n').find((l) => l.startsWith(name));
        return line?.slice(name.length).trim().split(/\s+/).slice(0, 2).join(' ');
      };
      for (const [name, want] of [['Max open files', '321 654'], ['Max core file size', '0 4096'], ['Max processes', '777 888'], ['Max msgqueue size', '8192 16384']]) {
        expect(row(name) === want, `${name}: soft hard ${want} (${row(name)})`);
      }
    },
  },
  {
    name: 'config.md: an rlimit type with no kernel resource, or a duplicated type, is refused',
    statements: ['config.md#configPOSIXProcess/1', 'config.md#configPOSIXProcess/2', 'config.md#configPOSIXProcess/6'],
    async run(w) {
      await refused(w, 'RLIMIT_CONFORMANCE', (c) => c.process.rlimits.push({ type: 'RLIMIT_CONFORMANCE', soft: 1, hard: 1 }), { atStart: true });
      await refused(w, 'RLIMIT_NOFILE twice', (c) => c.process.rlimits.push({ type: 'RLIMIT_NOFILE', soft: 512, hard: 512 }), { atStart: true });
      await refused(w, 'an rlimit without type', (c) => c.process.rlimits.push({ soft: 1, hard: 1 }), { atStart: true });
    },
  },
  {
    // The MUST (/1): whatever the runtime then does (failing is only a SHOULD NOT, /2), it names the capability.
    name: 'config.md: a capability this host cannot grant is logged as a warning',
    statements: ['config.md#configLinuxProcess/1'],
    async run(w) {
      if (hasBit(hostCapBnd(), CAP.CAP_SYS_RESOURCE)) skip('this host can grant CAP_SYS_RESOURCE, so there is no ungrantable capability to ask for');
      const { c, said } = await capabilityMessages(w, 'CAP_SYS_RESOURCE');
      expect(/SYS_RESOURCE/i.test(said), `the runtime names CAP_SYS_RESOURCE, which this host cannot grant, in a warning or error (stderr or --log; create ${c.status === 0 ? 'succeeded' : 'failed'})`);
    },
  },
  {
    name: 'config.md: a capability this host cannot grant does not fail the container; the others are granted',
    statements: ['config.md#configLinuxProcess/2'],
    async run(w) {
      if (hasBit(hostCapBnd(), CAP.CAP_SYS_RESOURCE)) skip('this host can grant CAP_SYS_RESOURCE, so there is no ungrantable capability to ask for');
      const out = w.out();
      const caps = ['CAP_KILL', 'CAP_SYS_RESOURCE'];
      const bundle = w.checkerBundle(out, ['r', 'status=grep ^Cap /proc/self/status'], (c) => (c.process.capabilities = { bounding: caps, effective: caps, permitted: caps }));
      const id = w.id();
      const c = await w.run(['create', '--bundle', bundle, id]);
      expect(c.status === 0, `create does not fail over CAP_SYS_RESOURCE, which this host lacks (${trimmed(c.stderr)})`);
      const s = await w.run(['start', id]);
      expect(s.status === 0, `start does not fail over it either (${trimmed(s.stderr)})`);
      const { status } = await w.result(out, 'r');
      const eff = /CapEff:\s*([0-9a-f]+)/.exec(status.out)[1];
      expect(hasBit(eff, CAP.CAP_KILL), `CAP_KILL, which can be granted, is effective (${eff})`);
    },
  },
  {
    name: 'config.md: an unknown capability name is logged as a warning',
    statements: ['config.md#configLinuxProcess/1'],
    async run(w) {
      const { c, said } = await capabilityMessages(w, 'CAP_CONFORMANCE_UNKNOWN');
      // Refusing it is allowed too (an invalid value); either way the runtime must say so.
      expect(/CONFORMANCE_UNKNOWN/i.test(said), `the runtime names CAP_CONFORMANCE_UNKNOWN in a warning or error (create ${c.status === 0 ? 'succeeded' : 'failed'})`);
    },
  },
  {
    name: 'config.md: oomScoreAdj, when set, is the process\'s oom_score_adj',
    statements: ['config.md#configLinuxProcess/3'],
    async run(w) {
      // Above the caller's own value (the runtime inherits it), which needs no privilege: 345 from 0.
      const canLower = hasBit(hostCapBnd(), CAP.CAP_SYS_RESOURCE);
      const cur = ownOomScoreAdj();
      if (cur >= 1000 && !canLower) skip('this process\'s oom_score_adj is 1000 and it cannot lower it (no CAP_SYS_RESOURCE): no value a runtime could set');
      const want = cur >= 1000 ? 345 : Math.min(1000, Math.max(cur, 0) + 345);
      const { r } = await probe(w, ['oom=cat /proc/self/oom_score_adj'], (c) => (c.process.oomScoreAdj = want));
      expect(r.oom.out === String(want), `oom_score_adj is ${want} (${r.oom.out})`);
      // A negative value needs CAP_SYS_RESOURCE, which root here may lack: only checked where it can be set.
      if (canLower) {
        const neg = await probe(w, ['oom=cat /proc/self/oom_score_adj'], (c) => (c.process.oomScoreAdj = -123));
        expect(neg.r.oom.out === '-123', `oom_score_adj is -123 (${neg.r.oom.out})`);
      }
    },
  },
  {
    name: 'config.md: without oomScoreAdj, the process keeps the oom_score_adj it inherits from the runtime\'s caller',
    statements: ['config.md#configLinuxProcess/4'],
    async run(w) {
      const out = w.out();
      const bundle = w.checkerBundle(out, ['r', 'oom=cat /proc/self/oom_score_adj']);
      const id = w.id();
      // create from a caller whose oom_score_adj is raised above ours (raising it needs no privilege):
      // 432 from 0, never 0, so a runtime that resets it shows.
      const v = Math.min(1000, Math.max(ownOomScoreAdj(), 0) + 432);
      const errFile = path.join(w.dir, 'create.err');
      const fd = fs.openSync(errFile, 'w');
      const c = spawnSync('/bin/sh', ['-c', `echo ${v} > /proc/self/oom_score_adj && exec "$@"`, 'sh', w.runtime.path, '--root', w.root, 'create', '--bundle', bundle, id], { stdio: ['ignore', 'ignore', fd], timeout: 20_000 });
      fs.closeSync(fd);
      expect(c.status === 0, `create succeeds (${trimmed(fs.readFileSync(errFile, 'utf8'))})`);
      expect((await w.run(['start', id])).status === 0, 'start succeeds');
      const { oom } = await w.result(out, 'r');
      expect(oom.out === String(v), `oom_score_adj is the caller's ${v} (${oom.out})`);
    },
  },
  // scheduler and ioPriority carry no keyword of their own: applying them is running the program "as
  // specified by process" (runtime.md#runtimeStart/3), and a runtime may refuse them with an error
  // instead (runtime.md#runtimeCreate/5), which skips the case. Their REQUIRED fields are separate cases.
  {
    name: 'config.md: scheduler.policy and nice are applied',
    statements: ['runtime.md#runtimeStart/3'],
    async run(w) {
      // /proc/self/stat: field 19 is nice, field 41 the policy (SCHED_BATCH = 3).
      const { r } = await probe(w, ['stat=awk \'{print $19, $41}\' /proc/self/stat'], (c) => (c.process.scheduler = { policy: 'SCHED_BATCH', nice: 7 }), { refusable: 'process.scheduler', atStart: true });
      expect(r.stat.out === '7 3', `nice 7 under SCHED_BATCH (3) (nice and policy seen: ${r.stat.out})`);
    },
  },
  {
    name: 'config.md: a scheduler without policy is refused',
    statements: ['config.md#configLinuxProcess/5'],
    async run(w) {
      const why = await refusesValid(w, (c) => (c.process.scheduler = { policy: 'SCHED_BATCH', nice: 7 }), { atStart: true });
      if (why) skip(`the runtime refuses even a valid scheduler, so its refusing one without policy shows nothing (${why})`);
      await refused(w, 'scheduler without policy', (c) => (c.process.scheduler = { nice: 7 }), { atStart: true });
    },
  },
  {
    name: 'config.md: ioPriority class and priority are applied',
    statements: ['runtime.md#runtimeStart/3'],
    async run(w) {
      const { r } = await probe(w, ['io=ionice -p $$'], (c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 }), { refusable: 'process.ioPriority', atStart: true });
      expect(/best-effort: prio 6/.test(r.io.out), `best-effort, priority 6 (${r.io.out})`);
    },
  },
  {
    name: 'config.md: an ioPriority without class or without priority is refused',
    statements: ['config.md#configLinuxProcess/6', 'config.md#configLinuxProcess/7'],
    async run(w) {
      const why = await refusesValid(w, (c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 }), { atStart: true });
      if (why) skip(`the runtime refuses even a valid ioPriority, so its refusing incomplete ones shows nothing (${why})`);
      await refused(w, 'ioPriority without class', (c) => (c.process.ioPriority = { priority: 6 }), { atStart: true });
      await refused(w, 'ioPriority without priority', (c) => (c.process.ioPriority = { class: 'IOPRIO_CLASS_BE' }), { atStart: true });
    },
  },
  {
    name: 'config.md: user uid and gid (with additionalGids and umask) are the process\'s ids',
    statements: ['config.md#configPOSIXUser/1', 'config.md#configPOSIXUser/2'],
    async run(w) {
      const { r } = await probe(w, ['uid=id -u', 'gid=id -g', 'groups=id -G', 'umask=umask', 'status=grep -E "^(Uid|Gid):" /proc/self/status'], (c) => {
        c.process.user = { uid: 1234, gid: 2345, additionalGids: [3456, 4567], umask: 0o027 };
      });
      expect(r.uid.out === '1234', `uid 1234 (${r.uid.out})`);
      expect(r.gid.out === '2345', `gid 2345 (${r.gid.out})`);
      expect(/^Uid:\s+1234\s+1234\s+1234\s+1234$/m.test(r.status.out) && /^Gid:\s+2345\s+2345\s+2345\s+2345$/m.test(r.status.out), `real, effective, saved and fs ids all match (${r.status.out})`);
      const groups = r.groups.out.split(/\s+/).sort();
      expect(groups.join(' ') === ['2345', '3456', '4567'].sort().join(' '), `groups are the gid and additionalGids only (${r.groups.out})`);
      expect(r.umask.out === '0027', `umask 0027 (${r.umask.out})`);
    },
  },
  {
    name: 'config.md: a user without uid or without gid is refused',
    statements: ['config.md#configPOSIXUser/1', 'config.md#configPOSIXUser/2'],
    async run(w) {
      await refused(w, 'user without uid', (c) => (c.process.user = { gid: 0 }), { atStart: true });
      await refused(w, 'user without gid', (c) => (c.process.user = { uid: 0 }), { atStart: true });
    },
  },

  // ---- hooks ---------------------------------------------------------------------------------
  {
    name: 'config.md: a hook without path, with a relative path, or with timeout 0 is refused',
    statements: ['config.md#configHooks/1', 'config.md#configHooks/2', 'config.md#configHooks/3', 'config.md#configHooks/6', 'config.md#configHooks/7', 'config.md#configHooks/8'],
    async run(w) {
      for (const kind of ['prestart', 'createRuntime']) {
        const out = w.out();
        const ran = { path: '/bin/sh', args: ['sh', '-c', `echo ran >> ${out}/ran`] };
        await refused(w, `${kind} hook without path`, (c) => (c.hooks = { [kind]: [{ args: ['sh', '-c', 'true'] }, ran] }));
        await refused(w, `${kind} hook with path "sh"`, (c) => (c.hooks = { [kind]: [{ path: 'sh', args: ['sh', '-c', `echo ran >> ${out}/ran`] }] }));
        await refused(w, `${kind} hook with timeout 0`, (c) => (c.hooks = { [kind]: [{ ...ran, timeout: 0 }] }));
        await refused(w, `${kind} hook with timeout -1`, (c) => (c.hooks = { [kind]: [{ ...ran, timeout: -1 }] }));
      }
    },
  },
  {
    // configHooks/3, /8 only constrain the value (checked above). Applying the timeout is applying the
    // config (runtime.md#runtimeCreate/4); the aborted hook has failed, so create is an error (runtimeLifecycle/8).
    name: 'config.md: a hook\'s timeout (> 0) aborts a hook that runs longer, failing create',
    statements: ['runtime.md#runtimeLifecycle/8', 'runtime.md#runtimeCreate/4'],
    async run(w) {
      const out = w.out();
      const started = path.join(out, 'started');
      // The world's token in its env lets cleanup find the sleep if the runtime never kills it.
      const hook = { path: '/bin/sh', args: ['sh', '-c', `echo started > ${started}; exec sleep 30`], env: [w.token, 'PATH=/usr/bin:/bin'], timeout: 1 };
      const id = w.id();
      const t0 = Date.now();
      const c = await w.run(['create', '--bundle', w.bundle((c) => (c.hooks = { createRuntime: [hook] })), id], { timeoutMs: 25_000 });
      const took = (Date.now() - t0) / 1000;
      // A runtime may refuse the timeout field with an error (runtime.md#runtimeCreate/5): then the hook never ran.
      if (!fs.existsSync(started) && failed(c) && c.stderr.trim()) skip(`create failed before the hook ran, so no timeout was seen (${trimmed(c.stderr)})`);
      expect(fs.existsSync(started), `the hook ran (create status ${c.status}, signal ${c.signal})`);
      expect(failed(c), `create is an error (status ${c.status}, signal ${c.signal})`);
      expect(took >= 0.9 && took < 15, `the hook was aborted after about its 1 s timeout (create took ${took.toFixed(1)} s)`);
    },
  },
  {
    name: 'config.md: prestart, createRuntime, poststart and poststop hooks resolve their path and run in the runtime namespace',
    statements: ['config.md#configHooks/4', 'config.md#configHooks/5', 'config.md#configHooks/9', 'config.md#configHooks/10', 'config.md#configHooks/15', 'config.md#configHooks/16', 'config.md#configHooks/17', 'config.md#configHooks/18', 'config.md#configHooksPrestart/3', 'config.md#configHooksPrestart/4', 'config.md#configHooksCreateRuntime/2', 'config.md#configHooksCreateRuntime/3', 'config.md#configHooksPoststart/2', 'config.md#configHooksPoststart/3', 'config.md#configHooksPoststop/2', 'config.md#configHooksPoststop/3'],
    async run(w) {
      const { out, script, containerNs } = await hookedLifecycle(w);
      expect(!fs.existsSync(path.join(w.rootfs, script)), 'the hook script exists only on the host');
      const host = hostNs();
      expect(containerNs !== host, 'the container has namespaces of its own');
      for (const kind of ['prestart', 'createRuntime', 'poststart', 'poststop']) {
        const ns = readOut(out, `${kind}1.ns`);
        expect(ns !== undefined, `the ${kind} hook at a host-only path ran`);
        expect(ns.trim() === host, `the ${kind} hook ran in the runtime's mnt, net, uts and ipc namespaces (${ns.trim().replace(/\n/g, ' ')})`);
        expect(readOut(out, `${kind}1.env`)?.trim() === 'HOOK_ENV=from-config', `the ${kind} hook got its env`);
        expect(readOut(out, `${kind}1.args`)?.trim() === `${kind}1 ${out}`, `the ${kind} hook got its args`);
      }
    },
  },
  {
    name: 'config.md: createContainer hooks run in the container namespace',
    statements: ['config.md#configHooks/12', 'config.md#configHooksCreateContainer/4'],
    async run(w) {
      const { out, containerNs } = await hookedLifecycle(w);
      const ns = readOut(out, 'createContainer1.ns');
      expect(ns !== undefined, 'the createContainer hook ran');
      expect(ns.trim() === containerNs, `it ran in the container's mnt, net, uts and ipc namespaces (${ns.trim().replace(/\n/g, ' ')} vs ${containerNs.replace(/\n/g, ' ')})`);
    },
  },
  {
    // A host path is also visible from the container's mount namespace before pivot_root, unless a
    // container mount covers it: the hook lives under <rootfs>/shadowed, which a tmpfs at /shadowed
    // hides there, so only resolving in the runtime namespace finds it.
    name: 'config.md: createContainer hooks resolve their path in the runtime namespace, even where a container mount hides it',
    statements: ['config.md#configHooks/11', 'config.md#configHooksCreateContainer/3'],
    async run(w) {
      const out = w.out();
      const shadow = path.join(w.rootfs, 'shadowed');
      fs.mkdirSync(shadow);
      const hook = path.join(shadow, 'hook.sh');
      fs.writeFileSync(hook, `#!/bin/sh\ncat > /dev/null\necho ran > ${out}/createContainer\n`, { mode: 0o755 });
      const bundle = w.bundle((c) => {
        c.mounts.push({ destination: '/shadowed', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
        c.hooks = { createContainer: [{ path: hook, args: ['hook.sh'], env: ['PATH=/usr/sbin:/usr/bin:/sbin:/bin'] }] };
      });
      const c = await w.run(['create', '--bundle', bundle, w.id()]);
      expect(c.status === 0 && readOut(out, 'createContainer')?.trim() === 'ran', `the hook at ${hook}, which the tmpfs on /shadowed hides in the container's mount namespace, ran (create: ${c.status === 0 ? 'succeeded' : trimmed(c.stderr)})`);
    },
  },
  {
    name: 'config.md: startContainer hooks resolve their path in the container namespace, run there, before the process',
    statements: ['config.md#configHooks/13', 'config.md#configHooks/14', 'config.md#configHooksStartContainer/1', 'config.md#configHooksStartContainer/2', 'config.md#configHooksStartContainer/3'],
    async run(w) {
      const { out, containerNs, order, afterCreate, afterStart } = await hookedLifecycle(w);
      expect(!fs.existsSync('/hookbin/hook.sh'), 'the path /hookbin/hook.sh does not exist on the host');
      const ns = readOut(out, 'startContainer1.ns');
      expect(ns !== undefined, 'the startContainer hook at a container-only path ran');
      expect(ns.trim() === containerNs, `it ran in the container's namespaces (${ns.trim().replace(/\n/g, ' ')})`);
      expect(!afterCreate.some((x) => x.startsWith('startContainer')) && afterStart.includes('startContainer2'), `as part of start: not by the time create returned (${afterCreate.join(' ')}), by the time start did (${afterStart.join(' ')})`);
      expect(order.indexOf('startContainer2') >= 0 && order.indexOf('startContainer2') < order.indexOf('process'), `before the process (${order.join(' ')})`);
    },
  },
  {
    name: 'config.md: hooks run in the listed order, kinds in lifecycle order',
    statements: ['config.md#configHooks/19', 'config.md#configHooksPrestart/2', 'config.md#configHooksCreateContainer/2', 'config.md#configHooksStartContainer/1'],
    async run(w) {
      const { order } = await hookedLifecycle(w);
      const want = ['prestart1', 'prestart2', 'createRuntime1', 'createRuntime2', 'createContainer1', 'createContainer2', 'startContainer1', 'startContainer2', 'process', 'poststart1', 'poststart2', 'poststop1', 'poststop2'];
      // poststart may run while the process writes its mark: the process mark is only ordered against the start-time hooks.
      const seen = order.filter((x) => x !== 'process');
      expect(JSON.stringify(seen) === JSON.stringify(want.filter((x) => x !== 'process')), `order ${order.join(' ')}`);
      expect(order.indexOf('process') > order.indexOf('startContainer2'), `the process after the startContainer hooks (${order.join(' ')})`);
    },
  },
  {
    name: 'config.md: every hook gets the container\'s state on stdin',
    statements: ['config.md#configHooks/20'],
    async run(w) {
      const annotations = { 'org.example.conformance': 'hook-state' };
      const { id, out, bundle, created } = await hookedLifecycle(w, { annotations });
      // runtime.md: "creating" is step 2, "created" after step 2: the create-time hooks (steps 3-5, within the
      // create operation) may see either; start-time hooks see created (program not yet run) or running.
      const want = { prestart: ['creating', 'created'], createRuntime: ['creating', 'created'], createContainer: ['creating', 'created'], startContainer: ['created'], poststart: ['running'], poststop: ['stopped'] };
      for (const kind of HOOK_KINDS) {
        const raw = readOut(out, `${kind}1.stdin`);
        expect(raw !== undefined, `the ${kind} hook ran`);
        let s;
        try {
          s = JSON.parse(raw);
        } catch {
          expect(false, `${kind}: stdin is the state JSON (${JSON.stringify(raw.slice(0, 120))})`);
        }
        expect(s.id === id, `${kind}: id ${s.id}`);
        expect(typeof s.ociVersion === 'string' && s.ociVersion.length > 0, `${kind}: ociVersion ${s.ociVersion}`);
        expect(typeof s.bundle === 'string' && fs.realpathSync(s.bundle) === fs.realpathSync(bundle), `${kind}: bundle ${s.bundle}`);
        expect(s.annotations?.['org.example.conformance'] === 'hook-state', `${kind}: annotations ${JSON.stringify(s.annotations)}`);
        // runtime.md: for hooks in the container namespace, pid as seen by the container (PID 1 of its new pid namespace).
        const pid = ['createContainer', 'startContainer'].includes(kind) ? 1 : created.pid;
        if (kind !== 'poststop') expect(s.pid === pid, `${kind}: pid ${s.pid}, expected ${pid} (${pid === 1 ? 'as seen in the container' : 'as seen by the runtime'})`);
        expect(want[kind].includes(s.status), `${kind}: status ${s.status}, expected ${want[kind].join(' or ')}`);
      }
    },
  },
  {
    name: 'config.md: prestart, createRuntime and createContainer hooks run at create after the mounts are made, before pivot_root',
    statements: ['config.md#configHooksPrestart/1', 'config.md#configHooksCreateRuntime/1', 'config.md#configHooksCreateContainer/1'],
    async run(w) {
      const { out, containerNs, afterCreate } = await hookedLifecycle(w);
      const createKinds = ['prestart1', 'prestart2', 'createRuntime1', 'createRuntime2', 'createContainer1', 'createContainer2'];
      expect(createKinds.every((h) => afterCreate.includes(h)), `they had run when create returned (${afterCreate.join(' ')})`);
      const host = fs.readlinkSync('/proc/self/ns/net');
      // The /out bind is told apart by its root (the out directory within its filesystem), not by the
      // filesystem type: that is whatever the host's /tmp is (tmpfs on many hosts).
      const outReal = fs.realpathSync(out);
      for (const kind of ['prestart', 'createRuntime', 'createContainer']) {
        const mounts = mountinfo(readOut(out, kind === 'createContainer' ? `${kind}1.selfmounts` : `${kind}1.pidmounts`) ?? '');
        const outMount = mounts.find((m) => m.mp.endsWith('/out') && m.mp !== '/out' && outReal.endsWith(m.root));
        expect(outMount, `${kind}: the container's mounts are made (a /out bind under the rootfs is in its mount table)`);
        expect(!mounts.some((m) => m.mp === '/out'), `${kind}: the root is not pivoted yet (no mount at /out seen from the container's root)`);
        if (kind !== 'createContainer') {
          const net = readOut(out, `${kind}1.pidnet`)?.trim();
          expect(net && net !== host && net === containerNs.split('\n')[1], `${kind}: the container's network namespace exists (${net})`);
        }
      }
    },
  },
  {
    name: 'config.md: poststart hooks run after the program is executed, before start returns',
    statements: ['config.md#configHooksPoststart/1'],
    async run(w) {
      const { out, afterStart } = await hookedLifecycle(w);
      // poststart2 sleeps 1 s before it logs itself: a start that does not wait for it returns first.
      expect(afterStart.includes('poststart1') && afterStart.includes('poststart2'), `the poststart hooks had run to their end when start returned (${afterStart.join(' ')})`);
      const cmd = readOut(out, 'poststart1.cmdline') ?? '';
      expect(/checker\.sh/.test(cmd), `the container process was already the user program (${JSON.stringify(cmd.trim())})`);
    },
  },
  {
    name: 'config.md: poststop hooks run after the container is deleted, before delete returns',
    statements: ['config.md#configHooksPoststop/1'],
    async run(w) {
      const out = w.out();
      const probeFile = path.join(w.dir, 'poststop.sh');
      fs.writeFileSync(probeFile, `#!/bin/sh
s=$(cat)
pid=$(printf '%s' "$s" | sed -n 's/.*"pid": *\\([0-9][0-9]*\\).*/\\1/p')
timeout 5 "$1" --root "$2" state "$3" > /dev/null 2>&1
echo "state=$?" > "$4/poststop"
if [ -n "$pid" ] && [ "$pid" -gt 0 ] && kill -0 "$pid" 2>/dev/null; then echo alive >> "$4/poststop"; fi
`, { mode: 0o755 });
      const bundle = w.bundle();
      const id = w.id();
      const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
      config.hooks = { poststop: [{ path: probeFile, args: ['poststop.sh', w.runtime.path, w.root, id, out] }] };
      fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
      expect((await w.run(['create', '--bundle', bundle, id])).status === 0, 'create succeeds');
      expect((await w.run(['start', id])).status === 0, 'start succeeds');
      expect(await w.waitFor(async () => (await w.state(id))?.status === 'stopped'), 'the process ended');
      expect(!fs.existsSync(path.join(out, 'poststop')), 'no poststop hook before delete');
      const d = await w.run(['delete', id]);
      expect(d.status === 0, `delete succeeds (${trimmed(d.stderr)})`);
      const seen = readOut(out, 'poststop');
      expect(seen !== undefined, 'the poststop hook had run when delete returned');
      const rc = /state=(\d+)/.exec(seen)?.[1];
      expect(rc !== '0' && rc !== '124', `inside the hook, state of the container is already an error (exit ${rc}${rc === '124' ? ': it hung' : ''})`);
      expect(!/alive/.test(seen), 'inside the hook, the container process is gone');
    },
  },

  // ---- annotations, extensibility, valid values -------------------------------------------------
  {
    name: 'config.md: annotations are a string-to-string map: given ones appear in state; bad ones are refused',
    statements: ['config.md#configAnnotations/1', 'config.md#configAnnotations/2', 'config.md#configAnnotations/3', 'config.md#configAnnotations/24'],
    async run(w) {
      const annotations = { 'com.example.key': 'value', 'com.example.empty': '', 'org.opencontainers.image.os': 'linux' };
      const id = w.id();
      const c = await w.run(['create', '--bundle', w.bundle((c) => (c.annotations = annotations)), id]);
      expect(c.status === 0, `create succeeds (${trimmed(c.stderr)})`);
      const s = await w.state(id);
      expect(JSON.stringify(s.annotations ?? {}, Object.keys(annotations).sort()) === JSON.stringify(annotations, Object.keys(annotations).sort()), `state has the annotations (${JSON.stringify(s.annotations)})`);
      await refused(w, 'an annotation with an empty key', (c) => (c.annotations = { '': 'x' }));
      await refused(w, 'an annotation with a number value', (c) => (c.annotations = { 'com.example.n': 1 }));
      await refused(w, 'annotations as an array', (c) => (c.annotations = ['com.example.key=value']));
    },
  },
  {
    name: 'config.md: unknown properties and unknown annotation keys are ignored',
    statements: ['config.md#configAnnotations/23', 'config.md#configExtensibility/1'],
    async run(w) {
      const { r } = await probe(w, ['host=hostname'], (c) => {
        c['com.example.conformance'] = { anything: [1, 2, 3] };
        c.process.conformanceUnknown = true;
        c.process.user.conformanceUnknown = 'x';
        c.root.conformanceUnknown = 1;
        c.linux.conformanceUnknown = { a: 'b' };
        c.mounts[0].conformanceUnknown = 'x';
        c.annotations = { 'com.example.conformance.unknown': 'x', 'org.opencontainers.conformance-unknown': 'y' };
      });
      expect(r.host.out === 'conformance', `the container ran as configured (${r.host.out})`);
    },
  },
  {
    name: 'config.md: invalid or unsupported values are refused',
    statements: ['config.md#configExtensibility/2'],
    async run(w) {
      await refused(w, 'namespace type "conformance"', (c) => c.linux.namespaces.push({ type: 'conformance' }));
      await refused(w, 'mount type "conformancefs"', (c) => c.mounts.push({ destination: '/mnt', type: 'conformancefs', source: 'none' }));
      await refused(w, 'root.readonly "yes" (a string)', (c) => (c.root.readonly = 'yes'));
      await refused(w, 'process.user.uid "0" (a string)', (c) => (c.process.user.uid = '0'), { atStart: true });
      await refused(w, 'process.args as a string', (c) => (c.process.args = 'sh -c true'), { atStart: true });
    },
  },
];

export const notTestable = {
  'config.md#configRoot/1': 'Windows Server Containers only; this suite drives a Linux runtime',
  'config.md#configRoot/2': 'Hyper-V containers only (Windows)',
  'config.md#configRoot/5': 'Windows volume GUID paths only',
  'config.md#configRoot/9': 'Windows only',
  'config.md#configMounts/3': 'advice to config authors (prefer absolute destinations); what a runtime does with a relative one is checked by configMounts/4',
  'config.md#configMounts/5': 'Windows only',
  'config.md#configMounts/6': 'Windows only (nested mount destinations)',
  'config.md#configMounts/7': 'Solaris only',
  'config.md#configMounts/8': 'platforms other than Linux, Windows and Solaris only; Linux allows relative destinations (configMounts/4)',
  'config.md#configMounts/9': 'Windows only',
  'config.md#configPOSIXMounts/2': 'advice to config authors (name idmap or ridmap beside uidMappings), not something a runtime does',
  'config.md#configPOSIXMounts/5': 'advice to config authors (name idmap or ridmap beside gidMappings), not something a runtime does',
  'config.md#configProcess/7': 'Windows only (commandLine)',
  'config.md#configLinuxProcess/8': 'execCPUAffinity applies to exec\'d processes only, and whether their final affinity was left to the kernel or set by the runtime after the cgroup move gives the same Cpus_allowed (the cpuset attach may or may not reset it); no outside observation tells the two apart',
  'config.md#configPlatformSpecificConfiguration/1': 'Windows only (the windows object)',
  'config.md#configAnnotations/4': 'advice to config authors on key naming (reverse domain notation)',
  'config.md#configAnnotations/5': 'a rule for whoever writes org.opencontainers.* annotations (image tools, specifications); a runtime passes annotations through and must ignore unknown ones (configAnnotations/23)',
  ...Object.fromEntries([6, 8, 10, 12, 14, 16, 18, 20].map((n) => [`config.md#configAnnotations/${n}`, 'a constraint on the value a config author or image converter writes for this org.opencontainers.image.* key (validity per the OCI image spec); no runtime behaviour depends on it'])),
  ...Object.fromEntries([7, 9, 11, 13, 15, 17, 21].map((n) => [`config.md#configAnnotations/${n}`, 'a rule for image-to-bundle converters (use per the image spec\'s conversion), not for the runtime'])),
  'config.md#configAnnotations/19': 'a rule for image converters (org.opencontainers.image.created use); the stopSignal row\'s "signal that SHOULD be sent by container runtimes" concerns managers choosing a stop signal — runtime.md\'s kill always takes an explicit signal, so no runtime operation chooses one',
  'config.md#configAnnotations/22': 'a rule for future versions of the specification (reserved keys), not for runtimes',
};
