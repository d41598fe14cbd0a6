/**
 * The shape of one CLI command (src/cli/commands/<verb>.ts): its yargs definition plus the global
 * options every handler receives. Handlers build arguments, call the library, print; they
 * lazy-import the library so each invocation loads only what its command needs.
 */
import fs from 'node:fs';
import type { Options, PositionalOptions } from 'yargs';
import type { LogFormat } from './log.js';

/** The global flags (runc's): declared once, given to every command. */
export interface GlobalArgs {
  /** --root; undefined: the default for this user (state/root.ts). */
  root: string | undefined;
  rootless: string | undefined;
  log: string | undefined;
  logFormat: LogFormat;
  debug: boolean;
  systemdCgroup: boolean;
}

export interface CliCommand<A> {
  /** yargs command string, e.g. `kill <container-id> [signal]`. */
  command: string;
  describe: string;
  positionals?: Record<string, PositionalOptions>;
  options?: Record<string, Options>;
  handler(args: A & GlobalArgs): Promise<void>;
}

/** Identity helper that checks a command module's shape. */
export function defineCommand<A>(c: CliCommand<A>): CliCommand<A> {
  return c;
}

/**
 * Writes command output to fd 1 directly: the process.stdout stream costs a start its stream
 * modules. A non-blocking stdout (EAGAIN) gets the rest through the stream, which waits.
 */
export function print(text: string): void {
  let data = Buffer.from(text);
  try {
    while (data.length > 0) data = data.subarray(fs.writeSync(1, data));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
    process.stdout.write(data);
  }
}
