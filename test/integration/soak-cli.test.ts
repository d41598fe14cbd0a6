// 1,000 create/start/delete cycles through the command line, two at a time as a manager runs
// them: every command succeeds, and no mount, cgroup directory, state entry, zombie or process is
// left between an early sample and the last.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { makeBundle, rootSkipReason, tempDir, tsrunc, tsruncBin } from '../helpers/cli.js';
import { sampleLeaks, type Owned } from '../helpers/leaks.js';

if (rootSkipReason) t.plan(0, rootSkipReason);
t.setTimeout(900_000);

const CYCLES = Number(process.env.SOAK_CYCLES ?? 1000);
const LANES = 2;
const WARM_UP = Math.min(100, CYCLES / 10);

t.test(`${CYCLES} command-line create/start/delete cycles leave nothing behind`, async (t) => {
  const root = fs.mkdtempSync('/run/tsrunc-soak-');
  const dir = tempDir(t, 'tsrunc-soak-');
  const owned: Owned = { idPrefix: `csoak${process.pid}x`, root, dir };
  t.teardown(() => {
    for (const id of fs.existsSync(root) ? fs.readdirSync(root).filter((n) => !n.startsWith('~')) : []) tsrunc(root, ['delete', '--force', id]);
    fs.rmSync(root, { recursive: true, force: true });
  });
  const bundles = [makeBundle(t, (s) => (s.process!.args = ['true'])), makeBundle(t, (s) => (s.process!.args = ['sleep', '1000']))];

  /** Runs one command; its stderr goes to a file (a created init inherits it, a pipe would stay open). */
  const errFile = (lane: number) => path.join(dir, `stderr-${lane}`);
  async function cli(lane: number, args: string[]): Promise<void> {
    const err = fs.openSync(errFile(lane), 'w');
    try {
      const child = spawn(tsruncBin, ['--root', root, ...args], { stdio: ['ignore', 'ignore', err], timeout: 60_000 });
      const [status, signal] = await new Promise<[number | null, string | null]>((resolve) => child.on('exit', (c, s) => resolve([c, s])));
      if (status !== 0) throw new Error(`tsrunc ${args.join(' ')}: ${signal ?? `exit ${status}`}: ${fs.readFileSync(errFile(lane), 'utf8').trim()}`);
    } finally {
      fs.closeSync(err);
    }
  }

  const failures: string[] = [];
  /** Cycles [from, to), LANES at a time. */
  const cycles = (from: number, to: number) =>
    Promise.all(
      Array.from({ length: LANES }, async (_, lane) => {
        for (let i = from + lane; i < to; i += LANES) {
          const id = `${owned.idPrefix}${i}`;
          try {
            // `true` is usually gone by the delete, `sleep` never is: --force takes both paths.
            await cli(lane, ['create', '--bundle', bundles[i % 2]!, id]);
            await cli(lane, ['start', id]);
            await cli(lane, ['delete', '--force', id]);
          } catch (e) {
            failures.push((e as Error).message);
          }
        }
      }),
    );
  const started = Date.now();
  await cycles(0, WARM_UP);
  const early = sampleLeaks(owned);
  await cycles(WARM_UP, CYCLES);
  const seconds = (Date.now() - started) / 1000;
  const late = sampleLeaks(owned);
  t.comment(`${CYCLES} cycles (${CYCLES * 3} commands, ${LANES} at a time) in ${seconds.toFixed(1)} s; after ${WARM_UP}: ${JSON.stringify(early)}; after ${CYCLES}: ${JSON.stringify(late)}`);
  for (const f of failures.slice(0, 5)) t.comment(`failed: ${f}`);
  t.same(failures, [], 'every command succeeded');
  const hostSide = ({ mounts, cgroupDirs, rootEntries, zombies, processes }: ReturnType<typeof sampleLeaks>) => ({ mounts, cgroupDirs, rootEntries, zombies, processes });
  t.same(hostSide(late), { ...hostSide(early), mounts: 0, cgroupDirs: 0, zombies: 0, processes: 0 }, 'state entries as after warm-up; no mount, cgroup, zombie or process left');
  t.same(fs.readdirSync(root).filter((n) => !n.startsWith('~')), [], 'nothing but the cache left in the state root');
});
