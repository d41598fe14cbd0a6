/**
 * What every lifecycle operation shares: the runtime context, the public state shape, and a
 * pid-reuse-safe handle on the container's init.
 */
import fs from 'node:fs';
import { native } from '../native.js';
import type { StateStore, StoredState } from '../state/store.js';
import { readProcStat, type Status } from '../state/status.js';
import type { Logger } from './logger.js';

export interface RuntimeContext {
  store: StateStore;
  log: Logger;
  /** Rootless mode (state/root.ts rootlessMode): cgroups the user cannot make are done without when no limit needs them. */
  rootless: boolean;
}

/** A container's state as runtime.md defines it, with runc's extra fields (what `state` prints). */
export interface ContainerState {
  ociVersion: string;
  id: string;
  /** The init's pid; 0 once stopped (as runc reports it). */
  pid: number;
  status: Status;
  bundle: string;
  rootfs: string;
  created: string;
  owner: string;
  annotations?: Record<string, string>;
}

/** The public state of a stored container with a freshly derived status. */
export function toContainerState(stored: StoredState, status: Status): ContainerState {
  const out: ContainerState = {
    ociVersion: stored.ociVersion,
    id: stored.id,
    pid: status === 'stopped' ? 0 : stored.pid,
    status,
    bundle: stored.bundle,
    rootfs: stored.rootfs,
    created: stored.created,
    owner: stored.owner,
  };
  if (stored.annotations && Object.keys(stored.annotations).length > 0) out.annotations = stored.annotations;
  return out;
}

/**
 * SIGKILL through a pidfd; false when the process has already exited (ESRCH: it died on its own
 * between the pidfd's opening and now, which is what the caller wanted anyway).
 */
export function killByPidfd(pidfd: number): boolean {
  try {
    native().pidfdSendSignal(pidfd, 9);
    return true;
  } catch (e) {
    if ((e as { code?: string }).code === 'ESRCH') return false;
    throw e;
  }
}

/**
 * A pidfd for the container's init, or undefined if it is gone. The start time is checked after
 * the pidfd is open, so a signal sent through it cannot reach a process that reused the pid.
 */
export function openInitPidfd(state: Pick<StoredState, 'pid' | 'initStartTime'>): number | undefined {
  if (state.pid <= 0) return undefined;
  let pidfd: number;
  try {
    pidfd = native().pidfdOpen(state.pid);
  } catch (e) {
    if ((e as { code?: string }).code === 'ESRCH') return undefined;
    throw e;
  }
  const stat = readProcStat(state.pid);
  if (!stat || stat.startTime !== state.initStartTime) {
    fs.closeSync(pidfd);
    return undefined;
  }
  return pidfd;
}
