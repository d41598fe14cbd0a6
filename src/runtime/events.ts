/**
 * events and events --stats (runc events): the container's cgroup counters in runc's JSON, and an
 * `oom` event for every OOM kill inside it, until the container stops.
 */
import { StateError } from '../errors.js';
import { type CgroupManager, openCgroups } from '../cgroups/manager.js';
import type { Stats } from '../cgroups/stats.js';
import { deriveStatus, initAlive } from '../state/status.js';
import type { StoredState } from '../state/store.js';
import type { RuntimeContext } from './container.js';

export interface ContainerEvent {
  type: 'stats' | 'oom';
  id: string;
  data?: Stats;
}

export interface EventsOptions {
  /** Milliseconds between stats events; 0 or less sends none (runc's --interval, default 5 s). */
  intervalMs?: number;
  /** Ends the stream. */
  signal?: AbortSignal;
}

/** How often the OOM counter is read: runc's eventfd reports at once; 100 ms is close enough. */
const OOM_POLL_MS = 100;

function open(ctx: RuntimeContext, id: string): { state: StoredState; cgroups: CgroupManager } {
  const { store } = ctx;
  const state = store.read(id);
  if (deriveStatus(state, store.fifoPath(id)) === 'stopped') throw new StateError(`container with id ${id} is not running`);
  if (!state!.cgroupPath) throw new StateError('the container has no cgroup of its own');
  return { state: state!, cgroups: openCgroups(state!.cgroupPath) };
}

/** The container's counters now (runc events --stats). */
export function containerStats(ctx: RuntimeContext, id: string): Stats {
  return open(ctx, id).cgroups.stats();
}

/** Stats every interval and OOM kills as they happen, until the container stops or `signal` aborts. */
export async function* containerEvents(ctx: RuntimeContext, id: string, options: EventsOptions = {}): AsyncGenerator<ContainerEvent> {
  const { state, cgroups } = open(ctx, id);
  const interval = options.intervalMs ?? 5000;
  // v1 signals OOM through an eventfd and v2 through inotify on memory.events, both needing a
  // poll loop anyway in Node; reading the kill counter is as quick and works the same on both.
  let kills = cgroups.oomKills();
  let nextStats = interval > 0 ? Date.now() + interval : Infinity;
  for (;;) {
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, Math.min(OOM_POLL_MS, nextStats - Date.now()))));
    if (options.signal?.aborted) return;
    // The counter before the liveness check: an init that was itself OOM-killed is still reported.
    const now = cgroups.oomKills();
    for (; kills < now; kills++) yield { type: 'oom', id };
    if (!initAlive(state)) return;
    if (Date.now() >= nextStats) {
      nextStats = Date.now() + interval;
      yield { type: 'stats', id, data: cgroups.stats() };
    }
  }
}

/** Go's time.ParseDuration, for --interval ("5s", "1m30s", "250ms"), in milliseconds. */
export function parseDuration(text: string): number {
  // Escaped: one non-ASCII character makes V8 hold the whole bundled CLI as two-byte source.
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, '\u00b5s': 1e-3, '\u03bcs': 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  const t = text.trim();
  if (t === '0') return 0;
  const sign = t.startsWith('-') ? -1 : 1;
  const body = t.replace(/^[-+]/, '');
  if (!/^(\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)((\d+(\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h))*$/.test(body)) throw new StateError(`invalid duration ${JSON.stringify(text)}`);
  let ms = 0;
  for (const m of body.matchAll(/(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)/g)) ms += Number(m[1]) * units[m[2]!]!;
  return sign * ms;
}
