/**
 * The launch plan: everything the native init helper needs, decided in TypeScript.
 *
 * This is the one type that crosses into C. Every field is already resolved (absolute host paths,
 * numeric flags, clean container paths), so the helper makes no policy decisions. The wire encoding
 * is in ./encode.ts and addon/src/plan.h.
 */
import type { UserNamespaceMaps } from './id-maps.js';
import type { PlannedNetDevice } from './net-devices.js';
import type { PlannedLinuxProcess } from './process-linux.js';

/** A namespace joined by path with setns(2). */
export interface NamespaceJoin {
  /** CLONE_NEW* flag of the namespace type. */
  nstype: number;
  /** Absolute path in the runtime mount namespace, e.g. /proc/123/ns/net. */
  path: string;
}

export const enum MountKind {
  Fs = 0,
  Bind = 1,
}

/** Options for {@link PlannedMount.options}; mirror PLAN_MOUNT_OPT_* in plan.h. */
export const MOUNT_OPT_FILE = 0x1;
export const MOUNT_OPT_SYSFS_FALLBACK = 0x2;
/** A bind source inside the rootfs, resolved there by the init (its symlinks cannot lead out). */
export const MOUNT_OPT_SOURCE_IN_ROOT = 0x4;
/** A tmpfs that starts with a copy of what it is mounted over (tmpcopyup). */
export const MOUNT_OPT_TMPCOPYUP = 0x8;
/** A bind with an idmapping (MOUNT_ATTR_IDMAP), made before the init leaves the runtime's namespaces. */
export const MOUNT_OPT_IDMAP = 0x10;
/** With MOUNT_OPT_IDMAP: the idmapping covers the submounts of an rbind too (ridmap). */
export const MOUNT_OPT_IDMAP_RECURSIVE = 0x20;

export interface PlannedMount {
  kind: MountKind;
  /** PLAN_MOUNT_OPT_* bits. */
  options: number;
  /** MS_* flags for mount(2); for binds they are applied by a remount after the bind. */
  flags: bigint;
  /** MS_SHARED / MS_SLAVE / MS_PRIVATE / MS_UNBINDABLE, with MS_REC when recursive; 0n for none. */
  propagation: bigint;
  /** MOUNT_ATTR_* to set and clear recursively with mount_setattr(2) (the spec's r* options). */
  attrSet: bigint;
  attrClr: bigint;
  /** Host path for binds (absolute), or a path in the rootfs with MOUNT_OPT_SOURCE_IN_ROOT; device name or dummy otherwise. */
  source: string;
  /** Absolute, lexically clean path inside the container. */
  destination: string;
  /** Filesystem type; '' for binds. */
  fstype: string;
  /** Filesystem-specific options (mount(2) data), '' for none. */
  data: string;
  /**
   * With MOUNT_OPT_IDMAP: the mount's uid_map and gid_map text (user_namespaces(7) lines), and its
   * JSON pointer (what the kernel refuses here is the config's mount's).
   */
  idmap?: { uidMap: string; gidMap: string; pointer: string };
}

export interface PlannedDevice {
  /** S_IFCHR / S_IFBLK / S_IFIFO plus permission bits. */
  mode: number;
  major: number;
  minor: number;
  uid: number;
  gid: number;
  /** Absolute path inside the container. */
  path: string;
  /** '' to mknod; otherwise bind-mount this host path (inside user namespaces). */
  bindSource: string;
}

export interface PlannedSymlink {
  target: string;
  linkpath: string;
}

export interface PlannedRlimit {
  /** RLIMIT_* number. */
  resource: number;
  soft: bigint;
  hard: bigint;
}

/** Capability sets as bit masks (bit n = capability n). */
export interface CapabilitySets {
  bounding: bigint;
  effective: bigint;
  permitted: bigint;
  inheritable: bigint;
  ambient: bigint;
}

export interface PlannedProcess {
  args: string[];
  env: string[];
  cwd: string;
  /** PATH used to look up args[0] (execvp semantics), taken from env or the default. */
  execPath: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  /** undefined leaves the umask as inherited. */
  umask: number | undefined;
  rlimits: PlannedRlimit[];
  /** undefined leaves the capabilities as they are. */
  capabilities: CapabilitySets | undefined;
  noNewPrivileges: boolean;
  oomScoreAdj: number | undefined;
}

/** A hook the init runs in the container's namespaces (createContainer, startContainer). */
export interface PlannedHook {
  kind: HookKind;
  /** Seconds; 0 for none. */
  timeout: number;
  path: string;
  /** argv as config.json gives it ([] → just the path). */
  args: string[];
  env: string[];
}

/** Mirror `enum plan_hook_kind` in plan.h. */
export const enum HookKind {
  CreateContainer = 1,
  StartContainer = 2,
}

export interface LaunchPlan {
  /** Namespaces joined by path, in the order they must be joined (user first). */
  joins: NamespaceJoin[];
  /** CLONE_NEW* flags of the namespaces to create. */
  newNamespaces: number;
  /** A new user namespace's maps and who writes them (the runtime, or newuidmap/newgidmap); undefined without one. */
  userNamespaceMaps?: UserNamespaceMaps;
  /** Text for /proc/self/timens_offsets ('' for none). */
  timeOffsets: string;
  /**
   * linux.netDevices, fixed names first: moved into the container's network namespace (new, or
   * joined by path) by the runtime, through a socket the init lends it (PLAN_NETNS_SOCKET);
   * undefined or empty for none.
   */
  netDevices?: PlannedNetDevice[];

  /** Absolute host path of the rootfs, symlinks resolved. */
  rootfs: string;
  /** MS_* propagation (with MS_REC when recursive) for "/" of the container. */
  rootfsPropagation: bigint;
  /** MS_PRIVATE or MS_SLAVE for the mount the rootfs sits on (found by walking up from the rootfs). */
  rootfsParentPropagation: bigint;
  /** MS_* propagation applied to "/" after pivot_root; 0n for none. */
  rootfsPropagationAfterPivot: bigint;
  readonlyRoot: boolean;
  noPivot: boolean;
  /**
   * The container has no mount namespace of its own (config-linux.md: it inherits the runtime's):
   * no propagation is changed, the mounts are the runtime's (delete removes them), chroot instead
   * of pivot_root.
   */
  noMountNamespace: boolean;
  mounts: PlannedMount[];
  devices: PlannedDevice[];
  symlinks: PlannedSymlink[];
  maskedPaths: string[];
  readonlyPaths: string[];
  hostname: string | undefined;
  domainname: string | undefined;
  /** [path under /proc/sys, value]. */
  sysctl: Array<[string, string]>;
  /** Host path of the start gate FIFO. */
  execFifo: string;
  /** The state JSON for container-namespace hooks, split around the pid the init fills in. */
  hookState: { prefix: string; suffix: string } | undefined;
  hooks: PlannedHook[];
  /** Stop before pivot_root for the runtime's prestart and createRuntime hooks. */
  syncHooks: boolean;
  /** --preserve-fds: the caller's fds 3..3+n-1 become the process's 3..3+n-1. */
  preserveFds: number;
  /** process.terminal: a new pty (0 0 leaves its size alone). */
  terminal: { rows: number; cols: number } | undefined;

  /**
   * The container's process; undefined when config.json has none (config.md: REQUIRED only at
   * start): the init then holds the namespaces at the gate and nothing of a process is applied.
   */
  process: PlannedProcess | undefined;
  /** Scheduler, I/O priority, personality, memory policy, CPU affinity, AppArmor profile (./process-linux.ts). */
  linuxProcess: PlannedLinuxProcess;
  /** linux.seccomp compiled; loaded by the init (see {@link SeccompStage}). */
  seccomp: { program: Buffer; flags: number; stage: SeccompStage } | undefined;
  /** Things the plan builder could not honour but that are not errors (spec: "log a warning"). */
  warnings: string[];
  /** Lines for the --debug log (e.g. seccomp syscall names this libseccomp does not know). */
  debug: string[];
}

/**
 * When the init loads the seccomp filter. Mirror PLAN_SECCOMP_* in plan.h.
 * - Early: before the switch to the process's user and capabilities, while the init still holds
 *   CAP_SYS_ADMIN, which a filter needs without no_new_privs; the init's own later syscalls must
 *   then pass the filter (as with runc).
 * - Late: with noNewPrivileges, as the last step before the start gate and execve.
 */
export const enum SeccompStage {
  Early = 0,
  Late = 1,
}
