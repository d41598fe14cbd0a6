import { defineCommand } from '../command.js';
import { openRuntime } from '../context.js';

export const deleteCommand = defineCommand<{ containerId: string; force: boolean }>({
  command: 'delete <container-id>',
  describe: 'delete a stopped container (with --force: kill it first; an unknown id is not an error)',
  positionals: { 'container-id': { type: 'string' } },
  options: { force: { alias: 'f', type: 'boolean', default: false, describe: 'kill the container if it runs' } },
  async handler(args) {
    await (await openRuntime(args)).delete(args.containerId, { force: args.force });
  },
});
