/*
 * sync.h — the one channel between the runtime (Node, src/runtime/create.ts) and the init helper.
 *
 * A SOCK_SEQPACKET socketpair: every message is one fixed-size struct sync_msg, so a read returns
 * exactly one message, and a peer's death is an EOF (never a hang). The helper has it on SYNC_FD.
 *
 *   runtime (Node)                    stage 1 (tsrunc-init)              stage 2 (container init)
 *   ──────────────                    ─────────────────────              ────────────────────────
 *   clone + execveat(memfd) ───────▶  read the plan (PLAN_FD)
 *   [cgroups made, limits set]
 *                          ── GO ──▶  setns(PLAN_NS_JOIN...), unshare(CLONE_NEWUSER)
 *                ◀── USERNS_MAP(pid)  (only with a new user namespace)
 *   write setgroups/uid_map/gid_map
 *                          ── ACK ─▶  setresuid/gid(0), unshare(the other CLONE_NEW* but cgroup),
 *                                     timens_offsets
 *                ◀── NETNS_SOCKET(n)  (only with linux.netDevices: n = a NETLINK_ROUTE socket made
 *   pidfd_getfd(stage 1, n); move the  in the new network namespace)
 *   devices in, rename, addresses, up
 *                          ── ACK ─▶  close(n), clone(CLONE_PARENT) ───────────▶ (born; pid 1 in a
 *                ◀── INIT_PID(pid)    _exit(0)                                    new pid namespace)
 *   waitpid(stage 1), place the init in the container's cgroups
 *                          ── ACK ──────────────────────────────────────────────▶ unshare(CLONE_NEWCGROUP)
 *                                                                                 mounts, devices,
 *                                                                                 pivot_root, process
 *                                                                                 seccomp(2) (with a listener:)
 *                ◀──────────────────────────────────────────────── SECCOMP_FD(n)
 *   pidfd_getfd(init, n), ──────────────────────────────────────────── ACK ─▶     close(n)
 *   then hand it to listenerPath
 *                ◀─────────────────────────────────────────────────── READY(0)   open(exec.fifo, O_WRONLY)
 *   state.json, pid file; close                                                   blocks until `start`
 *
 *   Any failing step, in either stage:  ◀── ERROR {err = errno, step, text = "`what`"}, then exit(1).
 *   err = 0: not a failed call but something found wrong (e.g. "`/dev/null` is a symlink, not the
 *   character device 1:3"); the text says it all.
 *   ABORT from the runtime at any point: the helper exits(1) at once.
 *
 * When no fork is needed (no new or joined pid/time namespace), stage 1 sends INIT_PID with its own
 * pid and goes on as stage 2 itself (after the cgroups ACK). Stage 1, which is not part of the
 * container, never enters its cgroups.
 */
#ifndef TSRUNC_SYNC_H
#define TSRUNC_SYNC_H

#include <stdint.h>

#define SYNC_TEXT_MAX 512

enum sync_type {
	SYNC_GO = 1,         /* runtime → helper: proceed */
	SYNC_ACK = 2,        /* runtime → helper: the request was done */
	SYNC_ABORT = 3,      /* runtime → helper: give up now */
	SYNC_USERNS_MAP = 10, /* helper → runtime: value = pid whose uid_map/gid_map to write */
	SYNC_INIT_PID = 11,   /* helper → runtime: value = the container init's pid (runtime's view) */
	SYNC_READY = 12,      /* helper → runtime: the init waits at the start gate */
	SYNC_ERROR = 13,      /* helper → runtime: err, step, text describe the failure */
	SYNC_HOOKS = 14,      /* helper → runtime: mounts are done, pivot_root is next: run the prestart and
	                         createRuntime hooks, then ACK */
	SYNC_SECCOMP_FD = 15, /* helper → runtime: value = the seccomp listener fd's number in the init; the
	                         runtime takes it (pidfd_getfd), hands it to listenerPath, then ACKs */
	SYNC_NETNS_SOCKET = 16, /* helper → runtime: value = the number of a NETLINK_ROUTE socket stage 1 made in
	                           the new network namespace; the runtime takes it (pidfd_getfd), moves and
	                           sets up linux.netDevices through it, then ACKs */
};

/* The step that failed. Names and wording live in src/runtime/init-steps.ts (drift-tested). */
enum init_step {
	STEP_NONE = 0,
	STEP_READ_PLAN = 1,       /* reading or decoding the plan */
	STEP_SYNC = 2,            /* talking to the runtime */
	STEP_SETNS = 3,           /* joining a namespace by path: text = path */
	STEP_UNSHARE = 4,         /* creating namespaces: text = the namespace names */
	STEP_SET_IDS = 5,         /* becoming root in the new user namespace */
	STEP_TIMENS_OFFSETS = 6,  /* writing /proc/self/timens_offsets */
	STEP_FORK = 7,            /* forking the init into the new pid namespace */
	STEP_ROOTFS_PROPAGATION = 8, /* making "/" private (or as rootfsPropagation says) */
	STEP_BIND_ROOTFS = 9,     /* bind-mounting the rootfs onto itself */
	STEP_RESOLVE = 10,        /* resolving a path inside the rootfs: text = container path */
	STEP_MKDIR = 11,          /* creating a mount point or parent directory: text = container path */
	STEP_MOUNT = 12,          /* mount(2): text = "`source` on `destination`" */
	STEP_REMOUNT = 13,        /* applying flags to a bind mount: text = destination */
	STEP_MOUNT_PROPAGATION = 14, /* text = destination */
	STEP_MOUNT_SETATTR = 15,  /* text = destination */
	STEP_MKNOD = 16,          /* text = device path */
	STEP_DEVICE_CHOWN = 17,   /* text = device path */
	STEP_SYMLINK = 18,        /* text = link path */
	STEP_OPEN_FIFO = 19,      /* opening the start gate: text = path */
	STEP_PIVOT_ROOT = 20,     /* pivot_root or chroot: text = rootfs */
	STEP_MASK_PATH = 21,      /* text = path */
	STEP_READONLY_PATH = 22,  /* text = path */
	STEP_ROOT_READONLY = 23,  /* remounting / read-only */
	STEP_SYSCTL = 24,         /* text = /proc/sys path */
	STEP_HOSTNAME = 25,       /* text = hostname */
	STEP_DOMAINNAME = 26,     /* text = domainname */
	STEP_RLIMIT = 27,         /* text = RLIMIT_ name or number */
	STEP_OOM_SCORE_ADJ = 28,
	STEP_SETSID = 29,
	STEP_CAPS_BOUNDING = 30,
	STEP_SETGROUPS = 31,
	STEP_SETGID = 32,         /* text = gid */
	STEP_SETUID = 33,         /* text = uid */
	STEP_CAPS = 34,
	STEP_NO_NEW_PRIVS = 35,
	STEP_CHDIR = 36,          /* text = cwd */
	STEP_LOOKUP_EXEC = 37,    /* text = argv[0]; err = ENOENT means "executable file not found in $PATH" */
	STEP_CLOSE_FDS = 38,
	STEP_EXEC = 39,           /* text = resolved path (only reachable as a message in tests) */
	STEP_SIGNALS = 40,        /* resetting signal dispositions */
	STEP_CONSOLE = 42,        /* the pty: text = what failed (open /dev/ptmx, send the master, …) */
	STEP_PROCFS = 43,         /* opening the procfs handle every procfs write goes through */
	STEP_CONSOLE_BIND = 44,   /* binding the pty over /dev/console: text = what failed */
	STEP_SECCOMP = 45,        /* loading the seccomp filter */
	STEP_SCHEDULER = 46,      /* sched_setattr: text = policy number */
	STEP_IO_PRIORITY = 47,    /* ioprio_set: text = the value */
	STEP_PERSONALITY = 48,    /* personality(2): text = persona */
	STEP_MEMORY_POLICY = 49,  /* set_mempolicy: text = mode */
	STEP_CPU_AFFINITY = 50,   /* sched_setaffinity: text = "initial" or "final" */
	STEP_APPARMOR = 51,       /* writing the AppArmor exec profile: text = profile */
	STEP_NETNS_SOCKET = 52,   /* making the netlink socket for linux.netDevices in the new network namespace */
	STEP_TMPCOPYUP = 53,      /* copying what a tmpfs covers into it: text = the path that failed */
	STEP_IDMAP = 54,          /* making an idmapped mount's tree: text = destination and what failed */
	STEP_SELINUX = 55,        /* writing the SELinux exec label: text = label */
	STEP_HOOK = 41,           /* a container-namespace hook: text = "<kind> hook #<n> `path`"; value = its
	                             exit status (128 + signal when killed), 0 when it could not run */
};

struct sync_msg {
	uint32_t type;  /* enum sync_type */
	int32_t err;    /* errno of the failure, 0 otherwise */
	uint32_t step;  /* enum init_step */
	int32_t value;  /* a pid, or 0 */
	char text[SYNC_TEXT_MAX]; /* NUL-terminated detail, e.g. "`/proc`" */
};

#endif
