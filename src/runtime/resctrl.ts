/**
 * Carries out a planned linux.intelRdt (plan/intel-rdt.ts) on the resctrl filesystem: the group
 * made or checked, its schemata written, the MON group made, the init's pid written to tasks; and
 * at delete, what create made removed. The file operations are passed in (`ResctrlFs`) so that the
 * rules can be tested where no resctrl exists (no machine of ours has RDT hardware).
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, fromNodeError, TsruncError } from '../errors.js';
import type { PlannedIntelRdt } from '../plan/intel-rdt.js';

export interface ResctrlFs {
  exists(p: string): boolean;
  mkdir(p: string): void;
  rmdir(p: string): void;
  read(p: string): string;
  write(p: string, data: string): void;
}

export const hostResctrl: ResctrlFs = {
  exists: (p) => fs.existsSync(p),
  mkdir: (p) => fs.mkdirSync(p),
  rmdir: (p) => fs.rmdirSync(p),
  read: (p) => fs.readFileSync(p, 'utf8'),
  write: (p, data) => fs.writeFileSync(p, data),
};

/** What create made, recorded in the state for delete. */
export interface ResctrlMade {
  group?: string;
  monGroup?: string;
}

const SECTION = 'config-linux.md#configLinuxIntelRdt';
const squash = (line: string) => line.replace(/\s+/g, '');

/**
 * Makes or checks the group and the MON group and writes the schemata (before any pid goes in);
 * returns what it made. On failure, what it made is removed again.
 */
export function prepareResctrl(plan: PlannedIntelRdt, rfs: ResctrlFs = hostResctrl): ResctrlMade {
  const made: ResctrlMade = {};
  // A closID group made here stays after delete (the spec: only the container's own goes), but a
  // create that fails takes back everything it made.
  const undo: ResctrlMade = {};
  const op = <T>(what: string, p: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw fromNodeError(`resctrl: ${what}`, p, e);
    }
  };
  try {
    const exists = rfs.exists(plan.group);
    if (plan.create === 'own' && exists) throw new TsruncError(`resctrl: ${plan.group} exists already: another container (or the host) has a group of this container's name`);
    if (plan.create === 'never' && !exists) {
      throw new ConfigError('config.json', '/linux/intelRdt/closID', `the pre-configured resctrl group ${plan.group} does not exist (with no schemata to write, closID names an existing group)`, SECTION);
    }
    if (exists && plan.create !== 'own' && plan.mustMatch.length) {
      const have = new Set(op('read', path.join(plan.group, 'schemata'), () => rfs.read(path.join(plan.group, 'schemata'))).split('\n').map(squash));
      const differs = plan.mustMatch.find((line) => !have.has(squash(line)));
      if (differs !== undefined) {
        throw new ConfigError('config.json', '/linux/intelRdt/closID', `the existing resctrl group ${plan.group} has other schemata than "${differs}"`, SECTION);
      }
    }
    if (!exists) {
      op('create', plan.group, () => rfs.mkdir(plan.group));
      undo.group = plan.group;
      if (plan.create === 'own') made.group = plan.group;
    }
    // One write per line, in the order the spec gives (l3CacheSchema, memBwSchema, schemata).
    for (const line of plan.schemata) op(`write ${JSON.stringify(line)} to`, path.join(plan.group, 'schemata'), () => rfs.write(path.join(plan.group, 'schemata'), `${line}\n`));
    if (plan.monGroup) {
      op('create the MON group', plan.monGroup, () => rfs.mkdir(plan.monGroup!));
      made.monGroup = undo.monGroup = plan.monGroup;
    }
    return made;
  } catch (e) {
    removeResctrl(undo, rfs);
    throw e;
  }
}

/** Puts `pid` in the group (through the MON group where there is one: it is in both then). */
export function joinResctrl(plan: PlannedIntelRdt, pid: number, rfs: ResctrlFs = hostResctrl): void {
  const tasks = path.join(plan.monGroup ?? plan.group, 'tasks');
  try {
    rfs.write(tasks, String(pid));
  } catch (e) {
    throw fromNodeError('resctrl: join', tasks, e);
  }
}

/** Removes what create made: the MON group, and the group where tsrunc made it (never a closID's). */
export function removeResctrl(made: ResctrlMade, rfs: ResctrlFs = hostResctrl): void {
  for (const dir of [made.monGroup, made.group]) {
    if (!dir) continue;
    try {
      rfs.rmdir(dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fromNodeError('resctrl: remove', dir, e);
    }
  }
}
