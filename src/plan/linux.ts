/**
 * Kernel ABI numbers the plan uses (x86_64/aarch64 Linux UAPI). Names follow the kernel headers so
 * they can be checked against <sys/mount.h>, <sched.h>, <linux/capability.h>.
 */

/** mount(2) flags, as bigints because they feed u64 plan fields. */
export const MS = {
  RDONLY: 0x1n,
  NOSUID: 0x2n,
  NODEV: 0x4n,
  NOEXEC: 0x8n,
  SYNCHRONOUS: 0x10n,
  REMOUNT: 0x20n,
  MANDLOCK: 0x40n,
  DIRSYNC: 0x80n,
  NOSYMFOLLOW: 0x100n,
  NOATIME: 0x400n,
  NODIRATIME: 0x800n,
  BIND: 0x1000n,
  MOVE: 0x2000n,
  REC: 0x4000n,
  SILENT: 0x8000n,
  UNBINDABLE: 0x20000n,
  PRIVATE: 0x40000n,
  SLAVE: 0x80000n,
  SHARED: 0x100000n,
  RELATIME: 0x200000n,
  I_VERSION: 0x800000n,
  STRICTATIME: 0x1000000n,
  LAZYTIME: 0x2000000n,
} as const;

/** mount_setattr(2) attributes. */
export const MOUNT_ATTR = {
  RDONLY: 0x1n,
  NOSUID: 0x2n,
  NODEV: 0x4n,
  NOEXEC: 0x8n,
  ATIME: 0x70n, // MOUNT_ATTR__ATIME: the mask of the access-time mode
  RELATIME: 0x0n,
  NOATIME: 0x10n,
  STRICTATIME: 0x20n,
  NODIRATIME: 0x80n,
  NOSYMFOLLOW: 0x200000n,
} as const;

/** clone(2) namespace flags by OCI namespace type. */
export const CLONE_NEW = {
  mount: 0x00020000,
  uts: 0x04000000,
  ipc: 0x08000000,
  user: 0x10000000,
  pid: 0x20000000,
  network: 0x40000000,
  cgroup: 0x02000000,
  time: 0x00000080,
} as const;

export type NamespaceType = keyof typeof CLONE_NEW;

/** File type bits of st_mode. */
export const S_IF = { CHR: 0o020000, BLK: 0o060000, FIFO: 0o010000 } as const;

/** RLIMIT_* resource numbers by name (getrlimit(2)). */
export const RLIMITS: Record<string, number> = Object.setPrototypeOf({
  RLIMIT_CPU: 0,
  RLIMIT_FSIZE: 1,
  RLIMIT_DATA: 2,
  RLIMIT_STACK: 3,
  RLIMIT_CORE: 4,
  RLIMIT_RSS: 5,
  RLIMIT_NPROC: 6,
  RLIMIT_NOFILE: 7,
  RLIMIT_MEMLOCK: 8,
  RLIMIT_AS: 9,
  RLIMIT_LOCKS: 10,
  RLIMIT_SIGPENDING: 11,
  RLIMIT_MSGQUEUE: 12,
  RLIMIT_NICE: 13,
  RLIMIT_RTPRIO: 14,
  RLIMIT_RTTIME: 15,
}, null);

/** Capability numbers by name (capabilities(7)), through CAP_CHECKPOINT_RESTORE (40). */
export const CAPABILITIES: Record<string, number> = Object.setPrototypeOf({
  CAP_CHOWN: 0,
  CAP_DAC_OVERRIDE: 1,
  CAP_DAC_READ_SEARCH: 2,
  CAP_FOWNER: 3,
  CAP_FSETID: 4,
  CAP_KILL: 5,
  CAP_SETGID: 6,
  CAP_SETUID: 7,
  CAP_SETPCAP: 8,
  CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10,
  CAP_NET_BROADCAST: 11,
  CAP_NET_ADMIN: 12,
  CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14,
  CAP_IPC_OWNER: 15,
  CAP_SYS_MODULE: 16,
  CAP_SYS_RAWIO: 17,
  CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19,
  CAP_SYS_PACCT: 20,
  CAP_SYS_ADMIN: 21,
  CAP_SYS_BOOT: 22,
  CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24,
  CAP_SYS_TIME: 25,
  CAP_SYS_TTY_CONFIG: 26,
  CAP_MKNOD: 27,
  CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29,
  CAP_AUDIT_CONTROL: 30,
  CAP_SETFCAP: 31,
  CAP_MAC_OVERRIDE: 32,
  CAP_MAC_ADMIN: 33,
  CAP_SYSLOG: 34,
  CAP_WAKE_ALARM: 35,
  CAP_BLOCK_SUSPEND: 36,
  CAP_AUDIT_READ: 37,
  CAP_PERFMON: 38,
  CAP_BPF: 39,
  CAP_CHECKPOINT_RESTORE: 40,
}, null);

/** RLIM_INFINITY as the u64 the kernel uses. */
export const RLIM_INFINITY = 0xffff_ffff_ffff_ffffn;

/**
 * A JSON uint64 as a bigint. JSON numbers above 2^53 arrive rounded (18446744073709551615 parses
 * as 2^64), so anything at or above 2^64 - 1 means "all ones", the kernel's RLIM_INFINITY.
 */
export function u64FromJson(value: number): bigint {
  if (value >= 18446744073709551615) return RLIM_INFINITY;
  return BigInt(Math.trunc(value));
}
