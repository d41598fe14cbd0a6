// linux.intelRdt (issue 17) against config-linux.md's rules, on a resctrl filesystem kept in memory:
// no machine of ours has RDT hardware, so the rules are what can be shown; the refusal where no
// resctrl is mounted is shown for real (process-attributes.test.ts, bad-configs.test.ts).
import t from 'tap';
import { planIntelRdt, resctrlMountpoint } from '../../src/plan/intel-rdt.js';
import { joinResctrl, prepareResctrl, removeResctrl, type ResctrlFs } from '../../src/runtime/resctrl.js';
import { ConfigError } from '../../src/errors.js';

const R = '/sys/fs/resctrl';

/** A resctrl stand-in: directories, and every write in order. */
function memoryResctrl(dirs: string[], schemata: Record<string, string> = {}) {
  const have = new Set(dirs);
  const writes: Array<[string, string]> = [];
  const rfs: ResctrlFs = {
    exists: (p) => have.has(p),
    mkdir: (p) => {
      if (have.has(p)) throw Object.assign(new Error('exists'), { code: 'EEXIST' });
      have.add(p);
    },
    rmdir: (p) => {
      if (!have.delete(p)) throw Object.assign(new Error('missing'), { code: 'ENOENT' });
    },
    read: (p) => schemata[p] ?? '',
    write: (p, data) => void writes.push([p, data]),
  };
  return { rfs, have, writes };
}

t.test('the resctrl mount is found in mountinfo; none is a clear error', async (t) => {
  t.equal(resctrlMountpoint('30 22 0:27 / /sys/fs/resctrl rw,relatime - resctrl resctrl rw\n'), R);
  t.equal(resctrlMountpoint('30 22 0:27 / /sys rw - sysfs sysfs rw\n'), undefined);
  t.throws(() => planIntelRdt({ closID: 'x' }, 'c1', undefined), new ConfigError('config.json', '/linux/intelRdt', "no resctrl filesystem is mounted in the runtime's mount namespace (it needs Intel RDT or AMD PQoS hardware and `mount -t resctrl resctrl /sys/fs/resctrl`)", 'config-linux.md#configLinuxIntelRdt'));
  t.throws(() => planIntelRdt({ closID: 'a/b' }, 'c1', R), { pointer: '/linux/intelRdt/closID', message: /one directory/ });
  t.throws(() => planIntelRdt({ l3CacheSchema: 'L3:0=f\nMB:0=1' }, 'c1', R), { pointer: '/linux/intelRdt/l3CacheSchema', message: /newline/ });
});

t.test('no closID: a group named after the container, made and removed by tsrunc; schemata L3, MB, then schemata', async (t) => {
  const plan = planIntelRdt({ l3CacheSchema: 'L3:0=7f0', memBwSchema: 'MB:0=20', schemata: ['L2:0=f'], enableMonitoring: true }, 'c1', R)!;
  const { rfs, have, writes } = memoryResctrl([R]);
  const made = prepareResctrl(plan, rfs);
  t.same(made, { group: `${R}/c1`, monGroup: `${R}/c1/mon_groups/c1` });
  t.same(writes, [[`${R}/c1/schemata`, 'L3:0=7f0\n'], [`${R}/c1/schemata`, 'MB:0=20\n'], [`${R}/c1/schemata`, 'L2:0=f\n']], 'l3CacheSchema first, memBwSchema, then schemata');
  joinResctrl(plan, 42, rfs);
  t.same(writes.at(-1), [`${R}/c1/mon_groups/c1/tasks`, '42'], 'the pid through the MON group (it is in both then)');
  removeResctrl(made, rfs);
  t.notOk(have.has(`${R}/c1`) || have.has(`${R}/c1/mon_groups/c1`), 'delete removes both');
  t.throws(() => prepareResctrl(plan, memoryResctrl([R, `${R}/c1`]).rfs), /exists already/, 'a group of its name that someone else made');
});

t.test('closID: made if missing, checked if present, never removed; without schemata it must exist', async (t) => {
  const plan = planIntelRdt({ closID: 'gold', l3CacheSchema: 'L3:0=7f0' }, 'c1', R)!;
  const fresh = memoryResctrl([R]);
  t.same(prepareResctrl(plan, fresh.rfs), {}, 'made, but not recorded for removal');
  t.ok(fresh.have.has(`${R}/gold`));
  const same = memoryResctrl([R, `${R}/gold`], { [`${R}/gold/schemata`]: '    L3:0=7f0\n    MB:0=100\n' });
  t.same(prepareResctrl(plan, same.rfs), {}, 'an existing group with the same L3 line');
  const other = memoryResctrl([R, `${R}/gold`], { [`${R}/gold/schemata`]: 'L3:0=00f\n' });
  t.throws(() => prepareResctrl(plan, other.rfs), { pointer: '/linux/intelRdt/closID', message: /has other schemata than "L3:0=7f0"/ });
  const preset = planIntelRdt({ closID: 'silver' }, 'c1', R)!;
  t.throws(() => prepareResctrl(preset, memoryResctrl([R]).rfs), { pointer: '/linux/intelRdt/closID', message: /does not exist/ });
  t.same(prepareResctrl(preset, memoryResctrl([R, `${R}/silver`]).rfs), {}, 'a pre-configured group is joined as it is');
  const root = planIntelRdt({ closID: '/' }, 'c1', R)!;
  t.equal(root.group, R, 'closID "/" is the default CLOS, the root');
});

t.test('a create that fails after making a group takes it back', async (t) => {
  const plan = planIntelRdt({ closID: 'gold', l3CacheSchema: 'L3:0=7f0', enableMonitoring: true }, 'c1', R)!;
  const { rfs, have } = memoryResctrl([R]);
  rfs.mkdir = ((orig) => (p: string) => {
    if (p.includes('mon_groups')) throw Object.assign(new Error('no more MON groups'), { code: 'ENOSPC' });
    orig(p);
  })(rfs.mkdir);
  t.throws(() => prepareResctrl(plan, rfs), /MON group/, 'the MON group cannot be made');
  t.notOk(have.has(`${R}/gold`), 'the closID group it had just made is gone again');
});
