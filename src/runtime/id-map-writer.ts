/**
 * Writes a new user namespace's maps as plan/id-maps.ts decided: directly through the addon's
 * verified procfs handle, or through the setuid helpers newuidmap/newgidmap.
 */
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { TsruncError } from '../errors.js';
import { native } from '../native.js';
import { type IdMapping, idMapText, type UserNamespaceMaps } from '../plan/id-maps.js';

/** The argv of newuidmap/newgidmap for `pid`: pid then each containerID hostID size. */
export function helperArgs(pid: number, mappings: readonly IdMapping[]): string[] {
  return [String(pid), ...mappings.flatMap((m) => [String(m.containerID), String(m.hostID), String(m.size)])];
}

/** Writes the maps of process `pid`'s new user namespace as the plan says. */
export function writeIdMaps(pid: number, { uid, gid, writers }: UserNamespaceMaps): void {
  const direct = (file: string, data: string) => native().writeProcFile(pid, file, data);
  const helper = (bin: string, field: string, mappings: readonly IdMapping[]) => {
    const r = spawnSync(bin, helperArgs(pid, mappings), { encoding: 'utf8', env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    if (r.status !== 0) {
      const said = (r.stderr || r.error?.message || `exit status ${r.status}`).trim().replace(/\s+/g, ' ');
      throw new TsruncError(`${field}: ${path.basename(bin)} refused the mappings (the user's ranges are in /etc/sub${field.includes('uid') ? 'uid' : 'gid'}): ${said}`);
    }
  };
  if (writers.uidHelper) helper(writers.uidHelper, 'linux.uidMappings', uid);
  else direct('uid_map', idMapText(uid));
  if (writers.denySetgroups) direct('setgroups', 'deny');
  if (writers.gidHelper) helper(writers.gidHelper, 'linux.gidMappings', gid);
  else direct('gid_map', idMapText(gid));
}
