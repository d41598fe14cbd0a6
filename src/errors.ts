/**
 * The error types of the library. Every error a user can cause is a {@link TsruncError}: the CLI
 * prints its message as is (`tsrunc: <message>`), anything else is a bug and gets a stack with --debug.
 *
 * Grammar (../shared/design/STYLE.md §4): lowercase, no trailing period,
 * ``<operation> `<path>`: <strerror> (<ERRNO>)``. Upper layers add context with `cause`.
 */
import { getSystemErrorMap } from 'node:util';

export class TsruncError extends Error {
  override name = 'TsruncError';
}

/** The request cannot be satisfied in the container's current state (runc: "container not running", …). */
export class StateError extends TsruncError {
  override name = 'StateError';
}

/** No container with that id (the text callers match is `container does not exist`). */
export class NotFoundError extends StateError {
  override name = 'NotFoundError';
  constructor(readonly id: string) {
    super(`container does not exist: ${id}`);
  }
}

/**
 * A container's state.json cannot be read as one (truncated, garbage, the wrong shape). `salvaged`
 * holds what could still be recovered from it, for `delete --force` to clean up with.
 */
export class CorruptStateError extends StateError {
  override name = 'CorruptStateError';
  constructor(
    readonly id: string,
    reason: string,
    readonly salvaged: Record<string, unknown>,
  ) {
    super(`container ${id}: state.json is corrupt: ${reason}`);
  }
}

/** A bad command line: a flag, an argument, an id. */
/** A hook that failed (ran and exited non-zero, timed out, or could not be run). */
export class HookError extends TsruncError {
  override name = 'HookError';
}

export class UsageError extends TsruncError {
  override name = 'UsageError';
}

/**
 * config.json (or another spec document) is invalid. The message is
 * `<file>: <JSON pointer>: <what was expected> (<spec section>)`.
 */
export class ConfigError extends TsruncError {
  override name = 'ConfigError';
  constructor(
    readonly file: string,
    /** null when the error is about the file as a whole (it is not JSON at all). */
    readonly pointer: string | null,
    readonly expected: string,
    readonly section: string | undefined,
  ) {
    super(`${file}: ${pointer === null ? '' : `${pointer || '/'}: `}${expected}${section ? ` (${section})` : ''}`);
  }
}

/** The host cannot do what the config asks (a missing kernel feature, an unsupported field). */
export class UnsupportedError extends TsruncError {
  override name = 'UnsupportedError';
}

/** A system call failed, here or in the container's init; `step` names what was being done. */
export class SyscallError extends TsruncError {
  override name = 'SyscallError';
  /** The errno name, e.g. EPERM. */
  readonly code: string;
  constructor(
    readonly operation: string,
    readonly path: string | undefined,
    readonly errno: number,
    code?: string,
  ) {
    super(formatSyscallMessage(operation, path, errno, code));
    this.code = code ?? describeErrno(errno)[0];
  }
}

/** ``<operation> `<path>`: <strerror> (<ERRNO>)``; `path` may already carry its own backquotes. */
export function formatSyscallMessage(operation: string, path: string | undefined, errno: number, code?: string): string {
  const [name, text] = describeErrno(errno);
  const where = path === undefined || path === '' ? '' : path.includes('`') ? ` ${path}` : ` \`${path}\``;
  return `${operation}${where}: ${text} (${code ?? name})`;
}

/** [ERRNO name, strerror-like text] for a positive errno, e.g. [EPERM, Operation not permitted]. */
export function describeErrno(errno: number): [string, string] {
  const entry = getSystemErrorMap().get(-Math.abs(errno));
  if (!entry) return [`errno ${errno}`, `error ${errno}`];
  const [name, text] = entry;
  return [name, text.charAt(0).toUpperCase() + text.slice(1)];
}

/** Turns a Node fs error into a SyscallError with our grammar, keeping it as the cause. */
export function fromNodeError(operation: string, path: string, err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (e && typeof e.errno === 'number' && typeof e.code === 'string') {
    const out = new SyscallError(operation, path, Math.abs(e.errno), e.code);
    out.cause = err;
    return out;
  }
  return err instanceof Error ? err : new Error(String(err));
}
