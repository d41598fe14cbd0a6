/**
 * The sync protocol's numbers (addon/src/sync.h) and the wording of each init step, so a failure in
 * the container's init reads like `mount `proc` on `/proc`: Operation not permitted (EPERM)`.
 * test/unit/init-steps.test.ts parses sync.h and fails when the two drift apart.
 */
import type { LaunchPlan } from '../plan/launch-plan.js';
import { HookError, SyscallError, TsruncError } from '../errors.js';
import type { SyncMessage } from '../native.js';

export const SyncType = {
  GO: 1,
  ACK: 2,
  ABORT: 3,
  USERNS_MAP: 10,
  INIT_PID: 11,
  READY: 12,
  ERROR: 13,
  HOOKS: 14,
  SECCOMP_FD: 15,
  NETNS_SOCKET: 16,
} as const;

/** `enum init_step` → the operation named in the error message. */
export const initSteps: Record<number, { name: string; operation: string }> = {
  0: { name: 'STEP_NONE', operation: 'init' },
  1: { name: 'STEP_READ_PLAN', operation: 'read launch plan' },
  2: { name: 'STEP_SYNC', operation: 'sync with runtime' },
  3: { name: 'STEP_SETNS', operation: 'join namespace' },
  4: { name: 'STEP_UNSHARE', operation: 'create namespaces' },
  5: { name: 'STEP_SET_IDS', operation: 'become root in user namespace' },
  6: { name: 'STEP_TIMENS_OFFSETS', operation: 'write time namespace offsets' },
  7: { name: 'STEP_FORK', operation: 'fork init' },
  8: { name: 'STEP_ROOTFS_PROPAGATION', operation: 'set rootfs propagation' },
  9: { name: 'STEP_BIND_ROOTFS', operation: 'bind mount rootfs' },
  10: { name: 'STEP_RESOLVE', operation: 'resolve in rootfs' },
  11: { name: 'STEP_MKDIR', operation: 'create mount point' },
  12: { name: 'STEP_MOUNT', operation: 'mount' },
  13: { name: 'STEP_REMOUNT', operation: 'remount' },
  14: { name: 'STEP_MOUNT_PROPAGATION', operation: 'set mount propagation on' },
  15: { name: 'STEP_MOUNT_SETATTR', operation: 'mount_setattr' },
  16: { name: 'STEP_MKNOD', operation: 'create device' },
  17: { name: 'STEP_DEVICE_CHOWN', operation: 'chown device' },
  18: { name: 'STEP_SYMLINK', operation: 'create symlink' },
  19: { name: 'STEP_OPEN_FIFO', operation: 'open start gate' },
  20: { name: 'STEP_PIVOT_ROOT', operation: 'pivot_root' },
  21: { name: 'STEP_MASK_PATH', operation: 'mask path' },
  22: { name: 'STEP_READONLY_PATH', operation: 'make path read-only' },
  23: { name: 'STEP_ROOT_READONLY', operation: 'remount / read-only' },
  24: { name: 'STEP_SYSCTL', operation: 'write sysctl' },
  25: { name: 'STEP_HOSTNAME', operation: 'sethostname' },
  26: { name: 'STEP_DOMAINNAME', operation: 'setdomainname' },
  27: { name: 'STEP_RLIMIT', operation: 'setrlimit' },
  28: { name: 'STEP_OOM_SCORE_ADJ', operation: 'write oom_score_adj' },
  29: { name: 'STEP_SETSID', operation: 'setsid' },
  30: { name: 'STEP_CAPS_BOUNDING', operation: 'drop bounding capabilities' },
  31: { name: 'STEP_SETGROUPS', operation: 'setgroups' },
  32: { name: 'STEP_SETGID', operation: 'setgid' },
  33: { name: 'STEP_SETUID', operation: 'setuid' },
  34: { name: 'STEP_CAPS', operation: 'set capabilities' },
  35: { name: 'STEP_NO_NEW_PRIVS', operation: 'set no_new_privs' },
  36: { name: 'STEP_CHDIR', operation: 'chdir to cwd' },
  37: { name: 'STEP_LOOKUP_EXEC', operation: 'exec' },
  38: { name: 'STEP_CLOSE_FDS', operation: 'close file descriptors' },
  39: { name: 'STEP_EXEC', operation: 'exec' },
  40: { name: 'STEP_SIGNALS', operation: 'reset signals' },
  41: { name: 'STEP_HOOK', operation: 'run' },
  42: { name: 'STEP_CONSOLE', operation: 'set up the terminal' },
  43: { name: 'STEP_PROCFS', operation: 'open a verified procfs handle' },
  44: { name: 'STEP_CONSOLE_BIND', operation: 'bind the terminal over' },
  45: { name: 'STEP_SECCOMP', operation: 'load the seccomp filter' },
  46: { name: 'STEP_SCHEDULER', operation: 'sched_setattr (process.scheduler), policy' },
  47: { name: 'STEP_IO_PRIORITY', operation: 'ioprio_set (process.ioPriority)' },
  48: { name: 'STEP_PERSONALITY', operation: 'personality (linux.personality)' },
  49: { name: 'STEP_MEMORY_POLICY', operation: 'set_mempolicy (linux.memoryPolicy), mode' },
  50: { name: 'STEP_CPU_AFFINITY', operation: 'sched_setaffinity (process.execCPUAffinity)' },
  51: { name: 'STEP_APPARMOR', operation: 'apply AppArmor profile (process.apparmorProfile)' },
  52: { name: 'STEP_NETNS_SOCKET', operation: 'make a netlink socket in the new network namespace (linux.netDevices)' },
  53: { name: 'STEP_TMPCOPYUP', operation: 'copy into the tmpfs (tmpcopyup)' },
  54: { name: 'STEP_IDMAP', operation: 'make the idmapped mount' },
  55: { name: 'STEP_SELINUX', operation: 'apply SELinux label (process.selinuxLabel)' },
};

const STEP_LOOKUP_EXEC = 37;
const STEP_HOOK = 41;
const STEP_SCHEDULER = 46;
const STEP_IDMAP = 54;
const EPERM = 1;
const ENOENT = 2;
const ETIMEDOUT = 110;

/** Turns a SYNC_ERROR message from the init into the error the user sees. */
export function initStepError(msg: SyncMessage, plan?: Pick<LaunchPlan, 'mounts'>): TsruncError {
  // A hook that ran and failed has a status, not an errno: `createContainer hook #0 `/x`: exit status 3`.
  if (msg.step === STEP_HOOK && msg.err === 0) return new HookError(`${msg.text}: exit status ${msg.value}`);
  if (msg.step === STEP_HOOK && msg.err === ETIMEDOUT) return new HookError(`${msg.text}: timed out`);
  if (msg.step === STEP_HOOK) return new HookError(new SyscallError(initSteps[STEP_HOOK]!.operation, msg.text, msg.err).message);
  const step = initSteps[msg.step] ?? { name: `step ${msg.step}`, operation: `init step ${msg.step}` };
  // Not a failed call but something the init found wrong: the text says what.
  if (msg.err === 0) return new TsruncError(`${step.operation} ${msg.text}`);
  const err = new SyscallError(step.operation, msg.text, msg.err);
  // An idmapped mount the kernel refused (its filesystem cannot be idmapped): the config's mount.
  const idmapped = msg.step === STEP_IDMAP ? plan?.mounts.find((m) => m.idmap && msg.text.startsWith(`\`${m.destination}\``)) : undefined;
  if (idmapped) err.message = `config.json: ${idmapped.idmap!.pointer}: ${err.message}`;
  if (msg.step === STEP_SCHEDULER && msg.err === EPERM && (msg.text === '1' || msg.text === '2')) {
    // SCHED_FIFO/SCHED_RR in a cpu cgroup with no real-time budget (CONFIG_RT_GROUP_SCHED).
    err.message += ': a real-time policy needs CAP_SYS_NICE and, where the kernel groups real-time tasks, real-time runtime in the container\'s cpu cgroup (linux.resources.cpu.realtimeRuntime)';
  }
  if (msg.step === STEP_LOOKUP_EXEC && msg.err === ENOENT) {
    // The text containers managers match on (podman maps it to exit status 127), as runc words it.
    err.message = `exec: "${msg.text}": executable file not found in $PATH`;
  }
  return err;
}
