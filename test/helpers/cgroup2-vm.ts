/** ../shared/tools/cgroup2-vm: a guest with pure cgroup v2, for what this hybrid host cannot show. */
import fs from 'node:fs';
import path from 'node:path';
import { repoRoot } from './repo.js';

/**
 * The tool: $TSRUNC_CGROUP2_VM, else ../shared/tools/cgroup2-vm beside the checkout (or beside
 * /work/main, where the project's machines keep it, for clones elsewhere), else on PATH.
 */
export function findCgroup2Vm(): string | undefined {
  const candidates = [
    process.env.TSRUNC_CGROUP2_VM,
    path.join(repoRoot, '../shared/tools/cgroup2-vm'),
    '/work/shared/tools/cgroup2-vm',
    ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'cgroup2-vm')),
  ];
  return candidates.find((c) => c && fs.existsSync(c));
}

/**
 * The guest inherits the tool's environment, which carries the test runner's IPC channel and TAP_*
 * settings: a command runs there from a clean one (`env -i` + these).
 */
export const guestEnv = (...extra: string[]) => ['env', '-i', `PATH=${process.env.PATH}`, ...extra];
