import { defineCommand } from '../command.js';
import { openRuntime } from '../context.js';
import { rejectUnsupportedIo, type IoArgs, ioOptions } from './io-options.js';

interface RunArgs extends IoArgs {
  containerId: string;
  bundle: string;
  pidFile: string | undefined;
  detach: boolean;
  noPivot: boolean;
  noSubreaper: boolean;
  noNewKeyring: boolean;
  keep: boolean;
}

export const runCommand = defineCommand<RunArgs>({
  command: 'run <container-id>',
  describe: "create and start a container; in the foreground, wait for it, delete it and exit with its status",
  positionals: { 'container-id': { type: 'string' } },
  options: {
    bundle: { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle directory' },
    'pid-file': { type: 'string', describe: 'file to write the container process id to' },
    detach: { alias: 'd', type: 'boolean', default: false, describe: 'return once the container runs' },
    'no-pivot': { type: 'boolean', default: false, describe: 'use chroot instead of pivot_root' },
    'no-subreaper': { type: 'boolean', default: false, describe: 'do not become a child subreaper' },
    'no-new-keyring': { type: 'boolean', default: false, describe: 'accepted for runc compatibility' },
    keep: { type: 'boolean', default: false, describe: 'do not delete the container after it exits' },
    ...ioOptions,
  },
  async handler(args) {
    rejectUnsupportedIo(args);
    const rt = await openRuntime(args);
    const create = { bundle: args.bundle, pidFile: args.pidFile, noPivot: args.noPivot, consoleSocket: args.consoleSocket, preserveFds: args.preserveFds };
    if (args.detach) {
      await rt.create(args.containerId, create);
      try {
        await rt.start(args.containerId);
      } catch (e) {
        await rt.delete(args.containerId, { force: true });
        throw e;
      }
      return;
    }
    const result = await rt.run(args.containerId, { ...create, subreaper: !args.noSubreaper, keep: args.keep });
    process.exitCode = result.exitStatus;
  },
});
