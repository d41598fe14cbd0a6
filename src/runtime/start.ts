/**
 * start: open the start gate so the waiting init execs the user program (runtime.md "Start").
 * The gate and the init's pidfd are waited on together: a dead init is an error, never a hang.
 */
import fs from 'node:fs';
import { StateError, HookError } from '../errors.js';
import { native } from '../native.js';
import { assertTransition, deriveStatus } from '../state/status.js';
import { hookStateJson } from '../plan/build.js';
import { killByPidfd, openInitPidfd, type RuntimeContext } from './container.js';
import { runHooks } from './hooks.js';
import type { StoredState } from '../state/store.js';
import { crashPoint } from './faults.js';

/** The init is already blocked at the gate, so this only bounds a wedged kernel or a stopped init. */
const GATE_TIMEOUT_MS = 30_000;

/** Starts container `id`, which must be `created`. */
export function startContainer(ctx: RuntimeContext, id: string): void {
  const { store } = ctx;
  const lock = store.lock(id);
  try {
    const state = store.read(id);
    const fifo = store.fifoPath(id);
    assertTransition('start', deriveStatus(state, fifo), id);
    // runtime.md Start: an error if process was not set, and the container stays `created`.
    if (!state!.config.process) throw new StateError('cannot start a container whose config.json has no process (config.md#configProcess: REQUIRED when start is called); exec can still enter it');
    crashPoint('start:locked');
    const pidfd = openInitPidfd(state!);
    if (pidfd === undefined) throw new StateError('cannot start a container that has stopped');
    try {
      const { outcome, message } = native().waitGate(fifo, pidfd, GATE_TIMEOUT_MS);
      if (outcome === 'exited') throw new StateError('cannot start a container that has stopped');
      if (outcome === 'timeout') throw new StateError(`container init did not pass the start gate within ${GATE_TIMEOUT_MS / 1000}s`);
      // A startContainer hook failed in the init, which has exited: the container is stopped.
      if (outcome === 'refused') throw new HookError(message);
    } finally {
      fs.closeSync(pidfd);
    }
    crashPoint('start:gate-opened');
    // The gate's absence is what marks the container running (see deriveStatus).
    fs.rmSync(fifo, { force: true });
    crashPoint('start:gate-removed');
    const s = state!;
    try {
      runHooks(s.config, 'poststart', hookStateJson(s.config, { bundle: s.bundle, id }, s.pid, 'running'));
    } catch (e) {
      // runtime-spec 1.3: a poststart failure is an error that stops the container.
      killInit(s);
      throw e;
    }
  } finally {
    lock.release();
  }
}

function killInit(state: StoredState): void {
  const pidfd = openInitPidfd(state);
  if (pidfd === undefined) return;
  try {
    if (killByPidfd(pidfd)) native().pidfdWait(pidfd, 10_000);
  } finally {
    fs.closeSync(pidfd);
  }
}
