// rootfsPropagation: every value runs whatever the propagation of the mount above the bundle, and a
// mount the host makes under the rootfs after start reaches the container exactly when the value
// says it should (slave: yes; shared, a peer group of the container's own: no; private: no). No
// mount the container makes ever reaches the host.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { busyboxRootfs, hostMounts, makeBundle, rootSkipReason, stateRoot, tempDir, tsrunc, uniqueId } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

const VALUES = ['shared', 'rshared', 'slave', 'rslave', 'private', 'rprivate', 'unbindable', 'runbindable'] as const;

/** A rootfs copy inside a directory that is its own mount, with the given propagation. */
function rootfsUnder(t: Test, propagation: 'shared' | 'private'): { dir: string; rootfs: string } {
  const dir = tempDir(t, 'tsrunc-prop-');
  execFileSync('mount', ['--bind', dir, dir]);
  t.teardown(() => void spawnSync('umount', ['--recursive', '--lazy', dir]));
  execFileSync('mount', [`--make-${propagation}`, dir]);
  const rootfs = path.join(dir, 'rootfs');
  execFileSync('cp', ['-a', busyboxRootfs, rootfs]);
  return { dir, rootfs };
}

for (const parent of ['shared', 'private'] as const) {
  t.test(`every rootfsPropagation value runs under a ${parent} mount`, async (t) => {
    const { rootfs } = rootfsUnder(t, parent);
    const root = stateRoot(t);
    const before = hostMounts();
    for (const value of VALUES) {
      const r = tsrunc(root, ['run', '--bundle', makeBundle(t, (s) => {
        s.root = { path: rootfs, readonly: true };
        s.linux!.rootfsPropagation = value;
      }), uniqueId(value)]);
      t.equal(r.status, 0, `${value}: ${r.stderr.trim()}`);
    }
    t.same(hostMounts(), before, 'nothing reached the host’s mount table');
  });
}

t.test('a mount the host makes under the rootfs after start reaches the container only for slave', async (t) => {
  const { rootfs } = rootfsUnder(t, 'shared');
  const root = stateRoot(t);
  const expected: Record<string, boolean> = { slave: true, rslave: true, shared: false, rshared: false, private: false, rprivate: false };
  for (const [value, reaches] of Object.entries(expected)) {
    const id = uniqueId(value);
    const r = tsrunc(root, ['run', '-d', '--bundle', makeBundle(t, (s) => {
      s.root = { path: rootfs, readonly: false };
      s.linux!.rootfsPropagation = value as never;
      s.process!.args = ['sleep', '60'];
    }), id]);
    t.equal(r.status, 0, r.stderr);
    const probe = path.join(rootfs, 'mnt', `from-host-${value}`);
    fs.mkdirSync(probe, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', 'tmpfs', probe]);
    const seen = tsrunc(root, ['exec', id, 'sh', '-c', `grep -c " /mnt/from-host-${value} " /proc/self/mountinfo; true`]).stdout.trim();
    t.equal(seen, reaches ? '1' : '0', `${value}: the host's new mount ${reaches ? 'reaches' : 'does not reach'} the container`);
    // And the other way: never.
    const made = tsrunc(root, ['exec', '--cap', 'CAP_SYS_ADMIN', id, 'sh', '-c', `mkdir -p /mnt/from-ctr-${value} && mount -t tmpfs tmpfs /mnt/from-ctr-${value} && echo mounted`]);
    t.equal(made.stdout.trim(), 'mounted', made.stderr);
    t.notOk(hostMounts().some((m) => m.endsWith(`/mnt/from-ctr-${value}`)), `${value}: the container's mount does not reach the host`);
    execFileSync('umount', [probe]);
    t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
  }
});
