// 1,000 create/start/delete cycles through the library in this one long-lived process: nothing
// grows — open fds, threads, host mounts, cgroup directories, state entries, zombies, processes,
// the JavaScript heap — between an early sample (after warm-up) and the last.
import fs from 'node:fs';
import v8 from 'node:v8';
import vm from 'node:vm';
import t from 'tap';
import { Runtime } from '../../src/index.js';
import { makeBundle, rootSkipReason, tempDir } from '../helpers/cli.js';
import { openFds, sampleLeaks, type Owned } from '../helpers/leaks.js';

if (rootSkipReason) t.plan(0, rootSkipReason);
t.setTimeout(600_000);

const CYCLES = 1000;
const WARM_UP = 100;
/** Heap growth allowed over 900 cycles: a leak of 2 KiB per cycle would exceed it. */
const HEAP_SLACK = 2 * 1024 * 1024;

v8.setFlagsFromString('--expose-gc');
const gc = vm.runInNewContext('gc') as () => void;

/**
 * Lets I/O already on its way finish before a sample: a create's cgroup-migration prime
 * (cgroups/manager.ts) closes its fd from a callback, at the loop's next turn, and the create,
 * start and delete of a forced cycle never yield to the loop. A leaked fd stays after this.
 */
async function settled(): Promise<void> {
  await new Promise((r) => setTimeout(r, 50));
}

function heapAfterGc(): NodeJS.MemoryUsage {
  gc();
  gc();
  return process.memoryUsage();
}

t.test(`${CYCLES} library create/start/delete cycles leave nothing and grow nothing`, async (t) => {
  // The state root lives under /run, where the default one does.
  const root = fs.mkdtempSync('/run/tsrunc-soak-');
  const owned: Owned = { idPrefix: `soak${process.pid}x`, root, dir: tempDir(t, 'tsrunc-soak-') };
  const rt = new Runtime({ root, logger: { warn: (m) => t.fail(`warning: ${m}`), debug() {} } });
  t.teardown(async () => {
    for (const c of await rt.list().catch(() => [])) await rt.delete(c.id, { force: true }).catch(() => {});
    fs.rmSync(root, { recursive: true, force: true });
  });
  const quick = makeBundle(t, (s) => (s.process!.args = ['true']));
  const sleeper = makeBundle(t, (s) => (s.process!.args = ['sleep', '1000']));

  let early: ReturnType<typeof sampleLeaks> | undefined;
  let earlyMemory: NodeJS.MemoryUsage | undefined;
  let earlyFds: string[] = [];
  const heapSeries: number[] = [];
  const started = Date.now();
  for (let i = 0; i < CYCLES; i++) {
    const id = `${owned.idPrefix}${i}`;
    if (i % 4 === 3) {
      // A running container removed with force: the kill, reap and cgroup paths.
      await rt.create(id, { bundle: sleeper });
      await rt.start(id);
      await rt.delete(id, { force: true });
    } else {
      // One that runs to completion and is deleted once stopped: the ordinary path.
      await rt.create(id, { bundle: quick });
      await rt.start(id);
      const deadline = Date.now() + 10_000;
      while ((await rt.state(id)).status !== 'stopped') {
        if (Date.now() > deadline) throw new Error(`${id} did not stop`);
        await new Promise((r) => setTimeout(r, 1));
      }
      await rt.delete(id);
    }
    if ((i + 1) % 100 === 0) heapSeries.push(heapAfterGc().heapUsed);
    if (i + 1 === WARM_UP) {
      await settled();
      early = sampleLeaks(owned);
      earlyFds = openFds();
      earlyMemory = heapAfterGc();
    }
  }
  const seconds = (Date.now() - started) / 1000;
  await settled();
  const late = sampleLeaks(owned);
  const lateFds = openFds();
  const lateMemory = heapAfterGc();
  const mib = (n: number) => (n / 1048576).toFixed(1);
  t.comment(`${CYCLES} cycles in ${seconds.toFixed(1)} s; after ${WARM_UP}: ${JSON.stringify(early)}; after ${CYCLES}: ${JSON.stringify(late)}`);
  t.comment(`heap used every 100 cycles (MiB): ${heapSeries.map(mib).join(' ')}; rss ${mib(earlyMemory!.rss)} -> ${mib(lateMemory.rss)} MiB; external ${mib(earlyMemory!.external)} -> ${mib(lateMemory.external)} MiB`);

  if (late.fds !== early!.fds) {
    t.comment(`fds only after warm-up: ${earlyFds.filter((f) => !lateFds.includes(f)).join(', ') || 'none'}; only at the end: ${lateFds.filter((f) => !earlyFds.includes(f)).join(', ') || 'none'}`);
  }
  t.same(late, { ...early, mounts: 0, cgroupDirs: 0, zombies: 0, processes: 0 }, 'fds, threads and state entries as after warm-up; no mount, cgroup, zombie or process left');
  t.same(await rt.list(), [], 'no container left');
  t.same(fs.readdirSync(root).filter((n) => !n.startsWith('~')), [], 'nothing but the cache left in the state root');
  const growth = lateMemory.heapUsed - earlyMemory!.heapUsed;
  t.ok(growth < HEAP_SLACK, `heap grew ${mib(growth)} MiB over ${CYCLES - WARM_UP} cycles (allowed ${mib(HEAP_SLACK)})`);
  t.ok(lateMemory.external - earlyMemory!.external < HEAP_SLACK, `external memory grew ${mib(lateMemory.external - earlyMemory!.external)} MiB`);
});
