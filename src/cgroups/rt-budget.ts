/**
 * Real-time CPU time (cgroup v1 cpu.rt_runtime_us, CONFIG_RT_GROUP_SCHED) for the levels tsrunc
 * keeps above its containers.
 *
 * The kernel lets a group's children together have no larger share of real-time time
 * (runtime/period) than the group itself (kernel/sched/rt.c tg_rt_schedulable), and a new group
 * starts with none. runc puts a container without cgroupsPath straight under the root, whose share
 * is the host's; ours sit under /tsrunc (and the levels of a relative cgroupsPath), which start
 * with none, so a container's realtimeRuntime would fail with a bare EINVAL there. Before it is
 * written, each of our levels is raised, top-down, to what its children then need. Levels that are
 * not ours (an absolute cgroupsPath elsewhere) are left alone, as runc leaves them. Never lowered:
 * a level keeps the share of a container gone until it is removed with its last container.
 */
import path from 'node:path';
import { TsruncError } from '../errors.js';

/** cgroupfs access, replaceable in tests. */
export interface RtFiles {
  /** A number file of a cgroup directory; undefined if it is missing or unreadable. */
  read(dir: string, file: string): number | undefined;
  write(dir: string, file: string, value: number): void;
  /** The child cgroup directories (absolute) of `dir`. */
  children(dir: string): string[];
}

/** The kernel's fixed-point share of a CPU (to_ratio: runtime << 20 / period, both in ns). */
const BW_SHIFT = 20n;
const DEFAULT_PERIOD_US = 1_000_000;

function ratio(runtimeUs: number, periodUs: number): bigint {
  if (runtimeUs <= 0 || periodUs <= 0) return 0n;
  return (BigInt(runtimeUs) * 1000n << BW_SHIFT) / (BigInt(periodUs) * 1000n);
}

/** The smallest runtime (microseconds) whose share over `periodUs` is at least `need`. */
function runtimeFor(need: bigint, periodUs: number): number {
  const period = BigInt(periodUs) * 1000n;
  const runtime = (need * period + (1n << BW_SHIFT) - 1n) >> BW_SHIFT; // ns, rounded up
  let us = (runtime + 999n) / 1000n;
  while (ratio(Number(us), periodUs) < need) us++;
  return Number(us);
}

function shareOf(dir: string, files: RtFiles): bigint {
  return ratio(files.read(dir, 'cpu.rt_runtime_us') ?? 0, files.read(dir, 'cpu.rt_period_us') ?? DEFAULT_PERIOD_US);
}

/**
 * Raises the real-time runtime of the levels from `ownTop` (a path under the cpu hierarchy's mount
 * `mount`, e.g. /tsrunc) down to the parent of `container`, so that `container` may then be given
 * `runtimeUs` over `periodUs` (its current period when undefined). Returns the levels written.
 */
export function raiseRtBudget(mount: string, ownTop: string, container: string, runtimeUs: number, periodUs: number | undefined, files: RtFiles): string[] {
  if (runtimeUs <= 0 || !container.startsWith(`${ownTop}/`)) return [];
  const containerDir = path.join(mount, container);
  // Our levels, top-down: /tsrunc, /tsrunc/a, … (the container's own directory excluded).
  const levels: string[] = [];
  for (let p = path.posix.dirname(container); p.length >= ownTop.length; p = path.posix.dirname(p)) levels.unshift(path.join(mount, p));
  // What each level will need, bottom-up: its other children's shares plus what the next one down needs.
  let need = ratio(runtimeUs, periodUs ?? files.read(containerDir, 'cpu.rt_period_us') ?? DEFAULT_PERIOD_US);
  let below = containerDir;
  const needs = new Map<string, bigint>();
  for (const level of [...levels].reverse()) {
    for (const child of files.children(level)) if (child !== below) need += shareOf(child, files);
    needs.set(level, need);
    below = level;
  }
  const written: string[] = [];
  for (const level of levels) {
    const want = needs.get(level)!;
    if (shareOf(level, files) >= want) continue;
    const runtime = runtimeFor(want, files.read(level, 'cpu.rt_period_us') ?? DEFAULT_PERIOD_US);
    try {
      files.write(level, 'cpu.rt_runtime_us', runtime);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? String(e);
      throw new TsruncError(
        `cgroup: linux.resources.cpu.realtimeRuntime needs ${runtime} us of real-time runtime for tsrunc's level ${level} (its containers' together), which its parent does not leave it (${code}): lower the runtime, or give the parents more (cpu.rt_runtime_us)`,
      );
    }
    written.push(level);
  }
  return written;
}
