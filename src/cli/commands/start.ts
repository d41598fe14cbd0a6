import { defineCommand } from '../command.js';
import { openRuntime } from '../context.js';

export const startCommand = defineCommand<{ containerId: string }>({
  command: 'start <container-id>',
  describe: 'run the user process of a created container',
  positionals: { 'container-id': { type: 'string' } },
  async handler(args) {
    await (await openRuntime(args)).start(args.containerId);
  },
});
