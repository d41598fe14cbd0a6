/*
 * main.c — tsrunc-init: runs one launch plan and becomes the container's process.
 *
 * Started by the runtime (spawn.c) with SYNC_FD and PLAN_FD, all signals blocked, from a sealed
 * memfd. Stage 1 (namespaces.c) may fork the init into new pid/time namespaces; stage 2 builds the
 * root filesystem (rootfs.c) and the process (process.c), then waits at the start gate and execs.
 */
#include "init.h"
#include "../procfs.h"

#include <errno.h>
#include <stdio.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

static void reset_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = SIG_DFL;
	for (int sig = 1; sig < NSIG; sig++)
		sigaction(sig, &sa, NULL); /* EINVAL for SIGKILL, SIGSTOP and the libc-reserved ones */
	sigset_t none;
	sigemptyset(&none);
	if (sigprocmask(SIG_SETMASK, &none, NULL) < 0)
		die(STEP_SIGNALS, errno, NULL);
}

int main(void)
{
	/* Not dumpable: nothing in the container may ptrace us or open our /proc files while we run. */
	prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	reset_signals();
	mode_t inherited_umask = umask(0); /* modes in the plan are exact */
	static struct plan plan;
	if (plan_read(PLAN_FD, &plan) < 0)
		die(STEP_READ_PLAN, errno, NULL);
	close(PLAN_FD);
	/* An exec's initial CPUs, before anything else runs here (execCPUAffinity.initial). */
	set_cpu_affinity(&plan, PLAN_CPU_AFFINITY_INITIAL);
	/* Only SYNC_FD, CONSOLE_FD and the preserved fds are ours; anything else inherited is a leak. */
	syscall(SYS_close_range, PRESERVED_FD + plan.preserve_fds, ~0U, 0);
	int cap_last_cap = read_cap_last_cap();
	/* Every procfs write goes through this handle (procfs.h), opened while we still have the
	 * runtime's privileges and mount namespace, and closed before any container code runs. */
	int proc = procfs_open();
	if (proc < 0)
		die(STEP_PROCFS, errno, NULL);

	if (sync_wait(SYNC_GO) < 0)
		die(STEP_SYNC, errno, NULL);
	/* The gate lives in the runtime's state directory, which is out of reach once we have left the
	 * host's namespaces and root: hold it by an O_PATH handle from here on. An exec has no gate. */
	int fifo_fd = -1;
	if (plan.exec_fifo && (fifo_fd = open(plan.exec_fifo, O_PATH | O_CLOEXEC)) < 0)
		die_path(STEP_OPEN_FIFO, plan.exec_fifo);
	open_runtime_hook_paths(&plan);

	/* Before any namespace: inherited by the init and the process, and a lower score needs the
	 * runtime's CAP_SYS_RESOURCE, which a new user namespace would not give (runc does the same). */
	if (plan.has_oom_score_adj) {
		char value[16];
		snprintf(value, sizeof value, "%d", plan.oom_score_adj);
		if (procfs_write_file(proc, "self/oom_score_adj", value, strlen(value)) < 0)
			die(STEP_OOM_SCORE_ADJ, errno, "`/proc/self/oom_score_adj`");
	}

	/* Before any namespace: only here may the host's filesystems be idmapped. */
	open_idmapped_trees(&plan, proc);
	enter_namespaces(&plan, proc);

	/* Stage 2: the container's init, or a process joining it (no ROOTFS: its namespaces already
	 * hold everything, and joining the mount namespace put us in its root). */
	if (setsid() < 0)
		die(STEP_SETSID, errno, NULL);
	if (plan.rootfs) {
		setup_rootfs(&plan);
		setup_system(&plan, proc);
	}
	close(proc);
	if (plan.rootfs)
		finish_rootfs(&plan);
	int console_slave = plan.terminal ? setup_console(&plan) : -1;
	if (plan.rootfs)
		finish_propagation(&plan);
	setup_process(&plan, fifo_fd, console_slave, cap_last_cap, inherited_umask);
}
