/*
 * namespaces.c — stage 1: join and create the container's namespaces, then fork the init when a
 * pid or time namespace only applies to children.
 *
 * Order matters (user_namespaces(7)): namespaces joined by path come first, while we still hold the
 * host's capabilities over their owners; then a new user namespace, whose maps only the runtime (in
 * the parent namespace) can write; then the other new namespaces, so that they are owned by it.
 */
#include <sys/prctl.h>
#include "init.h"
#include "../procfs.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLONE_NEWTIME
#define CLONE_NEWTIME 0x00000080
#endif

static const struct {
	uint64_t flag;
	const char *name;
} ns_names[] = {
	{CLONE_NEWUSER, "user"}, {CLONE_NEWNS, "mount"}, {CLONE_NEWPID, "pid"},     {CLONE_NEWNET, "network"},
	{CLONE_NEWUTS, "uts"},   {CLONE_NEWIPC, "ipc"},  {CLONE_NEWCGROUP, "cgroup"}, {CLONE_NEWTIME, "time"},
};

/* "pid, network" for the error of a failed unshare. */
static void describe_flags(uint64_t flags, char *out, size_t size)
{
	out[0] = 0;
	for (size_t i = 0; i < sizeof ns_names / sizeof ns_names[0]; i++) {
		if (!(flags & ns_names[i].flag))
			continue;
		size_t len = strlen(out);
		snprintf(out + len, size - len, "%s%s", len ? ", " : "", ns_names[i].name);
	}
}

/* All namespace files are opened before the first setns: once the mount namespace is joined, the
 * paths (e.g. /proc/<pid>/ns/… of the host) would resolve somewhere else. */
static void join_all(const struct plan *plan)
{
	int fds[16];
	if (plan->n_joins > sizeof fds / sizeof fds[0]) {
		errno = E2BIG;
		die(STEP_SETNS, errno, "too many namespaces to join");
	}
	for (size_t i = 0; i < plan->n_joins; i++)
		if ((fds[i] = open(plan->joins[i].path, O_RDONLY | O_CLOEXEC)) < 0)
			die_path(STEP_SETNS, plan->joins[i].path);
	for (size_t i = 0; i < plan->n_joins; i++) {
		if (setns(fds[i], (int)plan->joins[i].nstype) < 0)
			die_path(STEP_SETNS, plan->joins[i].path);
		close(fds[i]);
	}
}

static void do_unshare(uint64_t flags)
{
	if (!flags)
		return;
	if (unshare((int)flags) < 0) {
		int err = errno;
		char names[128];
		describe_flags(flags, names, sizeof names);
		die(STEP_UNSHARE, err, "%s", names);
	}
}

/*
 * Only the container's own processes may be charged to its cgroups (a pids.limit of 1 must leave
 * room for exactly the init): the runtime places the init there once it knows its pid, and ACKs.
 * Stage 1 never enters them. Then the new cgroup namespace, rooted at the container's cgroup.
 */
static void enter_cgroups(const struct plan *plan)
{
	if (sync_wait(SYNC_ACK) < 0)
		die(STEP_SYNC, errno, "cgroups");
	/* An exec's final CPUs: now that we are in the container's cgroups (a cpuset move resets them). */
	set_cpu_affinity(plan, PLAN_CPU_AFFINITY_FINAL);
	do_unshare(plan->new_ns & CLONE_NEWCGROUP);
}

void enter_namespaces(const struct plan *plan, int proc)
{
	int fork_needed = (plan->new_ns & (CLONE_NEWPID | CLONE_NEWTIME)) != 0;
	for (size_t i = 0; i < plan->n_joins; i++)
		if (plan->joins[i].nstype & (CLONE_NEWPID | CLONE_NEWTIME))
			fork_needed = 1;
	join_all(plan);

	if (plan->new_ns & CLONE_NEWUSER) {
		do_unshare(CLONE_NEWUSER);
		/* An unprivileged runtime (or newuidmap on its behalf) may open our uid_map only while we
		 * are dumpable; nothing runs in the new namespace yet but us (runc does the same). */
		prctl(PR_SET_DUMPABLE, 1, 0, 0, 0);
		if (sync_send(SYNC_USERNS_MAP, getpid()) < 0 || sync_wait(SYNC_ACK) < 0)
			die(STEP_SYNC, errno, "uid/gid maps");
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
		/* Root of the new namespace, so that what follows is done with its full capabilities. */
		if (setresgid(0, 0, 0) < 0 || setresuid(0, 0, 0) < 0)
			die(STEP_SET_IDS, errno, NULL);
	}
	/* A cgroup namespace's root is the cgroup its creator is in: it is created by the init once the
	 * runtime has placed it in the container's cgroups (enter_cgroups). */
	do_unshare(plan->new_ns & ~(uint64_t)(CLONE_NEWUSER | CLONE_NEWCGROUP));
	/* Through the runtime's procfs handle: "self" there is still us, and no mount can stand in. */
	if (plan->time_offsets && plan->time_offsets[0] &&
	    procfs_write_file(proc, "self/timens_offsets", plan->time_offsets, strlen(plan->time_offsets)) < 0)
		die_path(STEP_TIMENS_OFFSETS, "/proc/self/timens_offsets");
	/* Before the fork: the devices are in the new network namespace before anything runs in it. */
	if (plan->netns_socket)
		share_network_namespace(plan);

	if (!fork_needed) {
		if (sync_send(SYNC_INIT_PID, getpid()) < 0)
			die(STEP_SYNC, errno, NULL);
		enter_cgroups(plan);
		return;
	}
	/* The init waits on `order` until its pid has gone out, so that an early error from it cannot
	 * reach the runtime before the pid it must reap. */
	int order[2];
	if (pipe2(order, O_CLOEXEC) < 0)
		die(STEP_FORK, errno, NULL);
	/* CLONE_PARENT: the init is the runtime's child, so it is reaped (and watched) by it, not by us. */
	pid_t pid = (pid_t)syscall(SYS_clone, CLONE_PARENT | SIGCHLD, NULL, NULL, NULL, NULL);
	if (pid < 0)
		die(STEP_FORK, errno, NULL);
	if (pid == 0) {
		char byte;
		ssize_t n;
		close(order[1]);
		while ((n = read(order[0], &byte, 1)) < 0 && errno == EINTR)
			;
		if (n != 1) /* stage 1 could not report us: nobody would reap or kill this init */
			_exit(1);
		close(order[0]);
		enter_cgroups(plan);
		return;
	}
	if (sync_send(SYNC_INIT_PID, pid) < 0) {
		kill(pid, SIGKILL);
		_exit(1);
	}
	if (write(order[1], "", 1) != 1) {
		kill(pid, SIGKILL);
		_exit(1);
	}
	_exit(0);
}
