/**
 * SCMP_ACT_NOTIFY: the listener fd of the container's seccomp filter goes to the agent at
 * linux.seccomp.listenerPath, with the container process state (config-linux.md "The Container
 * Process State"): one connection, one sendmsg carrying the JSON and the fd as SCM_RIGHTS, then
 * closed. The init only reports the fd's number; the runtime copies it with pidfd_getfd, so no
 * extra syscall runs in the container under its fresh filter, and the fd never stays there.
 */
import { closeSync } from 'node:fs';
import { TsruncError } from '../errors.js';
import { native } from '../native.js';
import { OCI_VERSION } from '../version.js';

export interface SeccompListener {
  path: string;
  metadata: string | undefined;
}

/** Copies fd `fdInProcess` out of process `pid` (it stays the caller's to close). */
export function takeSeccompFd(pid: number, fdInProcess: number): number {
  const n = native();
  const pidfd = n.pidfdOpen(pid);
  try {
    return n.pidfdGetfd(pidfd, fdInProcess);
  } finally {
    closeSync(pidfd);
  }
}

/**
 * Sends `fd` with the state of process `pid` to the listener; `state` is the container's state
 * (runtime.md "State") as it is at that moment.
 */
export function sendToSeccompListener(listener: SeccompListener, fd: number, pid: number, state: Record<string, unknown>): void {
  const message: Record<string, unknown> = { ociVersion: OCI_VERSION, fds: ['seccompFd'], pid };
  if (listener.metadata !== undefined) message.metadata = listener.metadata;
  message.state = state;
  const n = native();
  let sock: number | undefined;
  try {
    sock = n.connectUnix(listener.path);
    n.sendFd(sock, JSON.stringify(message), fd);
  } catch (e) {
    throw new TsruncError(`seccomp listener ${listener.path}: ${(e as Error).message}`, { cause: e });
  } finally {
    if (sock !== undefined) closeSync(sock);
  }
}
