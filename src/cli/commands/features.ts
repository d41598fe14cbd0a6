import { defineCommand, print } from '../command.js';

export const featuresCommand = defineCommand<Record<string, never>>({
  command: 'features',
  describe: 'print what this build and host support, as JSON (features.md)',
  async handler() {
    const { features } = await import('../../runtime/features.js');
    print(`${JSON.stringify(features(), null, 2)}\n`);
  },
});
