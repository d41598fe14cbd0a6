import fs from 'node:fs';
import { UsageError } from '../../errors.js';
import { defineCommand } from '../command.js';
import { openRuntime } from '../context.js';

export const eventsCommand = defineCommand<{ containerId: string; stats: boolean; interval: string }>({
  command: 'events <container-id>',
  describe: "print the container's cgroup stats every --interval and an oom event for each OOM kill, as JSON lines (runc's), until it stops; --stats prints the stats once",
  positionals: { 'container-id': { type: 'string' } },
  options: {
    stats: { type: 'boolean', default: false, describe: 'print the stats once and exit' },
    interval: { type: 'string', default: '5s', describe: 'time between stats events (Go duration: 5s, 500ms, 1m)' },
  },
  async handler(args) {
    const { eventJson } = await import('../../cgroups/stats.js');
    const { parseDuration } = await import('../../runtime/events.js');
    const runtime = await openRuntime(args);
    // One write per line, synchronously: a manager reading the pipe sees whole events at once.
    const emit = (e: { type: string; id: string; data?: unknown }) => fs.writeSync(1, `${eventJson(e)}\n`);
    if (args.stats) {
      emit({ type: 'stats', id: args.containerId, data: await runtime.stats(args.containerId) });
      return;
    }
    let intervalMs: number;
    try {
      intervalMs = parseDuration(args.interval);
    } catch {
      throw new UsageError(`invalid value for --interval: ${JSON.stringify(args.interval)}: expected a duration such as 5s or 500ms`);
    }
    for await (const e of runtime.events(args.containerId, { intervalMs })) emit(e);
  },
});
