// conformance/ against tsrunc and Debian's runc on this host: tsrunc passes every case runc
// passes, and fails only the known cases; the statement catalogue is in step with the spec documents.
// (conformance-v2.test.ts does the same on a pure cgroup v2 guest, with crun too.)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { rootSkipReason, tempDir, tsruncBin } from '../helpers/cli.js';
import { checkRule, conformanceArgs, runConformance } from '../helpers/conformance.js';
import { repoPath } from '../helpers/repo.js';

if (rootSkipReason) t.plan(0, rootSkipReason);
t.setTimeout(900_000);

t.test('statements.json is in step with the runtime-spec documents', { skip: [repoPath('../shared/runtime-spec'), '/work/shared/runtime-spec'].some((d) => fs.existsSync(d)) ? false : 'the runtime-spec documents are not beside the checkout' }, async (t) => {
  const r = spawnSync(process.execPath, [repoPath('conformance/extract.mjs'), '--check'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
});

t.test('tsrunc passes every case runc passes, and fails only the known ones', async (t) => {
  const dir = tempDir(t);
  const run = (name: string, filter?: string) => {
    const results = path.join(dir, `${name}.json`);
    const more = ['--report', path.join(dir, `${name}.md`), ...(filter ? ['--filter', filter] : [])];
    return runConformance([process.execPath, ...conformanceArgs([tsruncBin, 'runc'], results, more)], results, 800_000);
  };
  const first = run('first');
  t.equal(first.signal, null, 'the suite finished');
  t.ok(first.verdicts.size >= 140, `${first.verdicts.size} cases ran`);
  t.comment(first.summary);
  checkRule(t, first, ['runc'], (filter) => run('again', filter));
  t.ok(fs.existsSync(path.join(dir, 'first.md')), 'the report was written');
});
