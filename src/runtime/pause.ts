/**
 * pause and resume: freeze and thaw every process of the container through its cgroup (freezer
 * on v1, cgroup.freeze on v2), as runc does.
 */
import { StateError } from '../errors.js';
import { openCgroups } from '../cgroups/manager.js';
import { assertTransition, deriveStatus } from '../state/status.js';
import type { RuntimeContext } from './container.js';

export function pauseContainer(ctx: RuntimeContext, id: string, pause: boolean): void {
  const { store } = ctx;
  const lock = store.lock(id);
  try {
    const state = store.read(id);
    assertTransition(pause ? 'pause' : 'resume', deriveStatus(state, store.fifoPath(id)), id);
    if (!state?.cgroupPath) throw new StateError('the container has no cgroup of its own to freeze');
    const cgroups = openCgroups(state.cgroupPath);
    if (pause) cgroups.freeze();
    else cgroups.thaw();
  } finally {
    lock.release();
  }
}
