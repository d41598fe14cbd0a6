import { defineCommand } from '../command.js';
import { openRuntime } from '../context.js';

export const killCommand = defineCommand<{ containerId: string; signal: string; all: boolean }>({
  command: 'kill <container-id> [signal]',
  describe: 'send a signal (name or number, default SIGTERM) to the container',
  positionals: {
    'container-id': { type: 'string' },
    signal: { type: 'string', default: 'SIGTERM', describe: 'e.g. KILL, SIGTERM, 9' },
  },
  options: { all: { alias: 'a', type: 'boolean', default: false, describe: 'signal every process of the container' } },
  async handler(args) {
    await (await openRuntime(args)).kill(args.containerId, String(args.signal), { all: args.all });
  },
});
