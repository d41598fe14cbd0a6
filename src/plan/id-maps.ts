/**
 * Who writes a new user namespace's uid_map and gid_map (user_namespaces(7)), as runc and crun
 * decide it. A runtime with CAP_SETUID/CAP_SETGID writes any maps itself. An unprivileged one may
 * write only a single line mapping its own id, and for gid_map must deny setgroups first; anything
 * wider (the user's /etc/subuid and /etc/subgid ranges) goes through the setuid helpers
 * newuidmap/newgidmap (Debian's uidmap package), which check those files. Decided here, at plan
 * time (a config it cannot serve is refused before anything is made); runtime/id-map-writer.ts
 * carries it out.
 */
import { ConfigError } from '../errors.js';

export interface IdMapping {
  containerID: number;
  hostID: number;
  size: number;
}

export interface Writer {
  euid: number;
  egid: number;
  /** The runtime holds CAP_SETUID and CAP_SETGID (root, or root of the user namespace it runs in). */
  privileged: boolean;
  /** Absolute paths of newuidmap and newgidmap where installed. */
  helpers: IdMapHelpers;
}

export interface IdMapHelpers {
  newuidmap?: string;
  newgidmap?: string;
}

export interface MapWriters {
  /** newuidmap's path, or undefined: the runtime writes uid_map itself. */
  uidHelper?: string;
  /** newgidmap's path, or undefined: the runtime writes gid_map itself. */
  gidHelper?: string;
  /** setgroups is denied before gid_map is written (an unprivileged writer of its own gid). */
  denySetgroups: boolean;
}

const CAP_SETGID = 6n;
const CAP_SETUID = 7n;

/** Whether an effective capability set holds both CAP_SETUID and CAP_SETGID. */
export function canSetIds(effective: bigint): boolean {
  return ((effective >> CAP_SETUID) & 1n) === 1n && ((effective >> CAP_SETGID) & 1n) === 1n;
}

const ownOnly = (mappings: readonly IdMapping[], id: number) => mappings.length === 1 && mappings[0]!.hostID === id && mappings[0]!.size === 1;

/** How each map is written; a config the result cannot serve is refused with its pointer. */
export function mapWriters(uidMappings: readonly IdMapping[], gidMappings: readonly IdMapping[], additionalGids: readonly number[], who: Writer): MapWriters {
  if (who.privileged) return { denySetgroups: false };
  const helper = (name: keyof IdMapHelpers, pointer: string) => {
    const found = who.helpers[name];
    if (found) return found;
    throw new ConfigError('config.json', pointer, `rootless: mapping more than the user's own id needs ${name} (Debian package uidmap), which is not installed`, 'config-linux.md#configLinuxUserNamespaceMappings');
  };
  const uidHelper = ownOnly(uidMappings, who.euid) ? undefined : helper('newuidmap', '/linux/uidMappings');
  const gidDirect = ownOnly(gidMappings, who.egid);
  if (gidDirect && additionalGids.length > 0) {
    throw new ConfigError(
      'config.json',
      '/process/user/additionalGids',
      `rootless: with a gid mapping of only the user's own gid (${who.egid}), setgroups is denied in the container, so no additional gids can be set: map a range of /etc/subgid in linux.gidMappings`,
      'config-linux.md#configLinuxUserNamespaceMappings',
    );
  }
  return { uidHelper, gidHelper: gidDirect ? undefined : helper('newgidmap', '/linux/gidMappings'), denySetgroups: gidDirect };
}

/** Where the setuid helpers are looked for: managers exec the runtime with no PATH at all. */
const HELPER_DIRS = ['/usr/bin', '/bin', '/usr/sbin', '/sbin', '/usr/local/bin'];

/** newuidmap and newgidmap as installed (`exists`: the host's check). */
export function findIdMapHelpers(exists: (p: string) => boolean): IdMapHelpers {
  const find = (name: string) => HELPER_DIRS.map((d) => `${d}/${name}`).find(exists);
  return { newuidmap: find('newuidmap'), newgidmap: find('newgidmap') };
}

/** Mappings as uid_map/gid_map text (user_namespaces(7): "containerID hostID size" lines). */
export function idMapText(mappings: readonly IdMapping[]): string {
  return mappings.map((m) => `${m.containerID} ${m.hostID} ${m.size}\n`).join('');
}

/** A new user namespace's maps and who writes them. */
export interface UserNamespaceMaps {
  uid: IdMapping[];
  gid: IdMapping[];
  writers: MapWriters;
}
