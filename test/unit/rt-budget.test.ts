// Real-time runtime for tsrunc's own cgroup levels (cgroups/rt-budget.ts), on an in-memory cpu
// hierarchy that refuses what the kernel refuses: children sharing more than their parent has.
import t from 'tap';
import { raiseRtBudget, type RtFiles } from '../../src/cgroups/rt-budget.js';

const MOUNT = '/sys/fs/cgroup/cpu';

/**
 * dir → [runtime, period]; a write is refused (EINVAL) when a level's children would then share
 * more than it, shares counted as the kernel counts them (to_ratio: ns << 20 / ns, truncated).
 */
function hierarchy(groups: Record<string, [number, number]>): RtFiles & { groups: Map<string, [number, number]> } {
  const g = new Map<string, [number, number]>(Object.entries(groups).map(([k, v]) => [`${MOUNT}${k === '/' ? '' : k}`, v]));
  const share = (d: string) => (BigInt(g.get(d)![0]) * 1000n << 20n) / (BigInt(g.get(d)![1]) * 1000n);
  const children = (dir: string) => [...g.keys()].filter((k) => k !== dir && k.startsWith(`${dir}/`) && !k.slice(dir.length + 1).includes('/'));
  return {
    groups: g,
    read: (dir, file) => (g.has(dir) ? g.get(dir)![file === 'cpu.rt_runtime_us' ? 0 : 1] : undefined),
    write(dir, _file, value) {
      const before = g.get(dir)!;
      g.set(dir, [value, before[1]]);
      const parent = dir.slice(0, dir.lastIndexOf('/'));
      const over = (d: string) => children(d).reduce((sum, c) => sum + share(c), 0n) > share(d);
      if (over(dir) || (g.has(parent) && over(parent))) {
        g.set(dir, before);
        throw Object.assign(new Error('EINVAL'), { code: 'EINVAL' });
      }
    },
    children,
  };
}

t.test('our levels get what their containers need, top-down; a level with enough is left alone', async (t) => {
  const h = hierarchy({ '/': [950_000, 1_000_000], '/tsrunc': [0, 1_000_000], '/tsrunc/a': [0, 1_000_000], '/tsrunc/a/c1': [0, 1_000_000], '/tsrunc/other': [20_000, 1_000_000] });
  const written = raiseRtBudget(MOUNT, '/tsrunc', '/tsrunc/a/c1', 10_000, undefined, h);
  t.same(written, [`${MOUNT}/tsrunc`, `${MOUNT}/tsrunc/a`]);
  t.equal(h.groups.get(`${MOUNT}/tsrunc`)![0], 29_999, "the sibling's 20 ms and the container's 10 ms, in the kernel's truncated shares");
  t.equal(h.groups.get(`${MOUNT}/tsrunc/a`)![0], 10_000);
  h.write(`${MOUNT}/tsrunc/a/c1`, 'cpu.rt_runtime_us', 10_000); // the container's own write now passes
  t.same(raiseRtBudget(MOUNT, '/tsrunc', '/tsrunc/a/c1', 10_000, undefined, h), [], 'nothing to raise the second time');
});

t.test('a container period other than its parent’s is compared as a share', async (t) => {
  const h = hierarchy({ '/': [950_000, 1_000_000], '/tsrunc': [0, 1_000_000], '/tsrunc/c1': [0, 100_000] });
  raiseRtBudget(MOUNT, '/tsrunc', '/tsrunc/c1', 5_000, 100_000, h);
  t.ok(Math.abs(h.groups.get(`${MOUNT}/tsrunc`)![0] - 50_000) <= 1, '5 ms of 100 ms is 50 ms of 1 s');
  t.doesNotThrow(() => h.write(`${MOUNT}/tsrunc/c1`, 'cpu.rt_runtime_us', 5_000));
});

t.test('levels that are not ours, and no runtime, are left alone', async (t) => {
  const h = hierarchy({ '/': [950_000, 1_000_000], '/theirs': [0, 1_000_000], '/theirs/c1': [0, 1_000_000] });
  t.same(raiseRtBudget(MOUNT, '/tsrunc', '/theirs/c1', 10_000, undefined, h), []);
  t.same(raiseRtBudget(MOUNT, '/tsrunc', '/tsrunc2/c1', 10_000, undefined, h), [], 'a name that only starts like ours');
  t.same(raiseRtBudget(MOUNT, '/tsrunc', '/tsrunc/c1', 0, undefined, h), []);
  t.equal(h.groups.get(`${MOUNT}/theirs`)![0], 0);
});

t.test('more than the root leaves: a clear error naming the level', async (t) => {
  const h = hierarchy({ '/': [950_000, 1_000_000], '/system': [900_000, 1_000_000], '/tsrunc': [0, 1_000_000], '/tsrunc/c1': [0, 1_000_000] });
  t.throws(() => raiseRtBudget(MOUNT, '/tsrunc', '/tsrunc/c1', 100_000, undefined, h), {
    message: `cgroup: linux.resources.cpu.realtimeRuntime needs 100000 us of real-time runtime for tsrunc's level ${MOUNT}/tsrunc (its containers' together), which its parent does not leave it (EINVAL): lower the runtime, or give the parents more (cpu.rt_runtime_us)`,
  });
});
