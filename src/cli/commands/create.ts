import { defineCommand } from '../command.js';
import { openRuntime } from '../context.js';
import { rejectUnsupportedIo, type IoArgs, ioOptions } from './io-options.js';

interface CreateArgs extends IoArgs {
  containerId: string;
  bundle: string;
  pidFile: string | undefined;
  noPivot: boolean;
  noNewKeyring: boolean;
}

export const createCommand = defineCommand<CreateArgs>({
  command: 'create <container-id>',
  describe: 'create a container from a bundle; its process waits for `start`',
  positionals: { 'container-id': { type: 'string', describe: 'unique id of the container' } },
  options: {
    bundle: { alias: 'b', type: 'string', default: '.', describe: 'path to the bundle directory' },
    'pid-file': { type: 'string', describe: 'file to write the container process id to' },
    'no-pivot': { type: 'boolean', default: false, describe: 'use chroot instead of pivot_root (rootfs on ramfs)' },
    'no-new-keyring': { type: 'boolean', default: false, describe: 'accepted for runc compatibility: no session keyring is ever created' },
    ...ioOptions,
  },
  async handler(args) {
    rejectUnsupportedIo(args);
    const rt = await openRuntime(args);
    await rt.create(args.containerId, { bundle: args.bundle, pidFile: args.pidFile, noPivot: args.noPivot, consoleSocket: args.consoleSocket, preserveFds: args.preserveFds });
  },
});
