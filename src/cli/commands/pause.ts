import { defineCommand } from '../command.js';
import { openRuntime } from '../context.js';

export const pauseCommand = defineCommand<{ containerId: string }>({
  command: 'pause <container-id>',
  describe: 'freeze every process of a running container',
  positionals: { 'container-id': { type: 'string' } },
  async handler(args) {
    await (await openRuntime(args)).pause(args.containerId);
  },
});
