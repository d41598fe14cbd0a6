/**
 * Container status, re-derived from reality on every call (never trusted from disk): is the init
 * alive with the start time we recorded (pid reuse guard), and is the start gate still there?
 *
 *   creating ──▶ created ──start──▶ running ──(init exits)──▶ stopped ──delete──▶ (gone)
 *       └───────────┴──────(init dies / kill)──────────────────▶ stopped
 *   created or running ──pause──▶ paused ──resume──▶ what it was
 */
import fs from 'node:fs';
import { StateError } from '../errors.js';
import type { StoredState } from './store.js';

export type Status = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

/** starttime (field 22 of /proc/<pid>/stat) and the state letter, or undefined if no such process. */
export function readProcStat(pid: number): { startTime: string; state: string; ppid: number } | undefined {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // comm (field 2) may contain spaces and parentheses: the fields resume after the last ')'.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { state: rest[0] ?? '', ppid: Number(rest[1]), startTime: rest[19] ?? '' };
}

/** The init recorded in `state` still runs (not exited, not a zombie, not a reused pid). */
export function initAlive(state: Pick<StoredState, 'pid' | 'initStartTime'>): boolean {
  if (state.pid <= 0) return false;
  const stat = readProcStat(state.pid);
  return stat !== undefined && stat.startTime === state.initStartTime && stat.state !== 'Z' && stat.state !== 'X';
}

/**
 * The status of a container. `lockedByCreate`: a create holds the container's lock right now.
 * Without a finished create (no state yet, or a state still in phase `creating`) that means
 * `creating`; otherwise it is what a create that died left, which is `stopped` so that delete
 * clears it (and kills an init it may have left at the start gate).
 */
export function deriveStatus(state: StoredState | undefined, fifoPath: string, lockedByCreate = false): Status {
  if (!state || state.phase === 'creating') return lockedByCreate ? 'creating' : 'stopped';
  if (!initAlive(state)) return 'stopped';
  // Frozen first, as runc reads it: a created container can be paused too, and is created again
  // once resumed.
  if (frozen(state)) return 'paused';
  // The gate's file goes after the init passed it: a start that died in between leaves it, but the
  // init has exec'd the container's program, which a running container is.
  return fs.existsSync(fifoPath) && !initHasExeced(state) ? 'created' : 'running';
}

/** `dev:ino` of the file process `pid` runs (its /proc/<pid>/exe), or undefined if it cannot be seen. */
export function exeIdentity(pid: number): string | undefined {
  try {
    const st = fs.statSync(`/proc/${pid}/exe`, { bigint: true });
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

/** The init no longer runs the helper create recorded (a state without the record: not known, so no). */
function initHasExeced(state: StoredState): boolean {
  if (state.initExe === undefined) return false;
  const now = exeIdentity(state.pid);
  return now !== undefined && now !== state.initExe;
}

/** The container's cgroup is frozen (`pause`). Read only for a live init. */
function frozen(state: StoredState): boolean {
  if (!state.cgroupPath) return false;
  return isFrozen(state.cgroupPath);
}

let isFrozen: (cgroupPath: string) => boolean = () => false;

/** Installed by the cgroup module, so this file stays free of it (and testable without one). */
export function setFrozenProbe(probe: (cgroupPath: string) => boolean): void {
  isFrozen = probe;
}

/** The operations whose allowed statuses runtime.md fixes, with runc's wording for refusals. */
export type Operation = 'start' | 'kill' | 'delete' | 'pause' | 'resume' | 'update';

/** Throws a StateError with runc's wording unless `op` is allowed in `status`. */
export function assertTransition(op: Operation, status: Status, id: string): void {
  switch (op) {
    case 'start':
      if (status === 'created') return;
      if (status === 'stopped') throw new StateError('cannot start a container that has stopped');
      if (status === 'running') throw new StateError('cannot start an already running container');
      throw new StateError(`cannot start a container in the ${status} state`);
    case 'kill':
    case 'update':
      if (status === 'created' || status === 'running' || status === 'paused') return;
      throw new StateError('container not running');
    case 'pause':
      // As runc: a created container too (its init waits at the gate, frozen; resume makes it created again).
      if (status === 'running' || status === 'created') return;
      if (status === 'paused') throw new StateError('container already paused');
      throw new StateError('container not running');
    case 'resume':
      if (status === 'paused') return;
      throw new StateError('container not paused');
    case 'delete':
      if (status === 'stopped') return;
      throw new StateError(`cannot delete container ${id} that is not stopped: ${status}`);
  }
}
