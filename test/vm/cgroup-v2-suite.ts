// The cgroup v2 suite: the cgroup test files in one Node process (one start-up, which costs seconds
// on the emulated guest), their assertions in one TAP stream. Run inside ../shared/tools/cgroup2-vm
// by test/integration/cgroup-v2.test.ts; not a test file of its own.
import t from 'tap';

// tap's default 30 s is for a whole file at native speed; the guest runs 10-50x slower.
t.setTimeout(30 * 60_000);
process.env.TSRUNC_EXPECT_CGROUP_V2 = '1';
await import('../integration/cgroups.test.js');
await import('../integration/events.test.js');
await import('./rootless-cgroup-v2.js');
// Not cgroups, but what only this guest's kernel can show: AppArmor.
await import('./apparmor.js');
