/**
 * The processes of a container, found without cgroups (until they are managed): every process in
 * the init's pid namespace when the container has its own, else the init and its descendants.
 */
import fs from 'node:fs';
import { openCgroups } from '../cgroups/manager.js';
import { initAlive, readProcStat } from '../state/status.js';
import type { StoredState } from '../state/store.js';

/** Host pids of the container's live processes, the init first; [] when the init is gone. */
export function containerPids(state: StoredState): number[] {
  const init = state.pid;
  if (state.cgroupPath) {
    // The cgroup holds exactly the container's processes, whatever their namespaces.
    const inCgroup = openCgroups(state.cgroupPath).pids();
    const alive = initAlive(state);
    return [...(alive ? [init] : []), ...inCgroup.filter((p) => p !== init).sort((a, b) => a - b)];
  }
  if (!initAlive(state)) return [];
  const ownPidNs = state.config.linux?.namespaces?.some((n) => n.type === 'pid' && !n.path);
  const pids = fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number);
  if (ownPidNs) {
    let initNs: string;
    try {
      initNs = fs.readlinkSync(`/proc/${init}/ns/pid`);
    } catch {
      return [];
    }
    const same = pids.filter((pid) => {
      try {
        return pid !== init && fs.readlinkSync(`/proc/${pid}/ns/pid`) === initNs;
      } catch {
        return false; // exited meanwhile
      }
    });
    return [init, ...same.sort((a, b) => a - b)];
  }
  const children = new Map<number, number[]>();
  for (const pid of pids) {
    const ppid = readProcStat(pid)?.ppid;
    if (ppid !== undefined) children.set(ppid, [...(children.get(ppid) ?? []), pid]);
  }
  const out: number[] = [];
  for (const queue = [init]; queue.length; ) {
    const pid = queue.shift()!;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []).sort((a, b) => a - b));
  }
  return out;
}
