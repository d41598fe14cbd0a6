/**
 * Cgroups in rootless mode, as runc decides them: a user may make cgroups only where one was
 * delegated to it (cgroup v2, a subtree it owns, as systemd's user@.service gives). Where it may
 * not, a config that asks for no limit runs without a cgroup of its own (its processes stay in the
 * caller's, as with runc); a config that asks for one is refused, naming what is missing. Device
 * rules are never a cgroup matter here: the user namespace already keeps the container to the
 * device nodes bound from the host, with the user's own access. Pure, but for the host reads
 * passed in.
 */
import path from 'node:path';
import type { Resources } from '../spec/generated/config.js';
import type { CgroupLayout } from './detect.js';

/** The JSON pointers (under /linux/resources) of the limits `resources` asks for; device rules aside. */
export function limitsAsked(resources: Resources): string[] {
  const asked: string[] = [];
  for (const [key, value] of Object.entries(resources)) {
    if (key === 'devices' || value === undefined || value === null) continue;
    const given = Array.isArray(value) ? value.length > 0 : typeof value === 'object' ? Object.values(value as object).some((v) => v !== undefined && v !== null) : true;
    if (given) asked.push(`/linux/resources/${key}`);
  }
  return asked;
}

/** What the host tells about a cgroup directory. */
export interface CgroupDirInfo {
  /** Owner of the directory, or undefined when it does not exist. */
  owner(dir: string): number | undefined;
}

/**
 * The top of the cgroup v2 subtree delegated to `euid` that holds cgroup `own` (the caller's, from
 * /proc/self/cgroup): the highest ancestor of `own` that `euid` owns, along with every level below
 * it. Undefined when `own` itself is not the user's (no delegation: v1, or a v2 cgroup of root's).
 */
export function delegatedSubtree(mountpoint: string, own: string, euid: number, info: CgroupDirInfo): string | undefined {
  let top: string | undefined;
  for (let rel = path.posix.normalize(own); ; rel = path.posix.dirname(rel)) {
    if (info.owner(path.posix.join(mountpoint, rel)) !== euid) break;
    top = rel;
    if (rel === '/') break;
  }
  return top;
}

/** Where a rootless container's cgroup goes, or why it gets none. */
export type RootlessCgroups =
  | { kind: 'own'; parent: string }
  | { kind: 'none'; why: string };

/**
 * The parent of rootless containers' cgroups: `<delegated subtree>/tsrunc` on a v2 host that
 * delegated a subtree to the caller; else no cgroup can be made, and `why` says what is missing.
 */
export function rootlessCgroupParent(layout: CgroupLayout, ownV2Cgroup: string | undefined, euid: number, info: CgroupDirInfo): RootlessCgroups {
  if (layout.kind !== 'v2') {
    return { kind: 'none', why: `this host has cgroup ${layout.kind === 'none' ? 'no hierarchy' : 'v1'} hierarchies, where an unprivileged user cannot be given a cgroup subtree (rootless limits need cgroup v2 with a delegated subtree)` };
  }
  if (ownV2Cgroup === undefined) return { kind: 'none', why: 'this process is in no cgroup v2 hierarchy' };
  const top = delegatedSubtree(layout.unified!, ownV2Cgroup, euid, info);
  if (top === undefined) {
    return { kind: 'none', why: `no cgroup v2 subtree is delegated to uid ${euid}: its cgroup ${path.posix.join(layout.unified!, ownV2Cgroup)} is not its own (as systemd's user@.service with Delegate=yes would make it)` };
  }
  return { kind: 'own', parent: path.posix.join(top, 'tsrunc') };
}
