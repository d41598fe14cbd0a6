/**
 * delete: remove a stopped container (runtime.md "Delete"); with `force`, kill it first.
 * The container's mounts live in its own mount namespace, which the kernel tears down with its last
 * process; only a container without one leaves mounts in ours, which are removed here.
 */
import fs from 'node:fs';
import { CorruptStateError, NotFoundError, TsruncError } from '../errors.js';
import { native } from '../native.js';
import { assertTransition, deriveStatus, readProcStat } from '../state/status.js';
import type { Remains, StoredState } from '../state/store.js';
import { hookStateJson } from '../plan/build.js';
import { killByPidfd, openInitPidfd, type RuntimeContext } from './container.js';
import { runHooks } from './hooks.js';
import { cgroupPathOf, openCgroups } from '../cgroups/manager.js';
import { removeResctrl } from './resctrl.js';
import { unmountAddedUnder } from './host-mounts.js';
import { resolveCgroupPath } from '../cgroups/path.js';
import { crashPoint } from './faults.js';

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
    crashPoint('delete:locked');
    // We hold the lock, so no create is running: a missing state.json is debris of one that died.
    let state: StoredState | undefined;
    let remains: Remains;
    try {
      state = store.read(id);
      remains = { ...state };
    } catch (e) {
      // A corrupt state: with --force, remove what it still names, and the cgroup its id implies.
      if (!(options.force && e instanceof CorruptStateError)) throw e;
      ctx.log.warn(`${e.message}; removing what is left of it`);
      remains = { ...(e.salvaged as Remains) };
      // Cut short before its cgroupPath: a live init (the same process, by its start time) still
      // tells where it is; else the path its id implies.
      const initLives = remains.pid !== undefined && remains.initStartTime !== undefined && readProcStat(remains.pid)?.startTime === remains.initStartTime;
      remains.cgroupPath ??= (initLives ? cgroupPathOf(remains.pid!) : undefined) ?? resolveCgroupPath(undefined, id);
    }
    const status = state ? deriveStatus(state, store.fifoPath(id)) : 'stopped';
    if (status !== 'stopped' && !options.force) assertTransition('delete', status, id);
    // Whatever the status, nothing of the container outlives its delete: a create that died may
    // have left an init at the start gate. Through the cgroup first (every process, and it thaws a
    // paused one), then the init by its pidfd.
    if (remains.cgroupPath) openCgroups(remains.cgroupPath).killAll();
    crashPoint('delete:cgroup-killed');
    if (remains.pid && remains.initStartTime) {
      killAndWait({ pid: remains.pid, initStartTime: remains.initStartTime });
      reapIfOurs({ pid: remains.pid, initStartTime: remains.initStartTime });
    }
    crashPoint('delete:init-killed');
    // As runc: whatever is left in the cgroup (processes outside a pid namespace) goes with it.
    if (remains.cgroupPath) openCgroups(remains.cgroupPath).destroy({ kill: true, parents: remains.cgroupParents ?? [] });
    crashPoint('delete:cgroups-removed');
    if (state?.resctrl) removeResctrl(state.resctrl);
    if (remains.hostMountsBefore && remains.rootfs) {
      for (const left of unmountAddedUnder(remains.rootfs, remains.hostMountsBefore)) ctx.log.warn(`could not unmount ${left}`);
    }
    crashPoint('delete:mounts-removed');
    store.remove(id);
    crashPoint('delete:state-removed');
    if (state?.config.hooks?.poststop?.length) {
      // runtime.md: a poststop failure is a warning; the remaining hooks run and the delete succeeds.
      runHooks(state.config, 'poststop', hookStateJson(state.config, { bundle: state.bundle, id }, 0, 'stopped'), (e) => ctx.log.warn(e.message));
    }
  } finally {
    lock.release();
  }
}


function killAndWait(state: Pick<StoredState, 'pid' | 'initStartTime'>): void {
  const pidfd = openInitPidfd(state);
  if (pidfd === undefined) return;
  try {
    if (killByPidfd(pidfd) && !native().pidfdWait(pidfd, KILL_TIMEOUT_MS)) {
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
function reapIfOurs(state: Pick<StoredState, 'pid' | 'initStartTime'>): void {
  const stat = readProcStat(state.pid);
  if (!stat || stat.state !== 'Z' || stat.startTime !== state.initStartTime) return;
  try {
    native().waitPid(state.pid, true);
  } catch {
    // not our child (ECHILD): its parent reaps it
  }
}
