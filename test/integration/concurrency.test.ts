// Many tsrunc processes at once: on one id (exactly one create wins; kill during start, delete
// during create, two deletes, exec during delete: no hang, no leak, each a clear answer) and on
// 100 ids (all succeed; state files are never seen torn and list stays consistent meanwhile).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { containersIn, makeBundle, rootSkipReason, stateRoot, tsruncBin, uniqueId } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

interface Outcome {
  args: string[];
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const TIMEOUT_MS = 60_000;

/** `tsrunc --root root args…` without waiting; output through files (a created init inherits them). */
async function run(root: string, args: string[]): Promise<Outcome> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-conc-'));
  const out = fs.openSync(path.join(dir, 'out'), 'w+');
  const err = fs.openSync(path.join(dir, 'err'), 'w+');
  try {
    const child = spawn(tsruncBin, ['--root', root, ...args], { stdio: ['ignore', out, err], timeout: TIMEOUT_MS });
    const [status, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
    return { args, status, signal, stdout: fs.readFileSync(path.join(dir, 'out'), 'utf8'), stderr: fs.readFileSync(path.join(dir, 'err'), 'utf8') };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Finished in time, and either succeeded or said why in one clear line (no stack, no "unexpected"). */
function answered(t: Test, o: Outcome, allowed: RegExp = /./): void {
  const what = o.args.join(' ');
  t.equal(o.signal, null, `${what}: no hang (finished within ${TIMEOUT_MS / 1000}s)`);
  if (o.status === 0) return;
  t.equal(o.status, 1, `${what}: exit 1`);
  t.match(o.stderr, /^tsrunc: [^\n]+\n$/, `${what}: one clear line: ${o.stderr.trim()}`);
  t.notMatch(o.stderr, /unexpected error/, `${what}: not a bug`);
  t.match(o.stderr, allowed, `${what}: an expected refusal`);
}

const sleeper = (t: Test) => makeBundle(t, (s) => (s.process!.args = ['sleep', '1000']));
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Every container directory of the root gone and no process of the bundle's `sleep` left. */
function cgroupsUnder(id: string): string[] {
  return fs.readdirSync('/sys/fs/cgroup').filter((h) => fs.existsSync(path.join('/sys/fs/cgroup', h, 'tsrunc', id)));
}

t.test('32 creates of one id at once: exactly one wins, the others are refused, nothing leaks', async (t) => {
  const root = stateRoot(t);
  const bundle = sleeper(t);
  const id = uniqueId('race');
  const outcomes = await Promise.all(Array.from({ length: 32 }, () => run(root, ['create', '--bundle', bundle, id])));
  for (const o of outcomes) answered(t, o, /container with id exists/);
  t.equal(outcomes.filter((o) => o.status === 0).length, 1, 'exactly one create succeeded');
  t.equal((await run(root, ['state', id])).status, 0);
  answered(t, await run(root, ['delete', '--force', id]));
  t.same(containersIn(root), []);
  t.same(cgroupsUnder(id), []);
});

t.test('100 containers created, started, killed and deleted at once; readers never see a torn state', async (t) => {
  const root = stateRoot(t);
  const bundle = sleeper(t);
  const ids = Array.from({ length: 100 }, (_, i) => uniqueId(`many${i}`));
  let reading = true;
  let reads = 0;
  let lists = 0;
  const problems: string[] = [];
  // A reader of every state.json, as a manager polling files would be: a partial write would not parse.
  const fileReader = (async () => {
    while (reading) {
      for (const id of containersIn(root)) {
        let text: string;
        try {
          text = fs.readFileSync(path.join(root, id, 'state.json'), 'utf8');
        } catch {
          continue; // not written yet, or deleted
        }
        try {
          JSON.parse(text);
          reads++;
        } catch (e) {
          problems.push(`${id}/state.json torn: ${(e as Error).message}`);
        }
      }
      await pause(5);
    }
  })();
  const lister = (async () => {
    while (reading) {
      const o = await run(root, ['list', '--format', 'json']);
      if (o.status !== 0) problems.push(`list failed: ${o.stderr}`);
      else {
        const listed = JSON.parse(o.stdout) as Array<{ id: string; status: string; pid: number }>;
        for (const c of listed) {
          if (!['creating', 'created', 'running', 'stopped'].includes(c.status)) problems.push(`list: ${c.id} is ${c.status}`);
          if ((c.status === 'running' || c.status === 'created') && !(c.pid > 0)) problems.push(`list: ${c.id} ${c.status} without a pid`);
        }
        lists++;
      }
    }
  })();
  const chains = await Promise.all(
    ids.map(async (id) => {
      const steps = [
        await run(root, ['create', '--bundle', bundle, id]),
        await run(root, ['start', id]),
        await run(root, ['kill', id, 'KILL']),
        await run(root, ['delete', '--force', id]),
      ];
      return steps;
    }),
  );
  reading = false;
  await Promise.all([fileReader, lister]);
  const failed = chains.flat().filter((o) => o.status !== 0);
  t.same(failed.map((o) => `${o.args.join(' ')}: ${o.stderr.trim()}`), [], 'every command of the 400 succeeded');
  t.same(problems, [], `${reads} state.json reads and ${lists} lists during the run, none torn or inconsistent`);
  t.ok(reads > 0 && lists > 0, 'the readers did read');
  t.same(containersIn(root), [], 'nothing left in the state root');
  t.same(ids.flatMap(cgroupsUnder), [], 'no cgroup left');
});

t.test('interleavings on one id: each command answers, and delete --force leaves nothing', async (t) => {
  const root = stateRoot(t);
  const bundle = sleeper(t);
  for (let round = 0; round < 4; round++) {
    const delay = round * 15; // the second command a little later each round
    const later = async (args: string[]) => {
      await pause(delay);
      return run(root, args);
    };

    // kill during start
    let id = uniqueId(`ks${round}`);
    answered(t, await run(root, ['create', '--bundle', bundle, id]));
    for (const o of await Promise.all([run(root, ['start', id]), later(['kill', id, 'KILL'])])) {
      answered(t, o, /cannot start a container that has stopped|container not running/);
    }
    answered(t, await run(root, ['delete', '--force', id]));

    // delete --force during create: either the create never found its id taken, or delete came first
    id = uniqueId(`dc${round}`);
    for (const o of await Promise.all([run(root, ['create', '--bundle', bundle, id]), later(['delete', '--force', id])])) answered(t, o);
    const state = await run(root, ['state', id]);
    t.ok(state.status === 0 ? (JSON.parse(state.stdout) as { status: string }).status === 'created' : /container does not exist/.test(state.stderr), `then: ${state.stdout || state.stderr}`);
    answered(t, await run(root, ['delete', '--force', id]));

    // two delete --force at once
    id = uniqueId(`dd${round}`);
    answered(t, await run(root, ['run', '--detach', '--bundle', bundle, id]));
    const both = await Promise.all([run(root, ['delete', '--force', id]), later(['delete', '--force', id])]);
    for (const o of both) t.equal(o.status, 0, `${o.args.join(' ')}: ${o.stderr.trim()}`);

    // exec during delete
    id = uniqueId(`ed${round}`);
    answered(t, await run(root, ['run', '--detach', '--bundle', bundle, id]));
    for (const o of await Promise.all([run(root, ['exec', id, 'true']), later(['delete', '--force', id])])) {
      // The exec'd process killed with its container: exec reports its status, 128 + SIGKILL.
      if (o.args[0] === 'exec' && o.status === 137) continue;
      answered(t, o, /container does not exist|cannot exec in a stopped container|container init exited|join|exited unexpectedly|No such process|ESRCH|ENOENT/);
    }
    t.same(containersIn(root), [], `round ${round}: nothing left`);
    t.same(cgroupsUnder(id), [], `round ${round}: no cgroup left`);
  }
});
