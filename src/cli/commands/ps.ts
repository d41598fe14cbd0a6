import { TsruncError } from '../../errors.js';
import { defineCommand, print } from '../command.js';
import { openRuntime } from '../context.js';

export const psCommand = defineCommand<{ containerId: string; format: 'table' | 'json'; '--'?: string[] }>({
  command: 'ps <container-id>',
  describe: "list the container's processes: `--format json` prints their pids (as containerd reads them); the table is ps(1)'s, `-ef` unless ps options follow `--`",
  positionals: { 'container-id': { type: 'string' } },
  options: { format: { alias: 'f', choices: ['table', 'json'], default: 'table', describe: 'output format' } },
  async handler(args) {
    const pids = await (await openRuntime(args)).ps(args.containerId);
    if (args.format === 'json') {
      print(`${JSON.stringify(pids)}\n`);
      return;
    }
    // As runc: run ps(1) and keep its header and the lines whose PID column is the container's.
    const { spawnSync } = process.getBuiltinModule('node:child_process'); // kept out of the CLI's start
    const r = spawnSync('ps', args['--']?.length ? args['--'] : ['-ef'], { encoding: 'utf8' });
    if (r.status !== 0) throw new TsruncError(`ps: ${r.error?.message ?? r.stderr.trim()}`);
    const [header = '', ...lines] = r.stdout.split('\n');
    const column = header.trim().split(/\s+/).indexOf('PID');
    if (column < 0) throw new TsruncError('ps: no PID column in its output');
    const wanted = new Set(pids.map(String));
    print([header, ...lines.filter((l) => wanted.has(l.trim().split(/\s+/)[column] ?? ''))].join('\n') + '\n');
  },
});
