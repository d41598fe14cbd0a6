#!/usr/bin/env node
// Start-up timings of tsrunc against runc (and crun when installed), measured in the same run on
// the same bundle, reported as medians and as ratios to runc. Needs root and a built tree
// (`npm ci`). Usage: sudo node bench/startup.mjs [iterations]
//
// Timings live here, never in tests: they depend on the machine, the ratios much less so.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const iterations = Number(process.argv[2] ?? 20);
const tsruncBin = path.join(repo, 'dist/src/cli/bin.js');

function which(name) {
  const r = spawnSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

const runtimes = [{ name: 'tsrunc', argv: [process.execPath, tsruncBin] }];
for (const other of ['runc', 'crun']) {
  const bin = which(other);
  if (bin) runtimes.push({ name: other, argv: [bin] });
}
if (!runtimes.some((r) => r.name === 'runc')) console.warn('runc is not installed: no ratios (apt-get install runc)');

// One bundle for all: the demo rootfs, a process that exits at once, no terminal.
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-bench-'));
const config = JSON.parse(fs.readFileSync(path.join(repo, 'bundles/busybox/config.json'), 'utf8'));
config.root = { path: path.join(repo, 'bundles/busybox/rootfs'), readonly: true };
config.process.args = ['/bin/true'];
config.process.terminal = false;
config.ociVersion = '1.0.2'; // the newest all three accept (crun 1.8 refuses 1.3)
fs.writeFileSync(path.join(work, 'config.json'), JSON.stringify(config));

// stderr goes to a file, not a pipe: a created container inherits it and would hold a pipe open.
const errFile = path.join(work, 'stderr');
function time(argv) {
  const err = fs.openSync(errFile, 'w');
  const start = process.hrtime.bigint();
  const r = spawnSync(argv[0], argv.slice(1), { cwd: work, stdio: ['ignore', 'ignore', err] });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  fs.closeSync(err);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${fs.readFileSync(errFile, 'utf8')}`);
  return ms;
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
};

/** Each scenario returns the timed phases of one iteration. */
const scenarios = {
  version: (rt) => ({ version: time([...rt.argv, '--version']) }),
  run: (rt, root, id) => ({ run: time([...rt.argv, '--root', root, 'run', '--bundle', work, id]) }),
  lifecycle: (rt, root, id) => {
    const cmd = (...args) => time([...rt.argv, '--root', root, ...args]);
    const create = cmd('create', '--bundle', work, id);
    const state = cmd('state', id);
    const start = cmd('start', id);
    // The process exits at once; wait until it has, so delete measures a stopped container.
    for (let i = 0; i < 200 && JSON.parse(spawnSync(rt.argv[0], [...rt.argv.slice(1), '--root', root, 'state', id], { encoding: 'utf8' }).stdout).status !== 'stopped'; i++);
    const del = cmd('delete', id);
    return { create, state, start, delete: del };
  },
};

// A runtime that cannot run the bundle on this host (crun refuses hybrid cgroups) is left out, said so.
for (const rt of [...runtimes]) {
  try {
    time([...rt.argv, '--root', path.join(work, `probe-${rt.name}`), 'run', '--bundle', work, 'probe']);
  } catch (e) {
    console.warn(`${rt.name} left out: ${e.message.trim()}`);
    runtimes.splice(runtimes.indexOf(rt), 1);
  }
}

const results = {}; // results[runtime][phase] = [ms...]
for (const rt of runtimes) {
  const root = path.join(work, `root-${rt.name}`);
  results[rt.name] = {};
  // One warm-up round each, so page cache and the helper memfd path are not what we measure.
  for (let i = -1; i < iterations; i++) {
    for (const [name, scenario] of Object.entries(scenarios)) {
      const phases = scenario(rt, root, `bench-${name}-${i + 1}`);
      if (i < 0) continue;
      for (const [phase, ms] of Object.entries(phases)) (results[rt.name][phase] ??= []).push(ms);
    }
  }
}

const phases = Object.keys(results.tsrunc);
const header = ['phase', ...runtimes.map((r) => `${r.name} ms`), ...runtimes.filter((r) => r.name !== 'runc').map((r) => `${r.name}/runc`)];
const rows = phases.map((phase) => {
  const med = Object.fromEntries(runtimes.map((r) => [r.name, median(results[r.name][phase])]));
  return [
    phase,
    ...runtimes.map((r) => med[r.name].toFixed(1)),
    ...runtimes.filter((r) => r.name !== 'runc').map((r) => (med.runc ? (med[r.name] / med.runc).toFixed(2) : '-')),
  ];
});
const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
const line = (cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
console.log(`medians of ${iterations} iterations, ${os.cpus().length} cpus, node ${process.version}, kernel ${os.release()}`);
console.log(line(header));
for (const r of rows) console.log(line(r));
if (process.env.BENCH_JSON) fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ iterations, results }, null, 2));
fs.rmSync(work, { recursive: true, force: true });
