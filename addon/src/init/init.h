/*
 * init.h — tsrunc-init, the container's init until it execs the container process.
 *
 * It is a program of its own (started by spawn.c from a sealed memfd copy), so it is single-threaded
 * and may use libc freely; Node never runs in the container's namespaces. It executes the plan
 * (plan.h) in record order and makes no decisions of its own: every failure is reported to the
 * runtime as SYNC_ERROR {step, errno, text} and the helper exits.
 */
#ifndef TSRUNC_INIT_H
#define TSRUNC_INIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../plan.h"
#include "../sync.h"

struct plan_ns_join {
	uint32_t nstype;
	const char *path;
};

struct plan_mount {
	uint32_t kind, options;
	uint64_t flags, propagation, attr_set, attr_clr;
	const char *source, *destination, *fstype, *data;
	const char *uid_map, *gid_map; /* PLAN_MOUNT_IDMAP */
	int tree_fd;                   /* the idmapped tree made in stage 1, or -1 */
};

struct plan_device {
	uint32_t mode, major, minor, uid, gid;
	const char *path, *bind_source;
};

struct plan_pair {
	const char *a, *b; /* symlink: target, linkpath; sysctl: key, value */
};

struct plan_rlimit {
	uint32_t resource;
	uint64_t soft, hard;
};

struct plan_hook {
	uint32_t kind, timeout;
	const char *path;
	char **argv; /* NULL-terminated */
	char **envp; /* NULL-terminated */
	/* createContainer: `path` opened (O_PATH) in the runtime's mount namespace, or -1 and why. */
	int fd, open_err;
};

struct plan {
	struct plan_ns_join *joins;
	size_t n_joins;
	uint64_t new_ns;
	int netns_socket; /* PLAN_NETNS_SOCKET: linux.netDevices are moved in by the runtime */
	const char *time_offsets;

	const char *rootfs;
	uint64_t propagation, parent_propagation, propagation_after_pivot;
	int root_readonly, no_pivot, no_mount_ns;
	const char *exec_fifo;
	struct plan_mount *mounts;
	size_t n_mounts;
	struct plan_device *devices;
	size_t n_devices;
	struct plan_pair *symlinks;
	size_t n_symlinks;
	const char **masked;
	size_t n_masked;
	const char **readonly;
	size_t n_readonly;
	const char *hostname, *domainname;
	struct plan_pair *sysctls;
	size_t n_sysctls;
	const char *hook_state_prefix, *hook_state_suffix;
	struct plan_hook *hooks;
	size_t n_hooks;
	int sync_hooks;
	int terminal;
	uint32_t preserve_fds;
	uint32_t console_rows, console_cols;

	struct plan_rlimit *rlimits;
	size_t n_rlimits;
	int has_oom_score_adj;
	int32_t oom_score_adj;
	uint32_t uid, gid, umask;
	uint32_t *gids;
	size_t n_gids;
	int has_caps;
	uint64_t cap_bounding, cap_effective, cap_permitted, cap_inheritable, cap_ambient;
	int no_new_privs;
	int has_seccomp;
	uint32_t seccomp_flags, seccomp_stage; /* seccomp(2) flags; enum plan_seccomp_stage */
	const void *seccomp_program;           /* struct sock_filter[] */
	uint32_t seccomp_len;                  /* bytes */
	char **argv; /* NULL-terminated */
	size_t argc;
	char **envp; /* NULL-terminated */
	size_t envc;
	const char *cwd;
	const char *exec_path;

	/* Linux process attributes (src/plan/process-linux.ts), each set only when its record is there. */
	int has_scheduler;
	uint32_t sched_policy, sched_priority;
	int32_t sched_nice;
	uint64_t sched_flags, sched_runtime, sched_deadline, sched_period;
	int has_io_priority;
	uint32_t io_priority;
	int has_personality;
	uint32_t personality;
	int has_memory_policy;
	uint32_t memory_policy_mode;
	const void *memory_policy_nodes; /* u64 words */
	uint32_t memory_policy_nodes_len; /* bytes */
	const void *cpu_affinity[2];      /* by enum plan_cpu_affinity_stage; NULL = leave */
	uint32_t cpu_affinity_len[2];     /* bytes */
	const char *apparmor_profile;
	const char *selinux_label;
};

/* plan.c */
int plan_read(int fd, struct plan *plan);

/* idmap.c: stage 1, in the runtime's namespaces: clones each idmapped bind's source tree and gives it
 * its idmapping (a user namespace made for it), into its tree_fd. `proc` is the procfs handle. */
void open_idmapped_trees(struct plan *plan, int proc);

/* copyup.c: copies the directory `covered` (a handle taken before the tmpfs was mounted over it)
 * into the tmpfs's root `tmpfs`; `dest` names it in messages. */
void tmpcopyup(int covered, int tmpfs, const char *dest);

/* attributes.c: the Linux process attributes of the plan. */
void set_cpu_affinity(const struct plan *plan, enum plan_cpu_affinity_stage stage);
/* Scheduler, I/O priority, personality, memory policy and the AppArmor exec profile: while the init
 * still has the privileges they may need, before the identity switch. */
void set_process_attributes(const struct plan *plan);

/* sync.c: the channel to the runtime (SYNC_FD). */
int sync_send(uint32_t type, int32_t value);
int sync_wait(uint32_t expected);
/* Reports a failure (errno `err`) of `step` with a printf-style detail, then exits(1). With `err` 0 it
 * reports something found wrong rather than a failed call: the detail says it all. */
__attribute__((noreturn, format(printf, 3, 4))) void die(enum init_step step, int err, const char *fmt, ...);
/* Same, for the common case of the current errno and a path in backquotes (or no detail if NULL). */
__attribute__((noreturn)) void die_path(enum init_step step, const char *path);

/* namespaces.c: stage 1. Returns in the process that goes on as the container init. `proc` is the
 * procfs handle of procfs.h. */
void enter_namespaces(const struct plan *plan, int proc);

/* netdev.c: lends the runtime a NETLINK_ROUTE socket of the new network namespace until it ACKs
 * (SYNC_NETNS_SOCKET), for linux.netDevices. */
void share_network_namespace(const struct plan *plan);

/* rootfs.c: stage 2, the filesystem. Leaves the process in the container's root. */
void setup_rootfs(const struct plan *plan);
void finish_rootfs(const struct plan *plan);
void finish_propagation(const struct plan *plan);

/* hooks.c: runs the plan's hooks of one kind in order; 0, or -1 with `err` describing the failure
 * (the message for SYNC_ERROR / the start gate: step STEP_HOOK). */
struct hook_error {
	int err;       /* errno when the hook could not run or timed out, else 0 */
	int status;    /* its exit status, 128 + signal when killed; 0 when it did not run */
	char text[SYNC_TEXT_MAX];
};
int run_hooks(const struct plan *plan, uint32_t kind, struct hook_error *error);
void open_runtime_hook_paths(struct plan *plan);
void close_runtime_hook_paths(const struct plan *plan);
/* Reports a failed hook as SYNC_ERROR (step STEP_HOOK, value = its status), then exits(1). */
__attribute__((noreturn)) void die_hook(const struct hook_error *error);

/* console.c: a new pty for the process (after pivot_root, in the container's devpts); the master
 * goes to the console socket, the slave is returned for setup_process to make its stdio. */
int setup_console(const struct plan *plan);

/* process.c: stage 2, the process, up to exec. */
void setup_system(const struct plan *plan, int proc);
__attribute__((noreturn)) void setup_process(const struct plan *plan, int fifo_fd, int console_slave, int cap_last_cap,
						mode_t inherited_umask);
int read_cap_last_cap(void);

#endif
