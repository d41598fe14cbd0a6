// The process's Linux attributes as planned (issue 17): the kernel's numbers, and a clear error with
// its JSON pointer for every value the kernel would refuse with a bare EINVAL.
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { parseIdList, planIoPriority, planLinuxProcess, planMemoryPolicy, planMountLabel, planPersonality, planScheduler } from '../../src/plan/process-linux.js';
import type { Process } from '../../src/spec/generated/config.js';

const pointerOf = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e.pointer;
    throw e;
  }
  return 'no error';
};

t.test('scheduler: sched_attr values, and what sched_setattr would refuse', async (t) => {
  t.same(planScheduler({ policy: 'SCHED_BATCH', nice: 7 }), { policy: 3, flags: 0n, nice: 7, priority: 0, runtime: 0n, deadline: 0n, period: 0n });
  t.same(planScheduler({ policy: 'SCHED_FIFO', priority: 10, flags: ['SCHED_FLAG_RESET_ON_FORK', 'SCHED_FLAG_KEEP_PARAMS'] })?.flags, 0x11n);
  t.same(planScheduler({ policy: 'SCHED_DEADLINE', runtime: 1_000_000, deadline: 2_000_000, period: 0 })?.policy, 6);
  t.equal(pointerOf(() => planScheduler({ nice: 1 } as never)), '/process/scheduler', 'no policy (REQUIRED)');
  t.equal(pointerOf(() => planScheduler({ policy: 'SCHED_ISO' })), '/process/scheduler/policy', 'SCHED_ISO: not implemented by Linux');
  t.equal(pointerOf(() => planScheduler({ policy: 'SCHED_OTHER', nice: 20 })), '/process/scheduler/nice');
  t.equal(pointerOf(() => planScheduler({ policy: 'SCHED_RR' })), '/process/scheduler/priority', 'a real-time policy needs 1..99');
  t.equal(pointerOf(() => planScheduler({ policy: 'SCHED_OTHER', priority: 5 })), '/process/scheduler/priority', 'others take 0');
  t.equal(pointerOf(() => planScheduler({ policy: 'SCHED_DEADLINE', runtime: 10, deadline: 100 })), '/process/scheduler/runtime', 'under 1024 ns');
  t.equal(pointerOf(() => planScheduler({ policy: 'SCHED_DEADLINE', runtime: 5000, deadline: 100 })), '/process/scheduler/deadline');
  t.equal(pointerOf(() => planScheduler({ policy: 'SCHED_DEADLINE', runtime: 5000, deadline: 6000, period: 5500 })), '/process/scheduler/period');
  t.equal(pointerOf(() => planScheduler({ policy: 'SCHED_BATCH', runtime: 5000 })), '/process/scheduler/runtime', 'deadline fields without SCHED_DEADLINE');
});

t.test('ioPriority: IOPRIO_PRIO_VALUE(class, level); class and priority both required', async (t) => {
  t.equal(planIoPriority({ class: 'IOPRIO_CLASS_BE', priority: 6 }), (2 << 13) | 6);
  t.equal(planIoPriority({ class: 'IOPRIO_CLASS_IDLE', priority: 0 }), 3 << 13);
  t.equal(pointerOf(() => planIoPriority({ priority: 6 } as never)), '/process/ioPriority');
  t.equal(pointerOf(() => planIoPriority({ class: 'IOPRIO_CLASS_BE' })), '/process/ioPriority');
  t.equal(pointerOf(() => planIoPriority({ class: 'IOPRIO_CLASS_RT', priority: 8 })), '/process/ioPriority/priority');
});

t.test('personality: the domain; no flags yet', async (t) => {
  t.equal(planPersonality({ domain: 'LINUX32' }), 8);
  t.equal(planPersonality({ domain: 'LINUX' }), 0);
  t.equal(pointerOf(() => planPersonality({ flags: [] })), '/linux/personality');
  t.equal(pointerOf(() => planPersonality({ domain: 'BOGUS' as never })), '/linux/personality/domain');
  t.equal(pointerOf(() => planPersonality({ domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] })), '/linux/personality/flags/0');
});

t.test('memoryPolicy: mode | flags, the node mask, and the nodes each mode needs or forbids', async (t) => {
  t.same(planMemoryPolicy({ mode: 'MPOL_BIND', nodes: '0' }), { mode: 2, nodes: Buffer.from([1, 0, 0, 0, 0, 0, 0, 0]) });
  t.same(planMemoryPolicy({ mode: 'MPOL_INTERLEAVE', nodes: '2-3', flags: ['MPOL_F_STATIC_NODES'] }), { mode: 3 | (1 << 15), nodes: Buffer.from([12, 0, 0, 0, 0, 0, 0, 0]) });
  t.same(planMemoryPolicy({ mode: 'MPOL_LOCAL' }), { mode: 4, nodes: Buffer.alloc(0) });
  t.equal(pointerOf(() => planMemoryPolicy({ nodes: '0' })), '/linux/memoryPolicy', 'no mode (REQUIRED)');
  t.equal(pointerOf(() => planMemoryPolicy({ mode: 'MPOL_DEFAULT', nodes: '0' })), '/linux/memoryPolicy/nodes');
  t.equal(pointerOf(() => planMemoryPolicy({ mode: 'MPOL_BIND' })), '/linux/memoryPolicy/nodes');
  t.equal(pointerOf(() => planMemoryPolicy({ mode: 'MPOL_BIND', nodes: '3-1' })), '/linux/memoryPolicy/nodes');
});

t.test('lists like "0-3,7" as masks of 64-bit words', async (t) => {
  t.same([...parseIdList('0-3,7', '/x', 's')], [0x8f, 0, 0, 0, 0, 0, 0, 0]);
  t.equal(parseIdList('64', '/x', 's').length, 16, 'a second word for cpu 64');
  t.equal(parseIdList(' ', '/x', 's').length, 0);
  t.throws(() => parseIdList('0-', '/x', 's'), ConfigError);
  t.throws(() => parseIdList('a', '/x', 's'), ConfigError);
});

t.test('execCPUAffinity is an exec’s only; an AppArmor profile needs AppArmor', async (t) => {
  const p: Process = { cwd: '/', execCPUAffinity: { initial: '0', final: '1' }, apparmorProfile: 'p' };
  const debug: string[] = [];
  const init = planLinuxProcess({ ...p, apparmorProfile: undefined }, undefined, { apparmor: false, selinux: false }, false, debug);
  t.same([init.cpuAffinityInitial, init.cpuAffinityFinal], [undefined, undefined], 'not applicable to the container init');
  t.match(debug, [/exec only/]);
  const exec = planLinuxProcess(p, undefined, { apparmor: true, selinux: false }, true);
  t.same([exec.cpuAffinityInitial?.[0], exec.cpuAffinityFinal?.[0], exec.apparmorProfile], [1, 2, 'p']);
  t.throws(() => planLinuxProcess(p, undefined, { apparmor: false, selinux: false }, true), { pointer: '/process/apparmorProfile', message: /AppArmor is not enabled on this host/ });
  t.equal(planLinuxProcess({ cwd: '/', apparmorProfile: 'unconfined' }, undefined, { apparmor: false, selinux: false }, false).apparmorProfile, undefined, '"unconfined" is what a host without AppArmor gives anyway');
});

t.test('SELinux: the exec label and the mounts’ context=, where SELinux is enabled; an error where not', async (t) => {
  const label = 'system_u:system_r:container_t:s0:c1,c2';
  t.equal(planLinuxProcess({ cwd: '/', selinuxLabel: label }, undefined, { apparmor: false, selinux: true }, false).selinuxLabel, label);
  t.throws(() => planLinuxProcess({ cwd: '/', selinuxLabel: label }, undefined, { apparmor: false, selinux: false }, false), { pointer: '/process/selinuxLabel', message: /SELinux is not enabled on this host/ });
  const mountLabel = 'system_u:object_r:container_file_t:s0:c1.c2';
  t.equal(planMountLabel(mountLabel, { apparmor: false, selinux: true }), `context="${mountLabel}"`);
  t.equal(planMountLabel(undefined, { apparmor: false, selinux: false }), undefined);
  t.throws(() => planMountLabel(mountLabel, { apparmor: false, selinux: false }), { pointer: '/linux/mountLabel', message: /SELinux is not enabled on this host/ });
  t.throws(() => planMountLabel('a,b', { apparmor: false, selinux: true }), { pointer: '/linux/mountLabel', message: /comma/ }, 'a comma would split the mount option');
});
