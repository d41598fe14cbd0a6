// Property-based fuzzing of the real executable with real containers: valid configs run and show
// their user from inside; mutated configs and random command lines either work or exit 1 with one
// clear line (never a JavaScript stack, never "an unexpected error"), and leave no container,
// process, cgroup or host mount behind.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import t, { type Test } from 'tap';
import { argv, mutate, mutation, validSpec } from '../helpers/config-arbitraries.js';
import { privateRootfs, rootSkipReason, tempDir, tsrunc, tsruncBin } from '../helpers/cli.js';
import { sampleLeaks, type Owned } from '../helpers/leaks.js';

if (rootSkipReason) t.plan(0, rootSkipReason);
t.setTimeout(600_000);

const COMMAND_TIMEOUT_MS = 30_000;
/** Cases per property: CI's default; FUZZ_SCALE=10 for a long local hunt. */
const scale = Number(process.env.FUZZ_SCALE ?? 1);

interface Outcome {
  status: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** One tsrunc command in `cwd`; output through files (a created init inherits them). */
async function cli(dir: string, args: string[]): Promise<Outcome> {
  const out = path.join(dir, 'stdout');
  const err = path.join(dir, 'stderr');
  const fds = [fs.openSync(out, 'w'), fs.openSync(err, 'w')];
  try {
    const child = spawn(tsruncBin, args, { cwd: dir, stdio: ['ignore', fds[0]!, fds[1]!], timeout: COMMAND_TIMEOUT_MS });
    const [status, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    return { status, signal, stdout: fs.readFileSync(out, 'utf8'), stderr: fs.readFileSync(err, 'utf8') };
  } finally {
    for (const fd of fds) fs.closeSync(fd);
  }
}

/**
 * Why an outcome is not acceptable: a hang, a crash, a stack, a bug report, or a silent failure.
 * With --debug, debug records and the stacks of causes are asked for: only the verdict line counts.
 */
function unclear(o: Outcome, args: readonly string[] = []): string | undefined {
  if (o.signal) return `killed by ${o.signal} (a hang past ${COMMAND_TIMEOUT_MS / 1000}s?)`;
  if (/unexpected error/.test(o.stderr)) return 'an unexpected error';
  if (args.some((a) => /^--?debug(=|$)/.test(a))) {
    if (o.status !== 0 && o.status !== 1) return `exit status ${o.status}`;
    return o.status === 1 && !/^tsrunc: \S/m.test(o.stderr) ? 'no "tsrunc: <reason>" message' : undefined;
  }
  if (/\n\s+at .+:\d+:\d+\)?\n/.test(o.stderr)) return 'a JavaScript stack trace';
  if (o.status === 0) return undefined;
  if (o.status !== 1) return `exit status ${o.status}`;
  if (!/^tsrunc: \S/.test(o.stderr)) return 'no "tsrunc: <reason>" message';
  // Warnings may come first; every line is a record of its own (a quoted newline is escaped).
  if (!o.stderr.endsWith('\n') || o.stderr.slice(0, -1).split('\n').some((l) => !l.startsWith('tsrunc: '))) return 'a message spread over lines';
  return undefined;
}

/** A private world for one fuzz test: rootfs, state root, scratch dir, and the leak check. */
function world(t: Test, name: string) {
  const dir = tempDir(t, `tsrunc-fuzz-${name}-`);
  const rootfs = privateRootfs(t);
  const root = path.join(dir, 'state');
  const work = path.join(dir, 'work');
  fs.mkdirSync(work);
  fs.chmodSync(dir, 0o755);
  const shared = path.join(dir, 'shared');
  fs.mkdirSync(shared, { mode: 0o777 });
  fs.chmodSync(shared, 0o777);
  const owned: Owned = { idPrefix: `fz${process.pid}${name}`, root, dir };
  const containers = () => (fs.existsSync(root) ? fs.readdirSync(root).filter((n) => !n.startsWith('~')) : []);
  /** Removes what a case left (deleting containers that worked) and says what a failure left. */
  const leftovers = async (): Promise<string | undefined> => {
    const s = sampleLeaks({ ...owned, dir: rootfs });
    const found = [
      ...containers().map((c) => `container ${c}`),
      ...(s.processes ? [`${s.processes} processes`] : []),
      ...(s.cgroupDirs ? [`${s.cgroupDirs} cgroup directories`] : []),
      ...(s.mounts ? [`${s.mounts} host mounts under the rootfs`] : []),
      ...(s.zombies ? [`${s.zombies} zombies`] : []),
    ];
    return found.length ? found.join(', ') : undefined;
  };
  t.teardown(() => {
    for (const id of containers()) tsrunc(root, ['delete', '--force', id]);
  });
  return { dir, rootfs, root, work, shared, owned, containers, leftovers };
}

t.test('valid configs run, and show their user from inside', async (t) => {
  const w = world(t, 'v');
  let n = 0;
  await fc.assert(
    fc.asyncProperty(validSpec(w.rootfs, w.shared), async ({ spec, expect }) => {
      const bundle = path.join(w.work, 'bundle');
      fs.mkdirSync(bundle, { recursive: true });
      fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(spec));
      const o = await cli(w.work, ['--root', w.root, 'run', '--bundle', bundle, `${w.owned.idPrefix}${n++}`]);
      const problem = o.status !== 0 ? `exit ${o.status ?? o.signal}: ${o.stderr.trim()}` : o.stdout.trim() !== expect ? `printed ${JSON.stringify(o.stdout)}, not ${expect}` : await w.leftovers();
      if (problem) throw new Error(`${problem}\nconfig: ${JSON.stringify(spec)}`);
    }),
    { numRuns: 60 * scale },
  );
  t.equal(n, 60 * scale, `every one of the ${n} valid configs ran and printed its uid and gid`);
});

t.test('mutated configs: create, start, delete --force work or refuse clearly, and leave nothing', async (t) => {
  const w = world(t, 'm');
  let n = 0;
  const tally = { created: 0, started: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(validSpec(w.rootfs, w.shared), fc.array(mutation, { minLength: 1, maxLength: 3 }), async ({ spec }, mutations) => {
      const doc = mutate(spec, mutations);
      const bundle = path.join(w.work, 'bundle');
      fs.mkdirSync(bundle, { recursive: true });
      fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(doc));
      const id = `${w.owned.idPrefix}${n++}`;
      const steps: Array<[string[], Outcome]> = [];
      const step = async (args: string[]) => {
        const o = await cli(w.work, ['--root', w.root, ...args]);
        steps.push([args, o]);
        return o;
      };
      if ((await step(['create', '--bundle', bundle, id])).status === 0) {
        tally.created++;
        if ((await step(['start', id])).status === 0) tally.started++;
        await step(['delete', '--force', id]);
      } else tally.refused++;
      const report = (why: string) => new Error(`${why}\n${steps.map(([a, o]) => `$ tsrunc ${a.join(' ')} -> ${o.status ?? o.signal}: ${o.stderr.trim()}`).join('\n')}\nconfig: ${JSON.stringify(doc)}`);
      for (const [args, o] of steps) {
        const why = unclear(o);
        if (why) throw report(`${args[0]}: ${why}`);
      }
      const deleted = steps.at(-1)![0][0] === 'delete' ? steps.at(-1)![1] : undefined;
      if (deleted && deleted.status !== 0) throw report('delete --force failed');
      const left = await w.leftovers();
      if (left) throw report(`left behind: ${left}`);
    }),
    { numRuns: 200 * scale },
  );
  t.comment(`${n} mutated configs: ${tally.created} created (${tally.started} started), ${tally.refused} refused`);
  t.ok(tally.created > 0 && tally.refused > 0, 'both outcomes were reached');
});

t.test('command lines: work or refuse clearly, and leave nothing behind', async (t) => {
  const w = world(t, 'a');
  const bundle = path.join(w.dir, 'bundle');
  fs.mkdirSync(bundle);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(fc.sample(validSpec(w.rootfs, w.shared), { numRuns: 1, seed: 1 })[0]!.spec));
  const processJson = path.join(w.dir, 'process.json');
  fs.writeFileSync(processJson, JSON.stringify({ args: ['true'], cwd: '/' }));
  const values = [bundle, processJson, `${w.owned.idPrefix}c`, `${w.owned.idPrefix}d`, 'x y', 'ü', w.dir, path.join(w.dir, 'nope'), 'pidfile', 'log.json', `--root=${path.join(w.dir, 'other')}`];
  const statuses = new Map<string, number>();
  let n = 0;
  await fc.assert(
    fc.asyncProperty(argv(values), async (args) => {
      n++;
      const o = await cli(w.work, ['--root', w.root, ...args]);
      const key = String(o.status ?? o.signal);
      statuses.set(key, (statuses.get(key) ?? 0) + 1);
      const why = unclear(o, args);
      const report = (what: string) => new Error(`${what}\n$ tsrunc ${args.join(' ')} -> ${o.status ?? o.signal}\nstdout: ${o.stdout.slice(0, 500)}\nstderr: ${o.stderr.slice(0, 2000)}`);
      if (why) throw report(why);
      const worked = o.status === 0;
      const left = await w.leftovers();
      const other = path.join(w.dir, 'other');
      const otherLeft = fs.existsSync(other) ? fs.readdirSync(other).filter((e) => !e.startsWith('~')) : [];
      for (const id of otherLeft) await cli(w.work, ['--root', other, 'delete', '--force', id]);
      for (const id of w.containers()) await cli(w.work, ['--root', w.root, 'delete', '--force', id]);
      if (!worked && (left || otherLeft.length)) throw report(`a failed command left: ${left ?? otherLeft.join(', ')}`);
      if (await w.leftovers()) throw report(`delete --force did not clean up: ${await w.leftovers()}`);
    }),
    { numRuns: 250 * scale },
  );
  t.comment(`${n} command lines; exit statuses: ${JSON.stringify(Object.fromEntries(statuses))}`);
  t.ok((statuses.get('0') ?? 0) > 0 && (statuses.get('1') ?? 0) > 0, 'both outcomes were reached');
});
