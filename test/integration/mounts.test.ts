// Mounts behave as configured, seen from inside: binds (ro, rw, file), tmpfs, read-only root,
// masked and read-only paths, and a destination symlink that must not lead out of the rootfs.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { busyboxRootfs, hostMounts, rootSkipReason, runScript, stateRoot, tempDir } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

t.test('bind mounts: read-only, read-write and a single file', async (t) => {
  const host = tempDir(t);
  fs.mkdirSync(path.join(host, 'ro'));
  fs.mkdirSync(path.join(host, 'rw'));
  fs.writeFileSync(path.join(host, 'ro/data'), 'from the host');
  fs.writeFileSync(path.join(host, 'file.txt'), 'one file');
  const before = hostMounts();
  const r = runScript(
    t,
    stateRoot(t),
    'cat /mnt/ro/data; echo; (echo x > /mnt/ro/new) 2>/dev/null && echo ro-writable || echo ro-refused; echo written > /mnt/rw/out; cat /etc/one.txt',
    (s) => {
      s.mounts!.push(
        { destination: '/mnt/ro', type: 'bind', source: path.join(host, 'ro'), options: ['rbind', 'ro'] },
        { destination: '/mnt/rw', type: 'bind', source: path.join(host, 'rw'), options: ['bind', 'rw'] },
        { destination: '/etc/one.txt', type: 'bind', source: path.join(host, 'file.txt'), options: ['bind', 'ro'] },
      );
    },
  );
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'from the host\nro-refused\none file');
  t.equal(fs.readFileSync(path.join(host, 'rw/out'), 'utf8'), 'written\n', 'a rw bind writes through to the host');
  t.notOk(fs.existsSync(path.join(host, 'ro/new')));
  t.same(hostMounts(), before, 'no mount leaked into the host namespace');
});

t.test('tmpfs with options, and a read-only root', async (t) => {
  const r = runScript(
    t,
    stateRoot(t),
    'grep " /scratch " /proc/self/mounts; (touch /rootfile) 2>/dev/null && echo root-writable || echo root-refused; echo ok > /scratch/f && cat /scratch/f',
    (s) => {
      s.root!.readonly = true;
      s.mounts!.push({ destination: '/scratch', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'nodev', 'size=1m', 'mode=700'] });
    },
  );
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, /^tmpfs \/scratch tmpfs rw,nosuid,nodev,\S*size=1024k,mode=700/m);
  t.match(r.stdout, /^root-refused$/m);
  t.match(r.stdout, /^ok$/m);
});

t.test('a writable root when root.readonly is false', async (t) => {
  // A private copy of the rootfs, since the shared one must stay clean.
  const rootfs = path.join(tempDir(t), 'rootfs');
  execFileSync('cp', ['-a', busyboxRootfs, rootfs]);
  const r = runScript(t, stateRoot(t), 'touch /made-inside && echo made', (s) => (s.root = { path: rootfs, readonly: false }));
  t.equal(r.status, 0, r.stderr);
  t.ok(fs.existsSync(path.join(rootfs, 'made-inside')));
});

t.test('masked and read-only paths', async (t) => {
  const r = runScript(
    t,
    stateRoot(t),
    // /proc/keys (a file) and /sys/firmware (a directory) are in the default maskedPaths; /proc/kcore
    // is too, but not every kernel has it.
    'wc -c < /proc/keys; ls /sys/firmware | wc -l; (echo 1 > /proc/sys/kernel/domainname) 2>/dev/null && echo sys-writable || echo sys-refused',
  );
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, '0\n0\nsys-refused\n');
});

t.test('a symlinked destination cannot lead a mount out of the rootfs', async (t) => {
  const rootfs = path.join(tempDir(t), 'rootfs');
  execFileSync('cp', ['-a', busyboxRootfs, rootfs]);
  const victim = tempDir(t, 'tsrunc-victim-');
  fs.writeFileSync(path.join(victim, 'keep'), 'host file');
  // An absolute symlink and a ../ climb, both pointing at the host directory.
  fs.symlinkSync(victim, path.join(rootfs, 'evil-abs'));
  fs.symlinkSync(`../../../../../../../../${victim}`, path.join(rootfs, 'evil-rel'));
  const r = runScript(t, stateRoot(t), 'ls /evil-abs /evil-rel', (s) => {
    s.root = { path: rootfs, readonly: false };
    s.mounts!.push(
      { destination: '/evil-abs', type: 'tmpfs', source: 'tmpfs', options: [] },
      { destination: '/evil-rel/sub', type: 'tmpfs', source: 'tmpfs', options: [] },
    );
  });
  t.equal(r.status, 0, r.stderr);
  t.same(fs.readdirSync(victim), ['keep'], 'the host directory was not touched');
  // Both links resolve, inside the rootfs, to <rootfs>/<victim>: the first tmpfs lands there and the
  // second mount point is made inside that tmpfs (so only the container sees it).
  t.ok(fs.statSync(path.join(rootfs, victim)).isDirectory(), 'the mount point was created inside the rootfs instead');
  t.match(r.stdout, /\/evil-abs:\nsub\n/, 'the container sees the second mount point through the first link');
});
