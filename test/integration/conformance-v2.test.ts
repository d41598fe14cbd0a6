// conformance/'s cgroup cases on a pure cgroup v2 guest (../shared/tools/cgroup2-vm), against
// tsrunc, runc and crun (which refuses this hybrid host): the v2 cases that skip here run there.
// The rule is the host's: tsrunc passes every case runc or crun passes there, and fails only the
// known cases. Only the cgroup cases: the whole suite takes ~20 min in the emulated guest (run by
// hand for conformance/REPORT.md's guest columns: README, "Conformance suite").
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { detectCgroupLayout } from '../../src/cgroups/detect.js';
import { findCgroup2Vm, guestEnv } from '../helpers/cgroup2-vm.js';
import { rootSkipReason, tempDir, tsruncBin } from '../helpers/cli.js';
import { checkRule, conformanceArgs, runConformance } from '../helpers/conformance.js';
import { repoRoot } from '../helpers/repo.js';

const tool = findCgroup2Vm();
const REFERENCES = ['runc', 'crun'];
/** The cases where the cgroup version matters: every cgroup case, and the cgroup namespace. */
const CGROUP_CASES = '[Cc]group';

if (rootSkipReason) t.plan(0, rootSkipReason);
else if (detectCgroupLayout().kind === 'v2') t.plan(0, 'this host is pure cgroup v2: conformance.test.js runs the suite here');
else if (!tool) t.fail('cgroup2-vm not found (set TSRUNC_CGROUP2_VM, or put ../shared/tools/cgroup2-vm beside the checkout)');
else {
  t.setTimeout(20 * 60_000);
  t.test('on pure cgroup v2, tsrunc passes every cgroup case runc or crun passes, and fails only the known ones', async (t) => {
    // Shared read-write with the guest: the verdicts and the report come back through it.
    const dir = tempDir(t, 'tsrunc-conformance-v2-');
    const run = (name: string, filter = CGROUP_CASES) => {
      const results = path.join(dir, `${name}.json`);
      const more = ['--label', 'cgroup v2', '--report', path.join(dir, `${name}.md`), '--filter', filter];
      const inGuest = [tool, '--timeout', '1100', '--rw', dir, '--cwd', repoRoot, '--', ...guestEnv(), process.execPath];
      return runConformance([...inGuest, ...conformanceArgs([tsruncBin, ...REFERENCES], results, more)], results, 1_150_000);
    };
    const first = run('first');
    t.equal(first.signal, null, 'the suite finished in the guest');
    t.ok(first.verdicts.size >= 30, `${first.verdicts.size} cases ran (${first.stderr.trim().split('\n').slice(-3).join(' | ')})`);
    t.comment(first.summary);
    checkRule(t, first, REFERENCES, (filter) => run('again', filter));
    // The v2-only cases really ran there (they skip on this host).
    const delegation = [...first.verdicts].find(([n]) => n.includes('only the delegate files change owner'))?.[1];
    t.equal(delegation?.get('tsrunc'), 'pass', 'cgroup delegation to the container user ran and passed');
    t.ok(fs.existsSync(path.join(dir, 'first.md')), 'the report was written');
  });
}
