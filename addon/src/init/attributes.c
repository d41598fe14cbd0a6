/*
 * attributes.c — the process's Linux attributes (src/plan/process-linux.ts decided each value):
 * scheduler, I/O priority, execution domain, NUMA memory policy, CPU affinity and the AppArmor
 * profile it is exec'd under. Raw syscalls where libc has no wrapper; nothing is interpreted here.
 */
#include "init.h"
#include "../procfs.h"

#include <errno.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/personality.h>
#include <sys/syscall.h>
#include <unistd.h>

/* struct sched_attr (sched_setattr(2)), SCHED_ATTR_SIZE_VER1 as runc passes it: the utilization
 * clamps stay 0. */
struct tsrunc_sched_attr {
	uint32_t size;
	uint32_t sched_policy;
	uint64_t sched_flags;
	int32_t sched_nice;
	uint32_t sched_priority;
	uint64_t sched_runtime;
	uint64_t sched_deadline;
	uint64_t sched_period;
	uint32_t sched_util_min;
	uint32_t sched_util_max;
};

#define IOPRIO_WHO_PROCESS 1

void set_cpu_affinity(const struct plan *plan, enum plan_cpu_affinity_stage stage)
{
	if (!plan->cpu_affinity[stage])
		return;
	/* The kernel takes a mask of any whole number of longs: the plan's u64 words as they are. */
	if (syscall(SYS_sched_setaffinity, 0, (size_t)plan->cpu_affinity_len[stage], plan->cpu_affinity[stage]) < 0)
		die(STEP_CPU_AFFINITY, errno, "%s", stage == PLAN_CPU_AFFINITY_INITIAL ? "initial" : "final");
}

/* The SELinux label to attr/exec (libselinux's setexeccon): the next execve runs with it. */
static void set_selinux_exec(int proc, const char *label)
{
	if (procfs_write_file(proc, "self/attr/exec", label, strlen(label)) < 0)
		die(STEP_SELINUX, errno, "`%s`", label);
}

/* "exec <profile>" to attr/apparmor/exec (attr/exec before Linux 5.8): the next execve runs under
 * the profile. Through a verified procfs handle: a /proc the config mounted cannot take the write. */
static void set_apparmor_exec(int proc, const char *profile)
{
	char text[4096];
	int len = snprintf(text, sizeof text, "exec %s", profile);
	if (len < 0 || (size_t)len >= sizeof text) {
		errno = ENAMETOOLONG;
		die(STEP_APPARMOR, errno, "`%s`", profile);
	}
	if (procfs_write_file(proc, "self/attr/apparmor/exec", text, (size_t)len) < 0 &&
	    (errno != ENOENT || procfs_write_file(proc, "self/attr/exec", text, (size_t)len) < 0))
		die(STEP_APPARMOR, errno, "`%s`", profile);
}

void set_process_attributes(const struct plan *plan)
{
	if (plan->has_personality && personality((unsigned long)plan->personality) < 0)
		die(STEP_PERSONALITY, errno, "%#x", (unsigned)plan->personality);
	if (plan->has_scheduler) {
		struct tsrunc_sched_attr attr = {
			.size = sizeof attr,
			.sched_policy = plan->sched_policy,
			.sched_flags = plan->sched_flags,
			.sched_nice = plan->sched_nice,
			.sched_priority = plan->sched_priority,
			.sched_runtime = plan->sched_runtime,
			.sched_deadline = plan->sched_deadline,
			.sched_period = plan->sched_period,
		};
		if (syscall(SYS_sched_setattr, 0, &attr, 0) < 0)
			die(STEP_SCHEDULER, errno, "%u", (unsigned)plan->sched_policy);
	}
	if (plan->has_io_priority && syscall(SYS_ioprio_set, IOPRIO_WHO_PROCESS, 0, (int)plan->io_priority) < 0)
		die(STEP_IO_PRIORITY, errno, "%#x", (unsigned)plan->io_priority);
	if (plan->has_memory_policy) {
		/* maxnode counts one more than the bits the kernel reads (set_mempolicy(2) BUGS). */
		unsigned long maxnode = plan->memory_policy_nodes_len ? (unsigned long)plan->memory_policy_nodes_len * 8 + 1 : 0;
		if (syscall(SYS_set_mempolicy, (int)plan->memory_policy_mode, plan->memory_policy_nodes_len ? plan->memory_policy_nodes : NULL, maxnode) < 0)
			die(STEP_MEMORY_POLICY, errno, "%#x", (unsigned)plan->memory_policy_mode);
	}
	if (plan->apparmor_profile || plan->selinux_label) {
		int proc = procfs_open();
		if (proc < 0)
			die(STEP_PROCFS, errno, NULL);
		if (plan->apparmor_profile)
			set_apparmor_exec(proc, plan->apparmor_profile);
		if (plan->selinux_label)
			set_selinux_exec(proc, plan->selinux_label);
		close(proc);
	}
}
