import { defineCommand, print } from '../command.js';
import { openRuntime } from '../context.js';

export const stateCommand = defineCommand<{ containerId: string }>({
  command: 'state <container-id>',
  describe: "print a container's state as JSON (runtime.md)",
  positionals: { 'container-id': { type: 'string' } },
  async handler(args) {
    const state = await (await openRuntime(args)).state(args.containerId);
    print(`${JSON.stringify(state, null, 2)}\n`);
  },
});
