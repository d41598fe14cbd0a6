/**
 * linux.cgroupsPath (config-linux.md "Cgroups Path"): absolute paths are taken from each
 * hierarchy's root; relative ones, and the default, live under /tsrunc so our cgroups are easy to
 * find and never mixed with the host's (a rootless user's: under <its delegated subtree>/tsrunc).
 */
import path from 'node:path';
import { ConfigError } from '../errors.js';

export const CGROUP_PARENT = '/tsrunc';

/** `parent`: where relative paths and the default go (a rootless user's is in its delegated subtree). */
export function resolveCgroupPath(cgroupsPath: string | undefined, id: string, parent = CGROUP_PARENT): string {
  if (cgroupsPath === undefined || cgroupsPath === '') return `${parent}/${id}`;
  if (/^[^/:]+:[^:]*:[^:]+$/.test(cgroupsPath)) {
    throw new ConfigError('config.json', '/linux/cgroupsPath', `"${cgroupsPath}" is a systemd slice:prefix:name path; the systemd cgroup driver is not supported yet`, 'config-linux.md#configLinuxCgroupsPath');
  }
  // Refused rather than cleaned: ".." in a path that names a cgroup only ever means climbing out of
  // where the config seems to put it.
  if (cgroupsPath.split('/').includes('..')) {
    throw new ConfigError('config.json', '/linux/cgroupsPath', 'must not contain a ".." component', 'config-linux.md#configLinuxCgroupsPath');
  }
  const joined = cgroupsPath.startsWith('/') ? cgroupsPath : `${parent}/${cgroupsPath}`;
  const clean = path.posix.normalize(joined);
  if (clean === '/') {
    throw new ConfigError('config.json', '/linux/cgroupsPath', 'must name a cgroup below the hierarchy root', 'config-linux.md#configLinuxCgroupsPath');
  }
  return clean.replace(/\/$/, '');
}
