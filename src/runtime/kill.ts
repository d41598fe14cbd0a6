/**
 * kill: send a signal to the container's init (runtime.md "Kill"), or with `all` to every process
 * of the container.
 */
import fs from 'node:fs';
import { StateError } from '../errors.js';
import { native } from '../native.js';
import { assertTransition, deriveStatus } from '../state/status.js';
import type { StoredState } from '../state/store.js';
import { openInitPidfd, type RuntimeContext } from './container.js';
import { parseSignal } from './signals.js';

export interface KillOptions {
  /** Signal every process of the container, not only its init. */
  all?: boolean;
}

/** Sends `signal` (name or number, default SIGTERM) to container `id`. */
export function killContainer(ctx: RuntimeContext, id: string, signal: string | number = 'SIGTERM', options: KillOptions = {}): void {
  const signo = parseSignal(signal);
  const { store, log } = ctx;
  const lock = store.lock(id);
  try {
    const state = store.read(id);
    const status = deriveStatus(state, store.fifoPath(id));
    // As runc: `kill --all` of a stopped container has nothing left to signal and succeeds
    // (managers send `kill --all ID 9` when an init without its own pid namespace exits).
    if (options.all && status === 'stopped') return;
    assertTransition('kill', status, id);
    if (options.all) signalOthers(state!, signo, log.warn.bind(log));
    const pidfd = openInitPidfd(state!);
    if (pidfd === undefined) throw new StateError('container not running');
    try {
      native().pidfdSendSignal(pidfd, signo);
    } finally {
      fs.closeSync(pidfd);
    }
  } finally {
    lock.release();
  }
}

/**
 * Signals the container's processes other than its init: those in the init's pid namespace when
 * the container has its own. Without one they cannot be told apart from the host's until cgroups
 * are managed, so only the init is signalled.
 */
function signalOthers(state: StoredState, signo: number, warn: (m: string) => void): void {
  const ownPidNs = state.config.linux?.namespaces?.some((n) => n.type === 'pid' && !n.path);
  if (!ownPidNs) {
    warn('kill --all: the container has no pid namespace of its own; only its init is signalled');
    return;
  }
  let initNs: string;
  try {
    initNs = fs.readlinkSync(`/proc/${state.pid}/ns/pid`);
  } catch {
    return;
  }
  for (const entry of fs.readdirSync('/proc')) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid === state.pid) continue;
    try {
      if (fs.readlinkSync(`/proc/${pid}/ns/pid`) === initNs) process.kill(pid, signo);
    } catch {
      // exited meanwhile
    }
  }
}
