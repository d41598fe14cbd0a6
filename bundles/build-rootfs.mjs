#!/usr/bin/env node
// Builds bundles/busybox/rootfs from what the host has, with no network: the static /bin/busybox
// when present (Debian's busybox-static), otherwise the host's /bin/sh and a few tools plus the
// shared libraries ldd reports. Run by `npm ci` (prepare); idempotent.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const rootfs = path.join(path.dirname(fileURLToPath(import.meta.url)), 'busybox', 'rootfs');
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'].find((p) => fs.existsSync(p));
const FALLBACK_TOOLS = ['sh', 'ls', 'cat', 'echo', 'id', 'hostname', 'sleep', 'mkdir', 'touch', 'rm', 'ps', 'mount', 'readlink', 'grep', 'head', 'wc', 'true', 'false', 'env', 'kill', 'stat', 'dd', 'uname', 'date', 'nproc'];

fs.rmSync(rootfs, { recursive: true, force: true });
for (const dir of ['bin', 'dev', 'etc', 'proc', 'sys', 'tmp', 'root', 'run', 'var/tmp', 'usr/bin']) {
  fs.mkdirSync(path.join(rootfs, dir), { recursive: true });
}
fs.chmodSync(path.join(rootfs, 'tmp'), 0o1777);
fs.writeFileSync(path.join(rootfs, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
fs.writeFileSync(path.join(rootfs, 'etc/group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');

if (BUSYBOX) {
  fs.copyFileSync(BUSYBOX, path.join(rootfs, 'bin/busybox'));
  fs.chmodSync(path.join(rootfs, 'bin/busybox'), 0o755);
  const applets = execFileSync(BUSYBOX, ['--list'], { encoding: 'utf8' }).split('\n').filter(Boolean);
  for (const applet of applets) {
    if (applet !== 'busybox') fs.symlinkSync('busybox', path.join(rootfs, 'bin', applet));
  }
  console.log(`bundles/busybox/rootfs: ${BUSYBOX} with ${applets.length} applets`);
} else {
  const copied = new Set();
  const copy = (file) => {
    if (copied.has(file)) return;
    copied.add(file);
    const dest = path.join(rootfs, file);
    fs.mkdirSync(path.dirname(dest), { recursive: true });
    fs.copyFileSync(fs.realpathSync(file), dest);
    fs.chmodSync(dest, 0o755);
    for (const lib of sharedLibraries(file)) copy(lib);
  };
  for (const tool of FALLBACK_TOOLS) {
    const found = ['/bin', '/usr/bin', '/sbin', '/usr/sbin'].map((d) => path.join(d, tool)).find((p) => fs.existsSync(p));
    if (!found) continue;
    copy(found);
    const inBin = path.join(rootfs, 'bin', tool);
    if (!fs.existsSync(inBin)) fs.symlinkSync(path.join('..', path.relative('/', found)), inBin);
  }
  console.log(`bundles/busybox/rootfs: no busybox on this host; copied ${copied.size} files from the host`);
}

/** Absolute paths of the shared libraries (and loader) `file` needs, from ldd. */
function sharedLibraries(file) {
  let out;
  try {
    out = execFileSync('ldd', [file], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  } catch {
    return []; // static, or not an ELF file
  }
  return [...out.matchAll(/(\/\S+) \(0x/g)].map((m) => m[1]);
}
