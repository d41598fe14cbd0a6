/**
 * I/O flags of create and run. --preserve-fds is declared (so parsing matches runc's) and refused
 * with a clear error when actually used, until it is implemented.
 */
import type { Options } from 'yargs';
import { UsageError } from '../../errors.js';

export interface IoArgs {
  consoleSocket: string | undefined;
  preserveFds: number;
}

export const ioOptions: Record<string, Options> = {
  'console-socket': { type: 'string', describe: 'unix socket that receives the pty master when process.terminal is set' },
  'preserve-fds': { type: 'number', default: 0, describe: 'pass N extra file descriptors to the process, from fd 3' },
};

/** Throws for I/O flags given values that make no sense. */
export function rejectUnsupportedIo(args: IoArgs): void {
  if (!Number.isInteger(args.preserveFds) || args.preserveFds < 0 || args.preserveFds > 1000) {
    throw new UsageError(`--preserve-fds: expected a count of file descriptors, got ${args.preserveFds}`);
  }
}
