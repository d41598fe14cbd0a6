// Pure cgroup v2, from this cgroup v1/hybrid host: the cgroup suite (test/vm/cgroup-v2-suite.ts)
// runs inside a guest whose only hierarchy is cgroup2 (../shared/tools/cgroup2-vm), booted once for
// the whole suite. Its assertions are this file's subtest, counted with the rest.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { detectCgroupLayout } from '../../src/cgroups/detect.js';
import { rootSkipReason } from '../helpers/cli.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const suite = path.join(repo, 'dist/test/vm/cgroup-v2-suite.js');

/**
 * The tool: $TSRUNC_CGROUP2_VM, else ../shared/tools/cgroup2-vm beside the checkout (or beside
 * /work/main, where the project's machines keep it, for clones elsewhere), else on PATH.
 */
function findTool(): string | undefined {
  const candidates = [
    process.env.TSRUNC_CGROUP2_VM,
    path.join(repo, '../shared/tools/cgroup2-vm'),
    '/work/shared/tools/cgroup2-vm',
    ...(process.env.PATH ?? '').split(':').map((d) => path.join(d, 'cgroup2-vm')),
  ];
  return candidates.find((c) => c && fs.existsSync(c));
}

const tool = findTool();
if (rootSkipReason) t.plan(0, rootSkipReason);
else if (detectCgroupLayout().kind === 'v2') t.plan(0, 'this host is pure cgroup v2: cgroups.test.js already runs the v2 suite here');
else if (!tool) {
  // Not a skip: without it the v2 half of the cgroup tests would silently not run.
  t.fail('cgroup2-vm not found (set TSRUNC_CGROUP2_VM, or put ../shared/tools/cgroup2-vm beside the checkout)');
} else {
  // The emulated guest is slow (node starts in ~2 s): a generous limit, and one boot for everything.
  t.setTimeout(40 * 60_000);
  // The guest inherits the tool's environment, which carries this runner's IPC channel and TAP_*
  // settings: the suite starts from a clean one instead.
  const guestEnv = [`PATH=${process.env.PATH}`, 'TAP_TIMEOUT=1800', 'TSRUNC_EXPECT_CGROUP_V2=1'];
  t.spawn(tool, ['--timeout', '2100', '--cwd', repo, '--', 'env', '-i', ...guestEnv, process.execPath, suite], { cwd: repo }, 'the cgroup suite on a pure cgroup v2 guest');
}
