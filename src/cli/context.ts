/**
 * What handlers share for one invocation: the log (made before parsing, so even a usage error is
 * logged as the caller asked) and a Runtime on the global --root.
 */
import type { Runtime } from '../runtime/runtime.js';
import type { GlobalArgs } from './command.js';
import { CliLog } from './log.js';

let log = new CliLog({ file: undefined, format: 'text', debug: false });

export function setLog(l: CliLog): void {
  log = l;
}

export function getLog(): CliLog {
  return log;
}

/** A Runtime for the invocation's --root, logging through the CLI log. */
export async function openRuntime(args: GlobalArgs): Promise<Runtime> {
  const { Runtime } = await import('../runtime/runtime.js');
  return new Runtime({ root: args.root, rootless: args.rootless as 'true' | 'false' | 'auto' | undefined, logger: log });
}
