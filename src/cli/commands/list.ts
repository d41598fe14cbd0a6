import { defineCommand, print } from '../command.js';
import { openRuntime } from '../context.js';

export const listCommand = defineCommand<{ format: 'table' | 'json'; quiet: boolean }>({
  command: 'list',
  describe: 'list the containers under --root',
  options: {
    format: { alias: 'f', choices: ['table', 'json'], default: 'table', describe: 'output format' },
    quiet: { alias: 'q', type: 'boolean', default: false, describe: 'print only the ids' },
  },
  async handler(args) {
    const states = await (await openRuntime(args)).list();
    if (args.quiet) print(states.map((s) => `${s.id}\n`).join(''));
    else if (args.format === 'json') print(`${JSON.stringify(states)}\n`);
    else print(table(['ID', 'PID', 'STATUS', 'BUNDLE', 'CREATED', 'OWNER'], states.map((s) => [s.id, String(s.pid), s.status, s.bundle, s.created, s.owner || 'root'])));
  },
});

/** runc's tabwriter layout: columns padded to the widest cell, separated by three spaces. */
function table(head: string[], rows: string[][]): string {
  const all = [head, ...rows];
  const widths = head.map((_, i) => Math.max(...all.map((r) => r[i]!.length)));
  return all.map((r) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]! + 3))).join('') + '\n').join('');
}
