// events: runc's JSON stats and OOM events from a real container's cgroup, on this host's layout
// (and on pure v2 through test/vm/cgroup-v2-suite.ts).
import { spawn } from 'node:child_process';
import t, { type Test } from 'tap';
import { detectCgroupLayout } from '../../src/cgroups/detect.js';
import type { Spec } from '../../src/spec/generated/config.js';
import { makeBundle, rootSkipReason, stateRoot, tsrunc, tsruncBin, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);
const v2 = detectCgroupLayout().kind === 'v2';
/** The emulated v2 guest is 10-50x slower. */
const slow = process.env.TSRUNC_EXPECT_CGROUP_V2 === '1' ? 10 : 1;

function started(t: Test, mutate: (s: Spec) => void): { root: string; id: string } {
  const root = stateRoot(t);
  const id = uniqueId('ev');
  t.equal(tsrunc(root, ['create', '--bundle', makeBundle(t, mutate), id]).status, 0);
  t.equal(tsrunc(root, ['start', id]).status, 0);
  return { root, id };
}

/** `tsrunc events` in the background, its stdout split into parsed events. */
function watch(t: Test, root: string, args: string[]) {
  const child = spawn(tsruncBin, ['--root', root, 'events', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const events: Array<{ type: string; id: string; data?: Record<string, unknown> }> = [];
  let buffered = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop()!;
    for (const line of lines) events.push(JSON.parse(line));
  });
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  t.teardown(() => void child.kill('SIGKILL'));
  return { events, exited, stderr: () => stderr };
}

t.test('events --stats: one stats event with the limits and usage of the container', async (t) => {
  const { root, id } = started(t, (s) => {
    s.process!.args = ['sleep', '100'];
    s.linux!.resources = { memory: { limit: 64 << 20 }, pids: { limit: 20 }, cpu: { shares: 512 } };
  });
  const r = tsrunc(root, ['events', '--stats', id]);
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines.length, 1, 'exactly one line');
  const e = JSON.parse(lines[0]!);
  t.match(e, { type: 'stats', id, data: { cpu: { usage: {}, throttling: {} }, memory: { usage: { limit: 64 << 20 } }, pids: { limit: 20 }, blkio: {}, hugetlb: {} } });
  t.ok(e.data.pids.current >= 1, `pids.current ${e.data.pids.current}`);
  t.ok(e.data.memory.usage.usage > 0, 'memory usage');
  t.ok(e.data.cpu.usage.total > 0, 'cpu usage');
  t.same(Object.keys(e.data), ['cpu', 'cpuset', 'memory', 'pids', 'blkio', 'hugetlb', 'intel_rdt', 'network_interfaces'], 'runc’s fields, in its order');
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('events reports every OOM kill in the container, stats at each interval, and ends with it', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('oom');
  // The init survives its child's OOM kill: the container keeps running after it.
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', 'tail /dev/zero; sleep 100'];
    s.linux!.resources = { memory: { limit: 32 << 20, ...(v2 ? {} : { swap: 32 << 20 }) } };
  });
  // Created, then watched, then started: the OOM happens while events is watching.
  t.equal(tsrunc(root, ['create', '--bundle', bundle, id]).status, 0);
  const watcher = watch(t, root, ['--interval', `${500 * slow}ms`, id]);
  t.ok(await waitFor(() => watcher.events.some((e) => e.type === 'stats'), 10_000 * slow), 'a stats event at the interval');
  t.equal(tsrunc(root, ['start', id]).status, 0);
  t.ok(await waitFor(() => watcher.events.some((e) => e.type === 'oom'), 20_000 * slow), `an oom event (${watcher.stderr()})`);
  t.same(watcher.events.find((e) => e.type === 'oom'), { type: 'oom', id }, 'runc’s oom record');
  t.equal(tsrunc(root, ['kill', id, 'KILL']).status, 0);
  t.equal(await watcher.exited, 0, 'events ends when the container stops');
  t.equal(tsrunc(root, ['delete', id]).status, 0);
});

t.test('events of a container that is not running, or not there', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('evstop');
  t.equal(tsrunc(root, ['run', '--bundle', makeBundle(t, (s) => (s.process!.args = ['true'])), '--keep', id]).status, 0);
  const stopped = tsrunc(root, ['events', '--stats', id]);
  t.equal(stopped.status, 1);
  t.match(stopped.stderr, new RegExp(`container with id ${id} is not running`));
  t.equal(tsrunc(root, ['delete', id]).status, 0);
  t.match(tsrunc(root, ['events', id]).stderr, /container does not exist/);
  t.match(tsrunc(root, ['events', '--interval', 'soon', 'x']).stderr, /invalid value for --interval: "soon"/);
});
