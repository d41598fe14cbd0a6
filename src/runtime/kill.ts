/**
 * kill: send a signal to the container's init (runtime.md "Kill"), or with `all` to every process
 * of the container.
 */
import fs from 'node:fs';
import { CorruptStateError, StateError } from '../errors.js';
import { native } from '../native.js';
import { assertTransition, deriveStatus } from '../state/status.js';
import type { Remains, StoredState } from '../state/store.js';
import { openInitPidfd, type RuntimeContext } from './container.js';
import { containerPids } from './processes.js';
import { parseSignal } from './signals.js';
import { crashPoint } from './faults.js';

export interface KillOptions {
  /** Signal every process of the container, not only its init. */
  all?: boolean;
}

/** Sends `signal` (name or number, default SIGTERM) to container `id`. */
export function killContainer(ctx: RuntimeContext, id: string, signal: string | number = 'SIGTERM', options: KillOptions = {}): void {
  const signo = parseSignal(signal);
  const { store } = ctx;
  const lock = store.lock(id);
  try {
    let state: StoredState | undefined;
    try {
      state = store.read(id);
    } catch (e) {
      if (!(e instanceof CorruptStateError)) throw e;
      // A manager stops a container before it deletes it (podman rm -f: kill, then delete --force):
      // the init the corrupt state still names (checked by its start time) gets the signal.
      killSalvagedInit(ctx, e, signo);
      return;
    }
    const status = deriveStatus(state, store.fifoPath(id));
    // As runc: `kill --all` of a stopped container has nothing left to signal and succeeds
    // (managers send `kill --all ID 9` when an init without its own pid namespace exits).
    if (options.all && status === 'stopped') return;
    assertTransition('kill', status, id);
    crashPoint('kill:locked');
    if (options.all) signalOthers(state!, signo);
    crashPoint('kill:others-signalled');
    const pidfd = openInitPidfd(state!);
    if (pidfd === undefined) throw new StateError('container not running');
    try {
      native().pidfdSendSignal(pidfd, signo);
    } finally {
      fs.closeSync(pidfd);
    }
  } finally {
    lock.release();
  }
}

function killSalvagedInit(ctx: RuntimeContext, e: CorruptStateError, signo: number): void {
  const { pid, initStartTime } = e.salvaged as Remains;
  const pidfd = pid !== undefined && initStartTime !== undefined ? openInitPidfd({ pid, initStartTime }) : undefined;
  if (pidfd === undefined) throw e;
  ctx.log.warn(`${e.message}; signalling the init it names (${pid})`);
  try {
    native().pidfdSendSignal(pidfd, signo);
  } finally {
    fs.closeSync(pidfd);
  }
}

/** Signals the container's processes other than its init (see containerPids). */
function signalOthers(state: StoredState, signo: number): void {
  for (const pid of containerPids(state).slice(1)) {
    try {
      process.kill(pid, signo);
    } catch {
      // exited meanwhile
    }
  }
}
