/**
 * A container without a mount namespace of its own (config-linux.md: it inherits the runtime's)
 * makes its mounts in the runtime's mount namespace, under its rootfs. runc leaves them there after
 * delete; tsrunc records which mounts were at or under the rootfs before create (a manager's
 * overlay rootfs, say) and removes every other one at delete, or when create fails, so the mount
 * table is what it was.
 */
import fs from 'node:fs';
import { unescapeMountinfo } from '../cgroups/detect.js';
import { native } from '../native.js';

interface Mount {
  id: number;
  mountpoint: string;
}

/** Mounts of this mount namespace at or under `root`, in mountinfo order (parents first). */
function mountsUnder(root: string): Mount[] {
  const prefix = root.endsWith('/') ? root : `${root}/`;
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const fields = line.split(' ');
      return { id: Number(fields[0]), mountpoint: unescapeMountinfo(fields[4] ?? '') };
    })
    .filter((m) => m.mountpoint === root || m.mountpoint.startsWith(prefix));
}

/** The ids of the mounts at or under `root` now: what must stay. */
export function mountIdsUnder(root: string): number[] {
  return mountsUnder(root).map((m) => m.id);
}

/**
 * Unmounts (lazily) every mount at or under `root` that is not one of `keep`, the deepest first.
 * Returns the mount points it could not unmount, for a warning.
 */
export function unmountAddedUnder(root: string, keep: readonly number[]): string[] {
  const failed: string[] = [];
  const added = mountsUnder(root).filter((m) => !keep.includes(m.id));
  for (const m of added.reverse()) {
    try {
      native().unmount(m.mountpoint);
    } catch (e) {
      // Already gone with its parent (a lazy unmount takes the subtree): not a failure.
      if ((e as { code?: string }).code !== 'EINVAL' && (e as { code?: string }).code !== 'ENOENT') failed.push(m.mountpoint);
    }
  }
  return failed;
}
