/**
 * What containers can leave on the host, counted so a long run can compare an early sample with the
 * last one. Other test files run at the same time, so host-wide counts are narrowed to what the
 * run under test owns: its id prefix, its state root, its directory, its child processes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CGROUP_PARENT } from '../../src/cgroups/path.js';

export interface Owned {
  /** Every container id of the run starts with this. */
  idPrefix: string;
  /** The run's state root (where /run/tsrunc would be). */
  root: string;
  /** The run's own directory (bundles, rootfs): host mounts under it are its leaks. */
  dir: string;
}

export interface LeakSample {
  /** Open file descriptors of this process. */
  fds: number;
  /** Threads of this process (a leaked waiter or worker shows here). */
  threads: number;
  /** Host mounts (this process's mount namespace) at or under the run's directory or state root. */
  mounts: number;
  /** Cgroup directories of the run's containers, across hierarchies. */
  cgroupDirs: number;
  /** Entries of the state root, its seccomp cache included. */
  rootEntries: number;
  /** Zombie children of this process. */
  zombies: number;
  /** Live processes inside the run's cgroups, or whose command line names its state root. */
  processes: number;
}

function cgroupHierarchies(): string[] {
  if (fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) return ['/sys/fs/cgroup'];
  return fs
    .readdirSync('/sys/fs/cgroup', { withFileTypes: true })
    .filter((e) => e.isDirectory()) // cpu -> cpu,cpuacct and the like are seen once, through their target
    .map((e) => path.join('/sys/fs/cgroup', e.name));
}

/** Cgroup directories under /tsrunc whose name starts with `idPrefix`, in every hierarchy. */
export function ownedCgroups(idPrefix: string): string[] {
  const found: string[] = [];
  for (const h of cgroupHierarchies()) {
    const parent = path.join(h, CGROUP_PARENT);
    let names: string[] = [];
    try {
      names = fs.readdirSync(parent);
    } catch {
      continue; // no container made one here yet
    }
    for (const name of names) if (name.startsWith(idPrefix)) found.push(path.join(parent, name));
  }
  return found;
}

function read(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return ''; // the process exited while we looked
  }
}

/** This process's open fds, each as `fd -> target`: what a changed count names in a failure. */
export function openFds(): string[] {
  const fds: string[] = [];
  for (const fd of fs.readdirSync('/proc/self/fd')) {
    try {
      fds.push(`${fd} -> ${fs.readlinkSync(`/proc/self/fd/${fd}`)}`);
    } catch {
      // the fd readdir itself used, closed since
    }
  }
  return fds;
}

export function sampleLeaks(owned: Owned): LeakSample {
  let zombies = 0;
  let processes = 0;
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    const stat = read(`/proc/${name}/stat`);
    if (!stat) continue;
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (fields[0] === 'Z') {
      if (Number(fields[1]) === process.pid) zombies++;
      continue;
    }
    const inOwnedCgroup = read(`/proc/${name}/cgroup`).includes(`${CGROUP_PARENT}/${owned.idPrefix}`);
    const namesRoot = read(`/proc/${name}/cmdline`).split('\0').includes(owned.root);
    if (inOwnedCgroup || namesRoot) processes++;
  }
  const mounts = fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .filter((l) => {
      const target = l.split(' ')[4] ?? '';
      return [owned.dir, owned.root].some((d) => target === d || target.startsWith(`${d}/`));
    }).length;
  const status = fs.readFileSync('/proc/self/status', 'utf8');
  return {
    fds: fs.readdirSync('/proc/self/fd').length,
    threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1]),
    mounts,
    cgroupDirs: ownedCgroups(owned.idPrefix).length,
    rootEntries: fs.existsSync(owned.root) ? fs.readdirSync(owned.root).length : 0,
    zombies,
    processes,
  };
}
