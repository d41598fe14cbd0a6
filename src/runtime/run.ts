/**
 * run: create + start, then (in the foreground) forward signals to the init, wait for it, delete
 * the container, and report its exit status — runc's `run`.
 */
import fs from 'node:fs';
import { constants } from 'node:os';
import path from 'node:path';
import { ConfigError, TsruncError } from '../errors.js';
import type { Spec } from '../spec/generated/config.js';
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
  const proc = peekProcess(options.bundle);
  // Refused before create: a container that cannot start is never made (start would refuse it).
  if (proc === null) throw new ConfigError('config.json', '/process', 'is required to run a container (config.md: REQUIRED when start is called)', 'config.md#configProcess');
  // A terminal and nobody to hand it to: we receive the pty master ourselves and attach our stdio.
  const attach = options.consoleSocket === undefined && proc?.terminal === true;
  const pair = attach ? native().socketPair() : undefined;
  let stored;
  try {
    stored = createContainer(ctx, id, pair ? { ...options, consoleSocket: pair[1] } : options);
  } finally {
    if (pair) fs.closeSync(pair[1]);
  }
  const terminal = pair ? attachTerminal(pair[0]) : undefined;
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
    await terminal?.drained();
    if (status.signal !== null) return { exitStatus: 128 + status.signal, signal: signalName(status.signal) };
    return { exitStatus: status.exitCode ?? 0 };
  } finally {
    terminal?.close();
    for (const sig of FORWARDED) process.off(sig, forward);
    if (pidfd !== undefined) fs.closeSync(pidfd);
    if (!(options.keep && started)) deleteContainer(ctx, id, { force: true });
  }
}

/**
 * The bundle's process (read cheaply; create validates it fully): null when config.json has none,
 * undefined when it cannot be read, which create then reports.
 */
function peekProcess(bundle: string | undefined): Spec['process'] | null {
  let spec: Spec;
  try {
    spec = JSON.parse(fs.readFileSync(path.join(bundle ?? process.cwd(), 'config.json'), 'utf8')) as Spec;
  } catch {
    return undefined;
  }
  return spec && typeof spec === 'object' ? (spec.process ?? null) : undefined;
}

/**
 * Our stdio on the container's pty, as `runc run -t` does: our terminal in raw mode, its size
 * copied now and on every resize, everything restored on close.
 */
export function attachTerminal(socket: number): { drained(): Promise<void>; close(): void } {
  const received = native().recvFd(socket);
  fs.closeSync(socket);
  if (!received) throw new TsruncError('the container init sent no terminal');
  const master = received.fd;
  const stdin = process.stdin;
  const raw = stdin.isTTY ? stdin.isRaw : undefined;
  if (stdin.isTTY) stdin.setRawMode(true);
  const resize = () => {
    if (process.stdout.isTTY) native().setWinsize(master, process.stdout.rows, process.stdout.columns);
  };
  resize();
  process.stdout.on('resize', resize);
  const onInput = (chunk: Buffer) => {
    try {
      fs.writeSync(master, chunk);
    } catch {
      // the container side is gone
    }
  };
  stdin.on('data', onInput);
  // Reads block in the thread pool and end with EIO once the container's side closes. The stream
  // owns the master and closes it exactly once: closing it ourselves could race a pending read and
  // hit a reused fd number.
  const output = fs.createReadStream('', { fd: master, autoClose: true });
  const ended = new Promise<void>((resolve) => {
    output.on('end', resolve);
    output.on('close', resolve);
    output.on('error', () => resolve());
  });
  output.pipe(process.stdout, { end: false });
  let closed = false;
  return {
    drained: () => Promise.race([ended, new Promise<void>((r) => setTimeout(r, 2000).unref())]),
    close() {
      if (closed) return;
      closed = true;
      process.stdout.off('resize', resize);
      stdin.off('data', onInput);
      stdin.pause();
      output.unpipe(process.stdout);
      output.destroy();
      if (stdin.isTTY && raw !== undefined) stdin.setRawMode(raw);
    },
  };
}
