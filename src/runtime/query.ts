/**
 * state and list: read-only, lock-free queries, so a slow create never blocks them.
 */
import { CorruptStateError, NotFoundError } from '../errors.js';
import { deriveStatus } from '../state/status.js';
import { OCI_VERSION } from '../version.js';
import { containerPids } from './processes.js';
import { type ContainerState, type RuntimeContext, toContainerState } from './container.js';

/** The state of container `id` (runtime.md "Query State"); `creating` while its create runs. */
export function queryState(ctx: RuntimeContext, id: string): ContainerState {
  const { store } = ctx;
  const stored = store.read(id);
  // A create still running holds the lock; one that died left its state behind unlocked.
  const lockedByCreate = (!stored || stored.phase === 'creating') && store.isLocked(id);
  if (!stored) {
    // No state.json yet: a create in progress or the debris of one that died.
    const status = deriveStatus(undefined, store.fifoPath(id), lockedByCreate);
    return { ociVersion: OCI_VERSION, id, pid: 0, status, bundle: '', rootfs: '', created: '', owner: '' };
  }
  return toContainerState(stored, deriveStatus(stored, store.fifoPath(id), lockedByCreate));
}

/**
 * Every container in the store, sorted by id; ones deleted meanwhile are skipped, and one whose
 * state is corrupt is reported as a warning (the rest are still listed; delete --force removes it).
 */
export function listContainers(ctx: RuntimeContext): ContainerState[] {
  const out: ContainerState[] = [];
  for (const id of ctx.store.ids()) {
    try {
      out.push(queryState(ctx, id));
    } catch (e) {
      if (e instanceof CorruptStateError) ctx.log.warn(`${e.message} (delete --force removes it)`);
      else if (!(e instanceof NotFoundError)) throw e;
    }
  }
  return out;
}

/** Host pids of container `id`'s processes, its init first (runc `ps`); [] once it has stopped. */
export function containerProcesses(ctx: RuntimeContext, id: string): number[] {
  const stored = ctx.store.read(id); // throws NotFoundError for an unknown id
  return stored ? containerPids(stored) : [];
}
