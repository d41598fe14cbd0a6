/**
 * Which cgroup layout the host has, read from a mountinfo table: pure v2 (unified), v1, or hybrid
 * (v1 controllers plus a cgroup2 mount, e.g. at /sys/fs/cgroup/unified).
 */
import { readFileSync } from 'node:fs';

export interface CgroupV1Hierarchy {
  /** Where the hierarchy is mounted on the host, e.g. /sys/fs/cgroup/cpu,cpuacct. */
  mountpoint: string;
  /** The controllers or name= option it was mounted with, e.g. "cpu,cpuacct" or "name=systemd". */
  controllers: string;
}

export interface CgroupLayout {
  kind: 'v2' | 'v1' | 'hybrid' | 'none';
  v1: CgroupV1Hierarchy[];
  /** Mount point of the cgroup2 hierarchy, if any. */
  unified: string | undefined;
}

/** Parses /proc/self/mountinfo text (proc(5)) into the host's cgroup layout. */
export function parseCgroupLayout(mountinfo: string): CgroupLayout {
  const v1: CgroupV1Hierarchy[] = [];
  let unified: string | undefined;
  for (const line of mountinfo.split('\n')) {
    const sep = line.indexOf(' - ');
    if (sep < 0) continue;
    const fields = line.slice(0, sep).split(' ');
    const [fstype, , superOptions = ''] = line.slice(sep + 3).split(' ');
    const mountpoint = unescapeMountinfo(fields[4] ?? '');
    // Only a mount of a hierarchy's root, and the first one: a bind of a cgroup directory (a
    // container's own, under a rootfs that shares our mount namespace) is not where the host keeps it.
    if (fields[3] !== '/') continue;
    if (fstype === 'cgroup2') unified ??= mountpoint;
    else if (fstype === 'cgroup') {
      const controllers = superOptions
        .split(',')
        .filter((o) => o !== 'rw' && o !== 'ro' && !o.startsWith('release_agent') && o !== 'clone_children' && o !== 'noprefix' && o !== 'xattr' && o !== 'cpuset_v2_mode')
        .join(',');
      if (!v1.some((h) => h.controllers === controllers)) v1.push({ mountpoint, controllers });
    }
  }
  const kind = v1.length === 0 ? (unified ? 'v2' : 'none') : unified ? 'hybrid' : 'v1';
  return { kind, v1, unified };
}

/**
 * This process's own cgroup in each hierarchy, from /proc/self/cgroup text (cgroups(7)): keyed by
 * the hierarchy's controller list as mounted ("cpu,cpuacct", "name=systemd"), '' for cgroup v2.
 */
export function parseProcCgroup(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^\d+:([^:]*):(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

let last: { mountinfo: string; layout: CgroupLayout } | undefined;

/** The layout of this host (parsed again only when the mount table has changed). */
export function detectCgroupLayout(): CgroupLayout {
  const mountinfo = readFileSync('/proc/self/mountinfo', 'utf8');
  if (last?.mountinfo !== mountinfo) last = { mountinfo, layout: parseCgroupLayout(mountinfo) };
  return last.layout;
}

/** mountinfo escapes space, tab, newline and backslash as octal (\040 …). */
export function unescapeMountinfo(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, oct: string) => String.fromCharCode(parseInt(oct, 8)));
}

/** /sys/kernel/cgroup/delegate (the files a delegated cgroup's owner needs), undefined on kernels without it. */
export function readDelegateList(): string | undefined {
  try {
    return readFileSync('/sys/kernel/cgroup/delegate', 'utf8');
  } catch {
    return undefined;
  }
}
