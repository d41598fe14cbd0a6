/**
 * Running conformance/ from the tests: the verdicts of a run (from its --results file), the cases
 * tsrunc is known to fail, and the rule a run must keep.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { Test } from 'tap';
import { repoPath } from './repo.js';

/**
 * The cases tsrunc fails today, each with its reason (none at present). Any other failure fails the
 * tests; a case that starts passing must be taken off the list. (Fields it refuses with an error
 * where the spec allows that are skips, with the reason.)
 */
export const KNOWN_FAILURES: Record<string, string> = {};

/** case → runtime (the binary's name, without the run's label) → pass | fail | skip. */
export type Verdicts = Map<string, Map<string, string>>;

export interface SuiteRun {
  verdicts: Verdicts;
  /** The run's own summary lines (# …). */
  summary: string;
  status: number | null;
  signal: NodeJS.Signals | null;
  stderr: string;
}

/**
 * Runs `command` (conformance/run.mjs, directly or through a wrapper such as the cgroup v2 guest)
 * and reads the verdicts it wrote to `results`.
 */
export function runConformance(command: string[], results: string, timeoutMs: number): SuiteRun {
  const r = spawnSync(command[0]!, command.slice(1), { encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 << 20 });
  const verdicts: Verdicts = new Map();
  if (fs.existsSync(results)) {
    const doc = JSON.parse(fs.readFileSync(results, 'utf8')) as { runtimes: Array<{ name: string; path: string }>; results: Record<string, Record<string, { verdict: string }>> };
    for (const [name, byColumn] of Object.entries(doc.results)) {
      const m = new Map<string, string>();
      for (const rt of doc.runtimes) if (byColumn[rt.name]) m.set(path.basename(rt.path), byColumn[rt.name]!.verdict);
      verdicts.set(name, m);
    }
  }
  return { verdicts, summary: r.stdout.split('\n').filter((l) => l.startsWith('# ')).join('\n'), status: r.status, signal: r.signal, stderr: r.stderr };
}

/** run.mjs and its arguments: `runtimes` on this host, verdicts to `results`. */
export const conformanceArgs = (runtimes: string[], results: string, more: string[] = []) => [
  repoPath('conformance/run.mjs'),
  ...runtimes.flatMap((r) => ['--runtime', r]),
  '--results',
  results,
  ...more,
];

/**
 * Cases that break the rule: tsrunc failing outside the known list, or a reference runtime
 * passing where tsrunc does not.
 */
export function breaches(verdicts: Verdicts, references: string[]): string[] {
  return [...verdicts]
    .filter(([name, v]) => (v.get('tsrunc') === 'fail' && !KNOWN_FAILURES[name]) || references.some((r) => v.get(r) === 'pass' && v.get('tsrunc') !== 'pass'))
    .map(([n]) => n);
}

/** Regex source matching exactly these case names (for --filter). */
export const exactly = (names: string[]) => `^(${names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})$`;

/**
 * The rule, checked on `first`: a case that breaks it runs once more on its own (`again`), so a
 * timing flake shows as such (reported as FLAKY) and a real regression fails again.
 */
export function checkRule(t: Test, first: SuiteRun, references: string[], again: (filter: string) => SuiteRun): void {
  let verdicts = first.verdicts;
  const broken = breaches(first.verdicts, references);
  if (broken.length) {
    t.comment(`running again: ${broken.join('; ')}`);
    const second = again(exactly(broken));
    verdicts = new Map([...first.verdicts, ...second.verdicts]);
    const still = breaches(second.verdicts, references);
    for (const n of broken) if (!still.includes(n)) t.comment(`FLAKY (kept the rule on its second run): ${n}`);
  }
  const tsruncFails = [...verdicts].filter(([, v]) => v.get('tsrunc') === 'fail').map(([n]) => n);
  t.same(tsruncFails.sort(), Object.keys(KNOWN_FAILURES).filter((n) => verdicts.has(n)).sort(), 'tsrunc fails exactly the known cases');
  for (const r of references) {
    const only = [...verdicts].filter(([, v]) => v.get(r) === 'pass' && v.get('tsrunc') !== 'pass').map(([n]) => n);
    t.same(only, [], `no case passes under ${r} but not under tsrunc`);
  }
}
