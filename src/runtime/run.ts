/**
 * run: create + start, then (in the foreground) forward signals to the init, wait for it, delete
 * the container, and report its exit status — runc's `run`.
 */
import fs from 'node:fs';
import { constants } from 'node:os';
import { native } from '../native.js';
import { openInitPidfd, type RuntimeContext } from './container.js';
import { createContainer, type CreateOptions } from './create.js';
import { deleteContainer } from './delete.js';
import { signalName } from './signals.js';
import { startContainer } from './start.js';

export interface RunOptions extends CreateOptions {
  /**
   * Become a child subreaper (prctl(2) PR_SET_CHILD_SUBREAPER), so processes the container orphans
   * outside its own pid namespace reparent to us, as runc run does. Process-wide: the CLI sets it,
   * library users decide.
   */
  subreaper?: boolean;
  /** Leave the stopped container in place instead of deleting it (runc's --keep). */
  keep?: boolean;
}

export interface RunResult {
  /** The exit code, or 128 + the signal number when the init was killed (the shell's convention). */
  exitStatus: number;
  /** The signal that killed the init, e.g. SIGKILL. */
  signal?: string;
}

/** Signals a foreground `run` passes on to the container's init. */
const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGCONT'];

/** Runs container `id` to completion and deletes it; resolves with its exit status. */
export async function runContainer(ctx: RuntimeContext, id: string, options: RunOptions = {}): Promise<RunResult> {
  if (options.subreaper) native().setChildSubreaper();
  const stored = createContainer(ctx, id, options);
  const pidfd = openInitPidfd({ pid: stored.pid, initStartTime: ctx.store.read(id)!.initStartTime });
  const forward = (sig: NodeJS.Signals) => {
    if (pidfd === undefined) return;
    try {
      native().pidfdSendSignal(pidfd, constants.signals[sig]);
    } catch {
      // the init is gone; the wait below returns
    }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  let started = false;
  try {
    startContainer(ctx, id);
    started = true;
    // The init is our child (cloned with CLONE_PARENT), so waitpid sees its real exit status.
    const status = await native().waitPidAsync(stored.pid);
    if (status.signal !== null) return { exitStatus: 128 + status.signal, signal: signalName(status.signal) };
    return { exitStatus: status.exitCode ?? 0 };
  } finally {
    for (const sig of FORWARDED) process.off(sig, forward);
    if (pidfd !== undefined) fs.closeSync(pidfd);
    if (!(options.keep && started)) deleteContainer(ctx, id, { force: true });
  }
}
