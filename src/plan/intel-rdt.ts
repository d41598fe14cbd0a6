/**
 * linux.intelRdt (config-linux.md "IntelRdt"): which resctrl group the container's processes join,
 * what goes to its schemata file, whether tsrunc makes the group (and so removes it at delete), and
 * its MON group. Pure: the runtime (runtime/resctrl.ts) reads the host and carries the plan out.
 */
import path from 'node:path';
import { ConfigError } from '../errors.js';
import type { Spec } from '../spec/generated/config.js';

const SECTION = 'config-linux.md#configLinuxIntelRdt';

export interface PlannedIntelRdt {
  /** The CTRL_MON group's directory (the resctrl root for closID "/"). */
  group: string;
  /** tsrunc makes the group (no closID: one named after the container) and removes it at delete. */
  create: 'own' | 'if-missing' | 'never';
  /** schemata lines, in the order written: l3CacheSchema, memBwSchema, then schemata. */
  schemata: string[];
  /** l3CacheSchema and memBwSchema: an existing group's schemata file must already hold them. */
  mustMatch: string[];
  /** The MON group (enableMonitoring), made and removed by tsrunc. */
  monGroup?: string;
}

/** The resctrl filesystem of the runtime's mount namespace, from mountinfo; undefined without one. */
export function resctrlMountpoint(mountinfo: string): string | undefined {
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep >= 0 && line.slice(sep + 3).startsWith('resctrl ')) return line.slice(0, sep).split(' ')[4];
  }
  return undefined;
}

export function planIntelRdt(rdt: NonNullable<Spec['linux']>['intelRdt'], id: string, resctrl: string | undefined): PlannedIntelRdt | undefined {
  if (!rdt) return undefined;
  if (!resctrl) {
    throw new ConfigError('config.json', '/linux/intelRdt', 'no resctrl filesystem is mounted in the runtime\'s mount namespace (it needs Intel RDT or AMD PQoS hardware and `mount -t resctrl resctrl /sys/fs/resctrl`)', SECTION);
  }
  const closID = rdt.closID;
  if (closID !== undefined && closID !== '/' && (closID === '' || closID.includes('/') || closID === '.' || closID === '..')) {
    throw new ConfigError('config.json', '/linux/intelRdt/closID', `must name one directory of the resctrl filesystem, or be "/" (its root), not ${JSON.stringify(closID)}`, SECTION);
  }
  const lines: Array<[string, string | undefined]> = [
    ['/linux/intelRdt/l3CacheSchema', rdt.l3CacheSchema],
    ['/linux/intelRdt/memBwSchema', rdt.memBwSchema],
    ...(rdt.schemata ?? []).map((s, i): [string, string] => [`/linux/intelRdt/schemata/${i}`, s]),
  ];
  for (const [pointer, value] of lines) {
    if (value !== undefined && /[\n\r]/.test(value)) throw new ConfigError('config.json', pointer, 'must not contain a newline (it is one line of the schemata file)', SECTION);
  }
  const schemata = lines.map(([, v]) => v).filter((v): v is string => v !== undefined && v !== '');
  const group = closID === '/' ? resctrl : path.posix.join(resctrl, closID ?? id);
  const create = closID === undefined ? 'own' : closID === '/' || schemata.length === 0 ? 'never' : 'if-missing';
  const mustMatch = [rdt.l3CacheSchema, rdt.memBwSchema].filter((v): v is string => v !== undefined && v !== '');
  return { group, create, schemata, mustMatch, ...(rdt.enableMonitoring ? { monGroup: path.posix.join(group, 'mon_groups', id) } : {}) };
}
