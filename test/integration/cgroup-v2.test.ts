// Pure cgroup v2, from this cgroup v1/hybrid host: the cgroup suite (test/vm/cgroup-v2-suite.ts)
// runs inside a guest whose only hierarchy is cgroup2 (../shared/tools/cgroup2-vm), booted once for
// the whole suite. Its assertions are this file's subtest, counted with the rest.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import t from 'tap';
import { detectCgroupLayout } from '../../src/cgroups/detect.js';
import { findCgroup2Vm, guestEnv } from '../helpers/cgroup2-vm.js';
import { rootSkipReason } from '../helpers/cli.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const suite = path.join(repo, 'dist/test/vm/cgroup-v2-suite.js');

const tool = findCgroup2Vm();
if (rootSkipReason) t.plan(0, rootSkipReason);
else if (detectCgroupLayout().kind === 'v2') t.plan(0, 'this host is pure cgroup v2: cgroups.test.js already runs the v2 suite here');
else if (!tool) {
  // Not a skip: without it the v2 half of the cgroup tests would silently not run.
  t.fail('cgroup2-vm not found (set TSRUNC_CGROUP2_VM, or put ../shared/tools/cgroup2-vm beside the checkout)');
} else {
  // The emulated guest is slow (node starts in ~2 s): a generous limit, and one boot for everything.
  t.setTimeout(40 * 60_000);
  t.spawn(tool, ['--timeout', '2100', '--cwd', repo, '--', ...guestEnv('TAP_TIMEOUT=1800', 'TSRUNC_EXPECT_CGROUP_V2=1'), process.execPath, suite], { cwd: repo }, 'the cgroup suite on a pure cgroup v2 guest');
}
