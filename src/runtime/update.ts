/**
 * update: new cgroup limits for a live container (runc update). The new values are merged into
 * the container's recorded resources, so a later update (or a v2 swap limit, which is derived from
 * the memory limit) starts from what is really in force.
 */
import { ConfigError, StateError } from '../errors.js';
import { openCgroups } from '../cgroups/manager.js';
import { checkResources } from '../cgroups/resources.js';
import type { Resources } from '../spec/generated/config.js';
import { assertTransition, deriveStatus } from '../state/status.js';
import type { RuntimeContext } from './container.js';

export interface UpdateOptions {
  /** Where `resources` came from, for error messages (runc's -r FILE, or "--memory" style flags). */
  source?: string;
}

/** Applies `changes` (only the fields given change) to container `id`'s cgroups; returns warnings. */
export function updateContainer(ctx: RuntimeContext, id: string, changes: Resources, options: UpdateOptions = {}): string[] {
  const { store } = ctx;
  const lock = store.lock(id);
  try {
    const state = store.read(id);
    assertTransition('update', deriveStatus(state, store.fifoPath(id)), id);
    if (!state!.cgroupPath) throw new StateError('the container has no cgroup of its own to update');
    const linux = (state!.config.linux ??= {});
    const merged = mergeResources(linux.resources ?? {}, changes);
    const problem = checkResources(merged);
    if (problem) throw new ConfigError(options.source ?? 'resources', problem.pointer, problem.message, 'config-linux.md#configLinuxControlGroups');

    const cgroups = openCgroups(state!.cgroupPath);
    const limit = changes.memory?.limit;
    if (merged.memory?.checkBeforeUpdate && limit !== undefined && limit >= 0) {
      // config-linux.md: a limit below current usage MUST be refused (v2 would OOM-kill instead).
      const usage = cgroups.memoryUsage();
      if (usage !== undefined && usage > limit) {
        throw new StateError(`cannot set memory limit ${limit}: the container uses ${usage} bytes now (linux.resources.memory.checkBeforeUpdate)`);
      }
    }
    const warnings: string[] = [];
    cgroups.apply(writeSet(merged, changes), warnings);
    for (const w of warnings) ctx.log.warn(w);
    // Recorded only once applied: the state never claims limits the kernel refused.
    linux.resources = merged;
    store.write(state!);
    return warnings;
  } finally {
    lock.release();
  }
}

/** `base` with what `changes` sets: objects are merged one level down, lists replaced whole. */
export function mergeResources(base: Resources, changes: Resources): Resources {
  const out = structuredClone(base) as Record<string, unknown>;
  const isObject = (v: unknown): v is object => typeof v === 'object' && v !== null && !Array.isArray(v);
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    const current = out[key];
    out[key] = isObject(value) && isObject(current) ? { ...current, ...structuredClone(value) } : structuredClone(value);
  }
  return out as Resources;
}

/**
 * What to write for an update: the fields that changed, plus those whose file value is derived
 * together with them (memory limit and swap on either version; cpu quota and period in cpu.max).
 */
export function writeSet(merged: Resources, changes: Resources): Resources {
  const out: Resources = structuredClone(changes);
  const m = changes.memory;
  if (m && (m.limit !== undefined || m.swap !== undefined)) {
    out.memory = { ...m, limit: merged.memory?.limit, swap: merged.memory?.swap };
  }
  const c = changes.cpu;
  if (c && (c.quota !== undefined || c.period !== undefined)) out.cpu = { ...c, quota: merged.cpu?.quota, period: merged.cpu?.period };
  return JSON.parse(JSON.stringify(out)) as Resources; // drops the undefined the spreads left
}
