import { defineCommand } from '../command.js';
import { openRuntime } from '../context.js';

export const resumeCommand = defineCommand<{ containerId: string }>({
  command: 'resume <container-id>',
  describe: 'thaw a paused container',
  positionals: { 'container-id': { type: 'string' } },
  async handler(args) {
    await (await openRuntime(args)).resume(args.containerId);
  },
});
