/**
 * The public, typed lifecycle API. The CLI is a thin layer over this class; Node programs use it
 * directly:
 *
 * ```ts
 * import { Runtime } from 'tsrunc';
 * const rt = new Runtime({ root: '/run/tsrunc' });
 * await rt.create('web', { bundle: '/srv/bundles/web' });
 * await rt.start('web');
 * ```
 */
import { StateStore } from '../state/store.js';
import { DEFAULT_ROOT, defaultStateRoot, processIdentity, rootlessMode } from '../state/root.js';
import { setFrozenProbe } from '../state/status.js';
import { openCgroups } from '../cgroups/manager.js';
import type { ContainerState, RuntimeContext } from './container.js';
import type { ExecOptions, ExecResult } from './exec.js';
import type { CreateOptions } from './create.js';
import type { DeleteOptions } from './delete.js';
import type { KillOptions } from './kill.js';
import { type Logger, silentLogger } from './logger.js';
import type { RunOptions, RunResult } from './run.js';
import type { UpdateOptions } from './update.js';
import type { ContainerEvent, EventsOptions } from './events.js';
import type { Stats } from '../cgroups/stats.js';
import type { Resources } from '../spec/generated/config.js';

// Each operation loads its module on first use: the CLI runs one operation per process, and
// `state` should not pay for the plan builder and schema validators that `create` needs.

export interface RuntimeOptions {
  /**
   * Directory holding the containers' state (runc's --root). Default /run/tsrunc for root, else
   * $XDG_RUNTIME_DIR/tsrunc (./../state/root.ts).
   */
  root?: string;
  /** Rootless mode (runc's --rootless): true, false, or 'auto' (the default: not root, or root of a user namespace). */
  rootless?: boolean | 'true' | 'false' | 'auto';
  /** Receives warnings and debug detail; silent by default. */
  logger?: Logger;
}

export { DEFAULT_ROOT };

/** Drives containers through the OCI lifecycle (runtime.md "Operations"). Needs root. */
export class Runtime {
  private readonly ctx: RuntimeContext;

  constructor(options: RuntimeOptions = {}) {
    const identity = processIdentity();
    this.ctx = {
      store: new StateStore(options.root ?? defaultStateRoot(identity)),
      log: options.logger ?? silentLogger,
      rootless: rootlessMode(options.rootless, identity),
    };
    // `paused` is read from the container's cgroup.
    setFrozenProbe((cgroupPath) => openCgroups(cgroupPath).frozen());
  }

  /** Freezes every process of a running container (runc pause). */
  async pause(id: string): Promise<void> {
    const { pauseContainer } = await import('./pause.js');
    pauseContainer(this.ctx, id, true);
  }

  /** Thaws a paused container (runc resume). */
  async resume(id: string): Promise<void> {
    const { pauseContainer } = await import('./pause.js');
    pauseContainer(this.ctx, id, false);
  }

  /**
   * Changes the cgroup limits of a created, running or paused container (runc update). Only the
   * fields `resources` sets change; the rest stay as they are. Returns the warnings (limits this
   * kernel ignores).
   */
  async update(id: string, resources: Resources, options: UpdateOptions = {}): Promise<string[]> {
    const { updateContainer } = await import('./update.js');
    return updateContainer(this.ctx, id, resources, options);
  }

  /** The container's cgroup counters now, in runc's `events --stats` shape. */
  async stats(id: string): Promise<Stats> {
    const { containerStats } = await import('./events.js');
    return containerStats(this.ctx, id);
  }

  /**
   * Stats every `intervalMs` and an `oom` event for each OOM kill in the container, until it stops
   * (runc events). Break out of the loop, or abort `signal`, to stop early.
   */
  async *events(id: string, options: EventsOptions = {}): AsyncGenerator<ContainerEvent> {
    const { containerEvents } = await import('./events.js');
    yield* containerEvents(this.ctx, id, options);
  }

  /** The state root this runtime uses. */
  get root(): string {
    return this.ctx.store.root;
  }

  /**
   * Creates container `id` from a bundle: namespaces, mounts and the init are set up and the init
   * waits for {@link start}. Throws (and leaves nothing behind) if the config cannot be honoured.
   */
  async create(id: string, options: CreateOptions = {}): Promise<ContainerState> {
    const { createContainer } = await import('./create.js');
    return createContainer(this.ctx, id, options);
  }

  /** Runs the user program of a `created` container. */
  async start(id: string): Promise<void> {
    const { startContainer } = await import('./start.js');
    startContainer(this.ctx, id);
  }

  /** The container's state, status derived from its live init. */
  async state(id: string): Promise<ContainerState> {
    const { queryState } = await import('./query.js');
    return queryState(this.ctx, id);
  }

  /** Sends a signal (name like `TERM`/`SIGTERM` or number; default SIGTERM) to a created or running container. */
  async kill(id: string, signal: string | number = 'SIGTERM', options: KillOptions = {}): Promise<void> {
    const { killContainer } = await import('./kill.js');
    killContainer(this.ctx, id, signal, options);
  }

  /** Deletes a stopped container; `force` kills it first and ignores an unknown id. */
  async delete(id: string, options: DeleteOptions = {}): Promise<void> {
    const { deleteContainer } = await import('./delete.js');
    deleteContainer(this.ctx, id, options);
  }

  /** Creates, starts and waits for a container, then deletes it; resolves with its exit status. */
  async run(id: string, options: RunOptions = {}): Promise<RunResult> {
    const { runContainer } = await import('./run.js');
    return runContainer(this.ctx, id, options);
  }

  /**
   * Runs another process in the container (runc exec): in its namespaces and cgroups, with the
   * given process's user, capabilities, env and cwd. Resolves with its pid, and in the foreground
   * (without `detach`) once it exits, with its exit status.
   */
  async exec(id: string, options: ExecOptions): Promise<ExecResult> {
    const { execProcess } = await import('./exec.js');
    return execProcess(this.ctx, id, options);
  }

  /** Host pids of the container's processes, its init first ([] once it has stopped). */
  async ps(id: string): Promise<number[]> {
    const { containerProcesses } = await import('./query.js');
    return containerProcesses(this.ctx, id);
  }

  /** Every container under the root, sorted by id. */
  async list(): Promise<ContainerState[]> {
    const { listContainers } = await import('./query.js');
    return listContainers(this.ctx);
  }
}
