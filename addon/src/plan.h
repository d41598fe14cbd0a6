/*
 * plan.h — the launch plan as the init helper receives it.
 *
 * TypeScript (src/plan/encode.ts) decides everything and serialises the plan into a memfd that the
 * helper reads on fd PLAN_FD. The helper only executes it, in record order. Keep this file and
 * src/plan/encode.ts in step: test/unit/plan-wire.test.ts parses this header and fails on drift.
 *
 * Wire format (all integers little-endian):
 *
 *   header:  u32 magic = PLAN_MAGIC, u32 version = PLAN_VERSION, u32 record_count
 *   record:  u16 tag, u16 reserved (0), u32 payload_length, payload[payload_length]
 *   payload: the fields listed for the tag, in order:
 *              u32 / i32 / u64   fixed width
 *              str               u32 length, bytes, one NUL (not counted in length)
 *              bytes             u32 length, bytes (binary, no NUL)
 *
 * A record the helper does not know is an error (PLAN_TAG_UNKNOWN), never skipped: a plan that asks
 * for something must not run without it.
 */
#ifndef TSRUNC_PLAN_H
#define TSRUNC_PLAN_H

#define PLAN_MAGIC 0x50525354u /* "TSRP" */
#define PLAN_VERSION 1u

/* File descriptors the helper is started with. */
#define SYNC_FD 3 /* SOCK_SEQPACKET to the runtime, see sync.h */
#define PLAN_FD 4 /* memfd holding the plan */
#define CONSOLE_FD 6 /* with PLAN_TERMINAL and a console socket: connected to it, for the pty master */
#define PRESERVED_FD 7 /* --preserve-fds N: the caller's fds 3..3+N-1 wait at 7..7+N-1 until exec */

enum plan_tag {
	/* --- stage 1: namespaces (runtime namespaces, before the init is forked) --- */
	PLAN_NS_JOIN = 1,      /* u32 nstype (CLONE_NEW*), str path. setns() in record order (user first). */
	PLAN_NS_NEW = 2,       /* u64 flags (CLONE_NEW*). One record. CLONE_NEWUSER is unshared first and the
	                          runtime writes the id maps (SYNC_USERNS_MAP); the rest after. */
	PLAN_TIME_OFFSETS = 3, /* str text written to /proc/self/timens_offsets after unshare(CLONE_NEWTIME). */

	/* --- stage 2: the container's filesystem (the init, in its mount namespace) --- */
	PLAN_ROOTFS = 10,             /* str absolute host path of the rootfs (symlinks already resolved). */
	PLAN_ROOTFS_PROPAGATION = 11, /* u64 MS_* propagation (| MS_REC) applied to "/" first,
	                                 u64 MS_PRIVATE or MS_SLAVE for the mount the rootfs is on (the first
	                                 one found walking up from the rootfs),
	                                 u64 MS_* applied to the new "/" after pivot_root (0 = none). */
	PLAN_ROOT_READONLY = 12,      /* (empty) remount "/" read-only after pivot_root. */
	PLAN_NO_PIVOT = 13,           /* (empty) MS_MOVE + chroot instead of pivot_root. */
	PLAN_NO_MOUNT_NS = 40,        /* (empty) the mounts are the runtime's own mount namespace's: no
	                                 propagation change, chroot (never MS_MOVE, never pivot_root). */
	PLAN_MOUNT = 14,
	/*   u32 kind (enum plan_mount_kind), u32 options (PLAN_MOUNT_OPT_*),
	 *   u64 flags       MS_* for mount(2); for binds, applied by a remount after the bind,
	 *   u64 propagation MS_SHARED/MS_SLAVE/MS_PRIVATE/MS_UNBINDABLE (| MS_REC), 0 = none,
	 *   u64 attr_set, u64 attr_clr  MOUNT_ATTR_* applied with mount_setattr(AT_RECURSIVE), 0/0 = none,
	 *   str source      binds: host path (absolute), or a path in the rootfs with SOURCE_IN_ROOT;
 *                   device or dummy otherwise,
	 *   str destination absolute, lexically clean path inside the container (resolved in the rootfs),
	 *   str fstype      "" for binds,
	 *   str data        filesystem-specific options for mount(2)'s data argument, "" = NULL */
	PLAN_DEVICE = 15,
	/*   u32 mode (S_IFCHR/S_IFBLK/S_IFIFO | permission bits), u32 major, u32 minor, u32 uid, u32 gid,
	 *   str path (inside the container), str bind_source ("" = mknod; else bind-mount this host path,
	 *   used inside user namespaces where mknod is not permitted) */
	PLAN_SYMLINK = 16,       /* str target, str linkpath (inside the container; skipped if it exists). */
	PLAN_MASKED_PATH = 17,   /* str path: the verified /dev/null bound over a file, read-only tmpfs over a
	                            dir; never through a symlink. ENOENT ok. */
	PLAN_READONLY_PATH = 18, /* str path: bound onto itself read-only (recursively); never through a
	                            symlink. ENOENT ok. */
	PLAN_HOSTNAME = 19,      /* str */
	PLAN_DOMAINNAME = 20,    /* str */
	PLAN_SYSCTL = 21,        /* str path under /proc/sys ("net/ipv4/ip_forward", components checked by TS),
	                            str value; written through the procfs handle (procfs.h) */
	PLAN_EXEC_FIFO = 22,     /* str host path of the start gate (a FIFO); opened O_PATH before pivot_root */
	PLAN_HOOK_STATE = 23,    /* str prefix, str suffix: the state JSON given to container-namespace hooks
	                            on stdin is prefix + the init's pid as the container sees it + suffix */
	PLAN_HOOK = 24,          /* u32 kind (enum plan_hook_kind), u32 timeout seconds (0 = none), str path,
	                            u32 argc, str argv[argc], u32 envc, str envp[envc]. Run in record order. */
	PLAN_TERMINAL = 26,      /* u32 rows, u32 cols (0 0 = leave the size): give the process a new pty as
	                            its controlling terminal and stdio, and send the master over CONSOLE_FD */
	PLAN_SYNC_HOOKS = 25,
	PLAN_PRESERVE_FDS = 27,  /* u32 n: move PRESERVED_FD.. back to 3..3+n-1 just before exec */    /* (empty) before pivot_root, ask the runtime to run its prestart and
	                            createRuntime hooks (SYNC_HOOKS) and wait for its ACK */

	/* --- stage 2: the process --- */
	PLAN_RLIMIT = 30,        /* u32 resource (RLIMIT_*), u64 soft, u64 hard (RLIM_INFINITY = ~0) */
	PLAN_OOM_SCORE_ADJ = 31, /* i32 */
	PLAN_USER = 32,          /* u32 uid, u32 gid, u32 umask (PLAN_UMASK_UNSET = leave), u32 n, u32 gids[n] */
	PLAN_CAPS = 33,          /* u64 bounding, u64 effective, u64 permitted, u64 inheritable, u64 ambient */
	PLAN_NO_NEW_PRIVS = 34,  /* (empty) */
	PLAN_ARG = 35,           /* str, repeated: argv in order (argv[0] is looked up like execvp) */
	PLAN_ENV = 36,           /* str, repeated: "KEY=value" */
	PLAN_CWD = 37,           /* str absolute path inside the container */
	PLAN_EXEC_PATH = 38,     /* str: the PATH used to look up argv[0] when it has no '/' */
	PLAN_SECCOMP = 39,       /* u32 seccomp(2) flags, u32 stage (PLAN_SECCOMP_EARLY/LATE), bytes program
	                            (struct sock_filter[]). With SECCOMP_FILTER_FLAG_NEW_LISTENER the listener
	                            fd number goes to the runtime (SYNC_SECCOMP_FD), which takes it with
	                            pidfd_getfd and ACKs; the init then closes it. */
	PLAN_SCHEDULER = 41,        /* u32 policy, u64 flags, i32 nice, u32 priority, u64 runtime, u64 deadline,
	                               u64 period: sched_setattr(0, …) before the identity switch */
	PLAN_IO_PRIORITY = 42,      /* u32 ioprio_set(IOPRIO_WHO_PROCESS, 0, value) */
	PLAN_PERSONALITY = 43,      /* u32 persona for personality(2) */
	PLAN_MEMORY_POLICY = 44,    /* u32 mode | MPOL_F_* flags, bytes node mask (u64 words): set_mempolicy */
	PLAN_CPU_AFFINITY = 45,     /* u32 stage (enum plan_cpu_affinity_stage), bytes CPU mask (u64 words) */
	PLAN_APPARMOR_PROFILE = 46, /* str: "exec <profile>" to the process's attr/apparmor/exec, through a
	                               verified procfs handle, so the execve below happens under it */

	/* --- stage 1 again: linux.netDevices --- */
	PLAN_NETNS_SOCKET = 47, /* (empty) after the new network namespace is made, hand the runtime a
	                           NETLINK_ROUTE socket of it (SYNC_NETNS_SOCKET) and wait for its ACK: the
	                           runtime moves the devices in and sets them up through it. */
	PLAN_MOUNT_IDMAP = 48,  /* str uid_map, str gid_map: the MOUNT record before it (a bind with
	                           PLAN_MOUNT_OPT_IDMAP) gets this idmapping; its tree is cloned and
	                           idmapped in stage 1, while we are still in the runtime's namespaces */
	PLAN_SELINUX_LABEL = 49, /* str: the SELinux label written to the process's attr/exec (through a
	                            verified procfs handle), so the execve below happens with it */
};

enum plan_cpu_affinity_stage {
	PLAN_CPU_AFFINITY_INITIAL = 0, /* first thing, before the runtime moves us into the container's cgroups */
	PLAN_CPU_AFFINITY_FINAL = 1,   /* once in them (a cpuset move resets the mask) */
};

enum plan_seccomp_stage {
	PLAN_SECCOMP_EARLY = 0, /* before the identity switch (needs CAP_SYS_ADMIN: no no_new_privs) */
	PLAN_SECCOMP_LATE = 1,  /* the last step before the start gate and execve (with no_new_privs) */
};

enum plan_mount_kind {
	PLAN_MOUNT_FS = 0,   /* mount(source, dest, fstype, flags, data) */
	PLAN_MOUNT_BIND = 1, /* mount(source, dest, NULL, MS_BIND | (flags & MS_REC)), then remount with flags */
};

enum plan_hook_kind {
	PLAN_HOOK_CREATE_CONTAINER = 1, /* in the container's namespaces, before pivot_root */
	PLAN_HOOK_START_CONTAINER = 2,  /* in the container, after `start` opened the gate, before exec */
};

#define PLAN_MOUNT_OPT_FILE 0x1u           /* destination is created as an empty file, not a directory */
#define PLAN_MOUNT_OPT_SYSFS_FALLBACK 0x2u /* sysfs: on EPERM (user namespace without its own netns),
                                              rbind the host's /sys instead, then apply flags */
#define PLAN_MOUNT_OPT_SOURCE_IN_ROOT 0x4u /* bind: source is a path inside the container's rootfs,
                                              resolved there (RESOLVE_IN_ROOT), not on the host */
#define PLAN_MOUNT_OPT_TMPCOPYUP 0x8u      /* tmpfs: starts with a copy of the directory it covers */
#define PLAN_MOUNT_OPT_IDMAP 0x10u         /* bind: idmapped (MOUNT_ATTR_IDMAP) as its PLAN_MOUNT_IDMAP says */
#define PLAN_MOUNT_OPT_IDMAP_RECURSIVE 0x20u /* with IDMAP: the submounts too (ridmap) */

#define PLAN_UMASK_UNSET 0xffffffffu

#endif
