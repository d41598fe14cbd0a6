#!/usr/bin/env node
// The runtime-spec conformance suite: every case against every runtime given, as TAP, then a
// summary table (statement, level, one column per runtime) and conformance/REPORT.md.
//
//   sudo node conformance/run.mjs --runtime PATH [--runtime PATH2 …] [--filter RE] [--timeout S]
//                                 [--rootfs DIR] [--report FILE] [--label TEXT] [--results FILE]
//                                 [--merge FILE …]
//
// --label names this host in the columns ("tsrunc (cgroup v2)"); --results writes the verdicts as
// JSON, and --merge adds such a file's columns to the report: one report for runtimes run on
// several hosts (crun runs only on a pure cgroup v2 host, this machine is hybrid).
//
// A case is skipped (with its reason) where the host cannot show what it checks, never passed.
// Each case has a time limit and cleans up after itself (conformance/harness.mjs), so a
// misbehaving runtime cannot break the next case.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { CaseFailure, CaseSkip, World } from './harness.mjs';
import { NOT_TESTABLE as GENERAL_NOT_TESTABLE } from './not-testable.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    runtime: { type: 'string', multiple: true },
    filter: { type: 'string' },
    timeout: { type: 'string', default: '60' },
    rootfs: { type: 'string', default: path.join(here, '../bundles/busybox/rootfs') },
    report: { type: 'string', default: path.join(here, 'REPORT.md') },
    label: { type: 'string' },
    results: { type: 'string' },
    merge: { type: 'string', multiple: true },
  },
});
const die = (m) => {
  process.stderr.write(`conformance: ${m}\n`);
  process.exit(2);
};
if (!values.runtime?.length) die('give at least one --runtime PATH');
if (process.getuid?.() !== 0) die('run as root: the cases create real containers');
if (!fs.existsSync(path.join(values.rootfs, 'bin/sh'))) die(`${values.rootfs} has no bin/sh (npm ci builds bundles/busybox/rootfs)`);
const rootfs = fs.realpathSync(values.rootfs);
const timeoutMs = Number(values.timeout) * 1000;

/** A runtime: its path, and a name for its column (runc, crun, tsrunc, …). */
const runtimes = values.runtime.map((p) => {
  const resolved = p.includes('/') ? path.resolve(p) : (spawnSync('sh', ['-c', `command -v ${p}`], { encoding: 'utf8' }).stdout.trim() || p);
  if (!fs.existsSync(resolved)) die(`runtime not found: ${p}`);
  const version = spawnSync(resolved, ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0]?.trim() ?? '';
  const name = values.label ? `${path.basename(resolved)} (${values.label})` : path.basename(resolved);
  return { path: resolved, name, version };
});

const { statements, source } = JSON.parse(fs.readFileSync(path.join(here, 'statements.json'), 'utf8'));
const byId = new Map(statements.map((s) => [s.id, s]));
const cases = [];
// Statements no black-box test can observe: not-testable.mjs, and each case file's own `notTestable`.
const NOT_TESTABLE = { ...GENERAL_NOT_TESTABLE };
for (const file of fs.readdirSync(path.join(here, 'cases')).filter((f) => f.endsWith('.mjs')).sort()) {
  const mod = await import(path.join(here, 'cases', file));
  for (const c of mod.cases) cases.push({ ...c, file });
  Object.assign(NOT_TESTABLE, mod.notTestable ?? {});
}
// The catalogue is the contract: a case names statements that exist, and each is a case's or untestable.
for (const c of cases) for (const id of c.statements) if (!byId.has(id)) die(`case "${c.name}" (${c.file}) names ${id}, which is not in statements.json`);
for (const id of Object.keys(NOT_TESTABLE)) if (!byId.has(id)) die(`not-testable.mjs names ${id}, which is not in statements.json`);

const filter = values.filter ? new RegExp(values.filter) : undefined;
const selected = cases.filter((c) => !filter || filter.test(c.name) || c.statements.some((id) => filter.test(id)));

/** results[caseName][runtimeName] = { verdict: 'pass'|'fail'|'skip', reason } */
const results = {};
let n = 0;
process.stdout.write(`TAP version 14\n1..${selected.length * runtimes.length}\n`);
const started = Date.now();
for (const c of selected) {
  results[c.name] = {};
  for (const rt of runtimes) {
    const world = new World(rt, rootfs, Math.min(timeoutMs, 30_000));
    let verdict = 'pass';
    let reason = '';
    let timer;
    try {
      await Promise.race([
        c.run(world),
        new Promise((_, reject) => {
          timer = setTimeout(() => reject(new CaseFailure(`timed out after ${timeoutMs / 1000}s`)), timeoutMs);
        }),
      ]);
    } catch (e) {
      if (e instanceof CaseSkip) [verdict, reason] = ['skip', e.message];
      else if (e instanceof CaseFailure) [verdict, reason] = ['fail', e.message];
      else [verdict, reason] = ['fail', `the case itself broke: ${e?.stack ?? e}`];
    } finally {
      clearTimeout(timer);
      await world.cleanup();
    }
    results[c.name][rt.name] = { verdict, reason };
    n++;
    const line = `${rt.name}: ${c.name}`;
    if (verdict === 'pass') process.stdout.write(`ok ${n} - ${line}\n`);
    else if (verdict === 'skip') process.stdout.write(`ok ${n} - ${line} # SKIP ${reason}\n`);
    else process.stdout.write(`not ok ${n} - ${line}\n  ---\n  reason: ${JSON.stringify(reason)}\n  statements: ${JSON.stringify(c.statements)}\n  ...\n`);
  }
}
const seconds = ((Date.now() - started) / 1000).toFixed(0);
if (values.results) fs.writeFileSync(values.results, JSON.stringify({ seconds: Number(seconds), runtimes, results }, null, 1));

// Columns of earlier runs (other hosts), for the cases this run selected too.
const columns = [...runtimes];
for (const file of values.merge ?? []) {
  const earlier = JSON.parse(fs.readFileSync(file, 'utf8'));
  for (const rt of earlier.runtimes) {
    if (columns.some((c) => c.name === rt.name)) die(`${file}: a column named ${rt.name} is there already (give the runs different --label)`);
    columns.push({ ...rt, merged: `${file}, ${earlier.seconds} s` });
  }
  for (const c of selected) Object.assign(results[c.name], earlier.results[c.name] ?? {});
}

// Per statement: the verdict of every case that covers it (a statement passes when all its cases pass).
const covered = new Map();
for (const c of cases) for (const id of c.statements) covered.set(id, [...(covered.get(id) ?? []), c]);
const verdictFor = (id, rt) => {
  const vs = (covered.get(id) ?? []).map((c) => results[c.name]?.[rt.name]).filter(Boolean);
  if (!vs.length) return undefined;
  if (vs.some((v) => v.verdict === 'fail')) return 'fail';
  if (vs.every((v) => v.verdict === 'skip')) return 'skip';
  return 'pass';
};
const linux = statements.filter((s) => s.platform === 'linux');
const untestable = linux.filter((s) => NOT_TESTABLE[s.id]);
const withCases = linux.filter((s) => covered.has(s.id));
const uncovered = linux.filter((s) => !covered.has(s.id) && !NOT_TESTABLE[s.id]);

const counts = columns.map((rt) => {
  const tally = { pass: 0, fail: 0, skip: 0, 'not run': 0 };
  for (const c of selected) tally[results[c.name][rt.name]?.verdict ?? 'not run']++;
  return `${rt.name}: ${tally.pass} pass, ${tally.fail} fail, ${tally.skip} skip${tally['not run'] ? `, ${tally['not run']} not run` : ''}`;
});
process.stdout.write(`# ${selected.length} cases × ${runtimes.length} runtime(s) in ${seconds} s; ${counts.slice(0, runtimes.length).join('; ')}\n`);
if (columns.length > runtimes.length) process.stdout.write(`# merged: ${counts.slice(runtimes.length).join('; ')}\n`);
process.stdout.write(`# statements: ${linux.length} for Linux; ${withCases.length} with cases, ${untestable.length} not testable, ${uncovered.length} not covered yet\n`);

const cell = (v) => (v === undefined ? '' : v === 'pass' ? 'pass' : v === 'fail' ? '**FAIL**' : 'skip');
const short = (t) => (t.length > 110 ? `${t.slice(0, 107)}…` : t).replace(/\|/g, '\\|');
const lines = [
  '# Runtime-spec conformance report',
  '',
  `Written by \`node conformance/run.mjs\` on ${new Date().toISOString()} (${seconds} s${filter ? `, filter ${filter}` : ''}). Spec: ${source.replace(/^Source:\s*/, "").replace(/\.+$/, "")}.`,
  '',
  ...columns.map((rt, i) => `- **${rt.name}**: ${rt.version} (${rt.path}${rt.merged ? `; from ${rt.merged}` : ''}) — ${counts[i]}`),
  '',
  `${linux.length} normative statements for Linux in the six documents: ${withCases.length} covered by ${cases.length} cases, ${untestable.length} not testable (reasons below), ${uncovered.length} not covered yet.`,
  '',
  '## Cases',
  '',
  `| case | statements | ${columns.map((r) => r.name).join(' | ')} |`,
  `| --- | --- | ${columns.map(() => '---').join(' | ')} |`,
  ...selected.map((c) => `| ${c.name.replace(/\|/g, '\\|')} | ${c.statements.join(', ')} | ${columns.map((rt) => { const r = results[c.name][rt.name]; return !r ? 'not run' : r.verdict === 'pass' ? 'pass' : `${cell(r.verdict)}: ${short(r.reason)}`; }).join(' | ')} |`),
  '',
  '## Statements',
  '',
  `| statement | level | text | ${columns.map((r) => r.name).join(' | ')} |`,
  `| --- | --- | --- | ${columns.map(() => '---').join(' | ')} |`,
  ...linux.map((s) => `| ${s.id} | ${s.level} | ${short(s.text)} | ${columns.map((rt) => (NOT_TESTABLE[s.id] ? 'not testable' : (cell(verdictFor(s.id, rt)) || 'not covered'))).join(' | ')} |`),
  '',
  '## Not testable',
  '',
  '| statement | why |',
  '| --- | --- |',
  ...untestable.map((s) => `| ${s.id} | ${NOT_TESTABLE[s.id].replace(/\|/g, '\\|')} |`),
  '',
];
fs.writeFileSync(values.report, lines.join('\n'));
process.stdout.write(`# wrote ${values.report}\n`);
process.exitCode = selected.some((c) => runtimes.some((rt) => results[c.name][rt.name].verdict === 'fail')) ? 1 : 0;
