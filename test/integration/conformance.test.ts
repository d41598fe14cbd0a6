// conformance/ against tsrunc and Debian's runc on this host: tsrunc passes every case runc
// passes, and fails none; the statement catalogue is in step with the spec documents.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { rootSkipReason, tempDir, tsruncBin } from '../helpers/cli.js';
import { repoPath } from '../helpers/repo.js';

if (rootSkipReason) t.plan(0, rootSkipReason);
t.setTimeout(900_000);

t.test('statements.json is in step with the runtime-spec documents', { skip: [repoPath('../shared/runtime-spec'), '/work/shared/runtime-spec'].some((d) => fs.existsSync(d)) ? false : 'the runtime-spec documents are not beside the checkout' }, async (t) => {
  const r = spawnSync(process.execPath, [repoPath('conformance/extract.mjs'), '--check'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
});

t.test('tsrunc passes every case runc passes, and fails none', async (t) => {
  const report = path.join(tempDir(t), 'REPORT.md');
  const r = spawnSync(process.execPath, [repoPath('conformance/run.mjs'), '--runtime', tsruncBin, '--runtime', 'runc', '--report', report], { encoding: 'utf8', timeout: 800_000 });
  t.equal(r.signal, null, 'the suite finished');
  const verdicts = new Map<string, Map<string, string>>();
  for (const line of r.stdout.split('\n')) {
    const m = /^(not ok|ok) \d+ - (\w+): (.*?)(?: # SKIP (.*))?$/.exec(line);
    if (!m) continue;
    const [, ok, runtime, name, skip] = m;
    if (!verdicts.has(name!)) verdicts.set(name!, new Map());
    verdicts.get(name!)!.set(runtime!, skip !== undefined ? 'skip' : ok === 'ok' ? 'pass' : 'fail');
  }
  t.ok(verdicts.size >= 20, `${verdicts.size} cases ran`);
  const tsruncFails = [...verdicts].filter(([, v]) => v.get('tsrunc') === 'fail').map(([n]) => n);
  const runcOnly = [...verdicts].filter(([, v]) => v.get('runc') === 'pass' && v.get('tsrunc') !== 'pass').map(([n]) => n);
  t.same(tsruncFails, [], 'tsrunc fails no case');
  t.same(runcOnly, [], 'no case passes under runc but not under tsrunc');
  t.comment(r.stdout.split('\n').filter((l) => l.startsWith('# ')).join('\n'));
  t.ok(fs.existsSync(report), 'the report was written');
});
