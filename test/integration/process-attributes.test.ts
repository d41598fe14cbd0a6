// The process's Linux attributes (issue 17), seen from inside real containers: scheduler, I/O
// priority, personality, NUMA memory policy, an exec's CPU affinity, and AppArmor on a host
// without it (test/vm/apparmor.ts shows a profile enforced in the cgroup v2 guest, which runs
// AppArmor). Bad values fail create with their JSON pointer and leave nothing.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { containersIn, makeBundle, rootSkipReason, runScript, stateRoot, tempDir, tsrunc, uniqueId } from '../helpers/cli.js';
import type { Spec } from '../../src/spec/generated/config.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

/** One line of output from `script` in a foreground container changed by `mutate`; the status must be 0. */
function inside(t: Test, script: string, mutate: (s: Spec) => void): string {
  const r = runScript(t, stateRoot(t), script, mutate);
  t.equal(r.status, 0, `run (stderr: ${r.stderr.trim()})`);
  return r.stdout.trim();
}

/** create is refused with `message`, and nothing of the container is left (state, init helpers). */
function refused(t: Test, mutate: (s: Spec) => void, message: RegExp): void {
  const root = stateRoot(t);
  const r = tsrunc(root, ['create', '--bundle', makeBundle(t, mutate), uniqueId('refused')]);
  t.not(r.status, 0, 'refused');
  t.match(r.stderr, message, r.stderr.trim());
  t.same(containersIn(root), [], 'no state left');
}

t.test('scheduler: policy, nice and real-time priority as /proc/self/stat shows them', async (t) => {
  // stat fields: 19 nice, 40 rt_priority, 41 policy (SCHED_BATCH 3, SCHED_FIFO 1).
  const stat = "awk '{print $19, $40, $41}' /proc/self/stat";
  t.equal(inside(t, stat, (s) => (s.process!.scheduler = { policy: 'SCHED_BATCH', nice: 7 })), '7 0 3', 'SCHED_BATCH, nice 7');
  // A real-time policy needs real-time runtime in the container's cpu cgroup where the kernel
  // groups it (CONFIG_RT_GROUP_SCHED, as here): a budget, in a cgroup right under the root (whose
  // budget it comes from; runc's default place).
  const rt = (s: Spec) => {
    s.linux!.resources = { cpu: { realtimeRuntime: 10_000, realtimePeriod: 1_000_000 } };
    s.linux!.cgroupsPath = `/${uniqueId('tsrunc-rt')}`;
  };
  t.equal(inside(t, stat, (s) => {
    s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10 };
    rt(s);
  }), '0 10 1', 'SCHED_FIFO, priority 10');
  // Under tsrunc's own levels (the default /tsrunc/<id>, and a relative cgroupsPath's a/b), which
  // start with no real-time runtime: create gives them what the container needs (cgroups/rt-budget.ts).
  const nested = uniqueId('rt-level');
  t.equal(inside(t, stat, (s) => {
    s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10 };
    s.linux!.resources = { cpu: { realtimeRuntime: 10_000, realtimePeriod: 1_000_000 } };
    s.linux!.cgroupsPath = `${nested}/inner`;
  }), '0 10 1', 'SCHED_FIFO under /tsrunc/<level>/inner');
  t.equal(inside(t, stat, (s) => {
    s.process!.scheduler = { policy: 'SCHED_FIFO', priority: 10 };
    s.linux!.resources = { cpu: { realtimeRuntime: 10_000 } };
  }), '0 10 1', 'SCHED_FIFO in the default /tsrunc/<id>, with the parent\'s period');
  t.notOk(fs.existsSync(`/sys/fs/cgroup/cpu/tsrunc/${nested}`), 'the level made for it went with the container');
  if (fs.existsSync('/sys/fs/cgroup/cpu/cpu.rt_runtime_us')) {
    refused(t, (s) => (s.process!.scheduler = { policy: 'SCHED_RR', priority: 10 }), /sched_setattr \(process\.scheduler\), policy `2`: Operation not permitted \(EPERM\).*realtimeRuntime/);
  }
  refused(t, (s) => (s.process!.scheduler = { policy: 'SCHED_FIFO' }), /\/process\/scheduler\/priority: SCHED_FIFO takes a priority of 1 to 99, not 0/);
});

t.test('ioPriority: class and level as ionice reads them', async (t) => {
  t.equal(inside(t, 'ionice -p $$', (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE', priority: 6 })), 'best-effort: prio 6');
  t.equal(inside(t, 'ionice -p $$', (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_IDLE', priority: 0 })), 'idle');
  refused(t, (s) => (s.process!.ioPriority = { class: 'IOPRIO_CLASS_BE' } as never), /\/process\/ioPriority: needs a priority \(REQUIRED\)/);
});

t.test('personality: LINUX32 makes uname report a 32-bit machine', async (t) => {
  t.equal(inside(t, 'uname -m', (s) => (s.linux!.personality = { domain: 'LINUX32' })), 'i686');
  t.equal(inside(t, 'uname -m', (s) => (s.linux!.personality = { domain: 'LINUX' })), 'x86_64');
  refused(t, (s) => (s.linux!.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] }), /\/linux\/personality\/flags\/0: .*no personality flag is supported/);
});

t.test('memoryPolicy: the policy numa_maps shows, and a node this host lacks', async (t) => {
  const numa = "head -1 /proc/self/numa_maps | cut -d' ' -f2";
  t.equal(inside(t, numa, (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' })), 'bind:0');
  t.equal(inside(t, numa, (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_PREFERRED', nodes: '0' })), 'prefer:0');
  const nodes = fs.readFileSync('/sys/devices/system/node/online', 'utf8').trim();
  t.equal(nodes, '0', 'this host has one NUMA node (the next check names a node it lacks)');
  refused(t, (s) => (s.linux!.memoryPolicy = { mode: 'MPOL_BIND', nodes: '5' }), /set_mempolicy \(linux\.memoryPolicy\), mode `0x2`: Invalid argument \(EINVAL\)/);
});

t.test('execCPUAffinity: an exec’s final CPUs; the container init keeps its own', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('affinity');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '60'];
    s.process!.execCPUAffinity = { initial: '0', final: '1' };
  });
  t.equal(tsrunc(root, ['run', '--detach', '--bundle', bundle, id]).status, 0, 'run --detach');
  const status = (pid: string) => fs.readFileSync(`/proc/${pid}/status`, 'utf8').match(/^Cpus_allowed_list:\s*(\S+)/m)![1];
  const initPid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
  t.equal(status(String(initPid)), status('self'), 'not applied to the init (config.md: not applicable to it)');
  const dir = tempDir(t);
  const processFile = path.join(dir, 'process.json');
  fs.writeFileSync(processFile, JSON.stringify({ cwd: '/', args: ['sh', '-c', "grep Cpus_allowed_list /proc/self/status | tr -d '\\t'"], execCPUAffinity: { initial: '0', final: '1' } }));
  const exec = tsrunc(root, ['exec', '--process', processFile, id]);
  t.equal(exec.stdout.trim(), 'Cpus_allowed_list:1', `the exec'd process runs on its final CPUs (stderr: ${exec.stderr.trim()})`);
  fs.writeFileSync(processFile, JSON.stringify({ cwd: '/', args: ['true'], execCPUAffinity: { final: '0-9999' } }));
  const bad = tsrunc(root, ['exec', '--process', processFile, id]);
  t.not(bad.status, 0, 'CPUs this host lacks');
  t.match(bad.stderr, /sched_setaffinity \(process\.execCPUAffinity\) final: .*EINVAL|execCPUAffinity\/final/, bad.stderr.trim());
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('AppArmor on a host without it: a profile is an error (it cannot be applied), "unconfined" is not', async (t) => {
  t.notOk(fs.existsSync('/sys/module/apparmor/parameters/enabled') && fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y', 'this host runs no AppArmor');
  refused(t, (s) => (s.process!.apparmorProfile = 'tsrunc-test'), /\/process\/apparmorProfile: AppArmor is not enabled on this host, so profile "tsrunc-test" cannot be applied/);
  t.equal(inside(t, 'echo ran', (s) => (s.process!.apparmorProfile = 'unconfined')), 'ran');
  const root = stateRoot(t);
  const id = uniqueId('aa');
  t.equal(tsrunc(root, ['run', '--detach', '--bundle', makeBundle(t, (s) => (s.process!.args = ['sleep', '60'])), id]).status, 0);
  const exec = tsrunc(root, ['exec', '--apparmor', 'tsrunc-test', id, 'true']);
  t.not(exec.status, 0, 'exec --apparmor likewise');
  t.match(exec.stderr, /AppArmor is not enabled on this host/);
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('SELinux on a host without it: process and mount labels are errors, as exec --process-label is', async (t) => {
  t.notOk(fs.existsSync('/sys/fs/selinux/enforce'), 'this host runs no SELinux');
  refused(t, (s) => (s.process!.selinuxLabel = 'system_u:system_r:container_t:s0'), /\/process\/selinuxLabel: SELinux is not enabled on this host/);
  refused(t, (s) => (s.linux!.mountLabel = 'system_u:object_r:container_file_t:s0'), /\/linux\/mountLabel: SELinux is not enabled on this host/);
  const root = stateRoot(t);
  const id = uniqueId('selinux');
  t.equal(tsrunc(root, ['run', '--detach', '--bundle', makeBundle(t, (s) => (s.process!.args = ['sleep', '60'])), id]).status, 0);
  const exec = tsrunc(root, ['exec', '--process-label', 'system_u:system_r:container_t:s0', id, 'true']);
  t.not(exec.status, 0);
  t.match(exec.stderr, /SELinux is not enabled on this host/);
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});
