/**
 * linux.cgroupsPath (config-linux.md "Cgroups Path"): absolute paths are taken from each
 * hierarchy's root; relative ones, and the default, live under /tsrunc so our cgroups are easy to
 * find and never mixed with the host's (a rootless user's: under <its delegated subtree>/tsrunc).
 */
import path from 'node:path';
import { ConfigError, UsageError } from '../errors.js';

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

/**
 * exec --cgroup values (runc's form, `[<controllers>:]<path>`, repeatable): controller list → a
 * sub-cgroup of the container's, relative to it; '' = every hierarchy. cgroup v2 takes no
 * controller prefix (one hierarchy). Pure; existence is checked where it is joined.
 */
export function parseSubCgroups(values: readonly string[], v2: boolean): Map<string, string> {
  const out = new Map<string, string>();
  for (const value of values) {
    const colon = value.indexOf(':');
    const controllers = colon < 0 ? [''] : value.slice(0, colon).split(',');
    const sub = colon < 0 ? value : value.slice(colon + 1);
    const bad = (why: string) => new UsageError(`--cgroup ${JSON.stringify(value)}: ${why}`);
    if (v2 && colon >= 0) throw bad('cgroup v2 has one hierarchy: give the sub-cgroup without a controller');
    if (sub === '' || sub.startsWith('/')) throw bad("expected a sub-cgroup of the container's, relative to it");
    if (sub.split('/').includes('..')) throw bad('must not contain a ".." component');
    for (const c of controllers) {
      if (c === '' && colon >= 0) throw bad('an empty controller name');
      if (out.has(c)) throw bad(`${c || 'the sub-cgroup'} is given twice`);
      out.set(c, path.posix.normalize(sub).replace(/\/$/, ''));
    }
  }
  return out;
}
