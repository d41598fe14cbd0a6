/**
 * The container's device nodes and /dev symlinks: the default devices of config-linux.md plus
 * linux.devices, created with mknod or, where mknod is not permitted (user namespaces), bound from
 * the host's node at the same path.
 */
import type { PlannedDevice, PlannedSymlink } from './launch-plan.js';
import { S_IF } from './linux.js';
import { cleanContainerPath } from './mounts.js';

/** One entry of linux.devices. */
export interface DeviceEntry {
  path: string;
  type: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  uid?: number;
  gid?: number;
}

/** config-linux.md "Default Devices" (/dev/console comes with terminals, /dev/ptmx is a symlink). */
const DEFAULT_DEVICES: ReadonlyArray<[string, number, number]> = [
  ['/dev/null', 1, 3],
  ['/dev/zero', 1, 5],
  ['/dev/full', 1, 7],
  ['/dev/random', 1, 8],
  ['/dev/urandom', 1, 9],
  ['/dev/tty', 5, 0],
];

const TYPE_BITS: Record<string, number> = Object.setPrototypeOf({ c: S_IF.CHR, u: S_IF.CHR, b: S_IF.BLK, p: S_IF.FIFO }, null);

/**
 * Plans the device nodes: defaults first, each replaced by a linux.devices entry at the same path.
 * `bindFromHost`: mknod is not permitted (the container or the runtime is in a user namespace).
 */
export function planDevices(devices: readonly DeviceEntry[], bindFromHost: boolean): PlannedDevice[] {
  const byPath = new Map<string, PlannedDevice>();
  for (const [path, major, minor] of DEFAULT_DEVICES) {
    byPath.set(path, { mode: S_IF.CHR | 0o666, major, minor, uid: 0, gid: 0, path, bindSource: bindFromHost ? path : '' });
  }
  for (const d of devices) {
    const path = cleanContainerPath(d.path);
    byPath.set(path, {
      mode: (TYPE_BITS[d.type] ?? S_IF.CHR) | ((d.fileMode ?? 0o666) & 0o7777),
      major: d.major ?? 0,
      minor: d.minor ?? 0,
      uid: d.uid ?? 0,
      gid: d.gid ?? 0,
      path,
      bindSource: bindFromHost ? path : '',
    });
  }
  return [...byPath.values()];
}

/** The /dev symlinks every Linux program expects (as runc and crun create them). */
export function planDevSymlinks(hasKcore: boolean): PlannedSymlink[] {
  const links: PlannedSymlink[] = [
    { target: '/proc/self/fd', linkpath: '/dev/fd' },
    { target: '/proc/self/fd/0', linkpath: '/dev/stdin' },
    { target: '/proc/self/fd/1', linkpath: '/dev/stdout' },
    { target: '/proc/self/fd/2', linkpath: '/dev/stderr' },
    // config-linux.md: /dev/ptmx is "a bind-mount or symlink of the container's /dev/pts/ptmx".
    { target: 'pts/ptmx', linkpath: '/dev/ptmx' },
  ];
  if (hasKcore) links.push({ target: '/proc/kcore', linkpath: '/dev/core' });
  return links;
}
