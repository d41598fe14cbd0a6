import fs from 'node:fs';
import path from 'node:path';
import { fromNodeError, UsageError } from '../../errors.js';
import { defineCommand } from '../command.js';

export const specCommand = defineCommand<{ bundle: string }>({
  command: 'spec',
  describe: 'write a default config.json (like runc spec) into the bundle directory; with --rootless, one for an unprivileged user',
  options: {
    bundle: { alias: 'b', type: 'string', default: '.', describe: 'directory to write config.json into' },
  },
  async handler(args) {
    const { defaultSpec, rootlessSpec } = await import('../../runtime/default-spec.js');
    // `spec --rootless` (runc's flag) is the global --rootless given no value: a rootless spec.
    const rootless = args.rootless === '' || args.rootless === 'true';
    const spec = rootless ? rootlessSpec(process.geteuid?.() ?? 0, process.getegid?.() ?? 0) : defaultSpec();
    const file = path.join(args.bundle, 'config.json');
    try {
      // wx: never overwrite an existing config (runc refuses too).
      fs.writeFileSync(file, `${JSON.stringify(spec, null, '\t')}\n`, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new UsageError(`${file} exists: remove it first`);
      throw fromNodeError('write', file, e);
    }
  },
});
