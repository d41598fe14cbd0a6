/**
 * delete: remove a stopped container (runtime.md "Delete"); with `force`, kill it first.
 * The container's mounts live in its own mount namespace, which the kernel tears down with its last
 * process; only a container without one leaves mounts in ours, which are removed here.
 */
import fs from 'node:fs';
import { NotFoundError, TsruncError } from '../errors.js';
import { native } from '../native.js';
import { assertTransition, deriveStatus, readProcStat } from '../state/status.js';
import type { StoredState } from '../state/store.js';
import { hookStateJson } from '../plan/build.js';
import { openInitPidfd, type RuntimeContext } from './container.js';
import { runHooks } from './hooks.js';
import { openCgroups } from '../cgroups/manager.js';
import { unmountAddedUnder } from './host-mounts.js';

export interface DeleteOptions {
  /** Kill the container if it still runs; an unknown id is not an error (containerd relies on it). */
  force?: boolean;
}

const KILL_TIMEOUT_MS = 10_000;

/** Deletes container `id`. */
export function deleteContainer(ctx: RuntimeContext, id: string, options: DeleteOptions = {}): void {
  const { store } = ctx;
  let lock;
  try {
    lock = store.lock(id);
  } catch (e) {
    if (options.force && e instanceof NotFoundError) return;
    throw e;
  }
  try {
    // We hold the lock, so no create is running: a missing state.json is debris of one that died.
    const state = store.read(id);
    const status = deriveStatus(state, store.fifoPath(id));
    if (status !== 'stopped') {
      if (!options.force) assertTransition('delete', status, id);
      // Through the cgroup when there is one: it reaches every process, and thaws a paused container.
      if (state?.cgroupPath) openCgroups(state.cgroupPath).killAll();
      killAndWait(state!);
    }
    if (state) reapIfOurs(state);
    // As runc: whatever is left in the cgroup (processes outside a pid namespace) goes with it.
    if (state?.cgroupPath) openCgroups(state.cgroupPath).destroy({ kill: true, parents: state.cgroupParents ?? [] });
    if (state?.hostMountsBefore) {
      for (const left of unmountAddedUnder(state.rootfs, state.hostMountsBefore)) ctx.log.warn(`could not unmount ${left}`);
    }
    store.remove(id);
    if (state?.config.hooks?.poststop?.length) {
      try {
        runHooks(state.config, 'poststop', hookStateJson(state.config, { bundle: state.bundle, id }, 0, 'stopped'));
      } catch (e) {
        // runtime.md: a poststop failure is logged, the container is deleted all the same.
        ctx.log.warn((e as Error).message);
      }
    }
  } finally {
    lock.release();
  }
}

function killAndWait(state: StoredState): void {
  const pidfd = openInitPidfd(state);
  if (pidfd === undefined) return;
  try {
    native().pidfdSendSignal(pidfd, 9);
    if (!native().pidfdWait(pidfd, KILL_TIMEOUT_MS)) {
      throw new TsruncError(`container init (pid ${state.pid}) did not exit within ${KILL_TIMEOUT_MS / 1000}s of SIGKILL`);
    }
  } finally {
    fs.closeSync(pidfd);
  }
}

/**
 * A library user's process is the init's parent (the init is cloned with CLONE_PARENT): reap the
 * zombie here rather than leave it to accumulate.
 */
function reapIfOurs(state: StoredState): void {
  const stat = readProcStat(state.pid);
  if (!stat || stat.state !== 'Z' || stat.startTime !== state.initStartTime) return;
  try {
    native().waitPid(state.pid, true);
  } catch {
    // not our child (ECHILD): its parent reaps it
  }
}
