/*
 * process.c — stage 2, after pivot_root: the container's system settings and its process, up to
 * the start gate and exec.
 *
 * Order follows runc: settings that need privilege (hostname, sysctl, rlimits) come before the
 * identity switch; capabilities are set last, after setuid, with KEEPCAPS across it.
 */
#include "init.h"
#include "../procfs.h"
#include "../syscalls.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <linux/close_range.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef PR_CAP_AMBIENT
#define PR_CAP_AMBIENT 47
#define PR_CAP_AMBIENT_RAISE 2
#define PR_CAP_AMBIENT_CLEAR_ALL 4
#endif

int read_cap_last_cap(void)
{
	int last = CAP_LAST_CAP;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "re");
	if (f) {
		if (fscanf(f, "%d", &last) != 1)
			last = CAP_LAST_CAP;
		fclose(f);
	}
	return last;
}

/* Hostname, domainname, sysctl: in the container's own namespaces, before privileges go. */
void setup_system(const struct plan *plan, int proc)
{
	if (plan->hostname && sethostname(plan->hostname, strlen(plan->hostname)) < 0)
		die(STEP_HOSTNAME, errno, "`%s`", plan->hostname);
	if (plan->domainname && setdomainname(plan->domainname, strlen(plan->domainname)) < 0)
		die(STEP_DOMAINNAME, errno, "`%s`", plan->domainname);
	/* A sysctl file shows the namespace of the process that writes it, whichever procfs instance
	 * it is opened through: the runtime's handle reaches exactly the container's own settings, and
	 * no mount in the container (over /proc/sys/...) can redirect the write. The key was checked
	 * component by component in TypeScript; the strict resolution is the second line. */
	for (size_t i = 0; i < plan->n_sysctls; i++) {
		char rel[PATH_MAX];
		if (snprintf(rel, sizeof rel, "sys/%s", plan->sysctls[i].a) >= (int)sizeof rel) {
			errno = ENAMETOOLONG;
			die(STEP_SYSCTL, errno, "`/proc/%s`", rel);
		}
		const char *value = plan->sysctls[i].b;
		if (procfs_write_file(proc, rel, value, strlen(value)) < 0)
			die(STEP_SYSCTL, errno, "`/proc/%s`", rel);
	}
}

static void set_rlimits(const struct plan *plan)
{
	for (size_t i = 0; i < plan->n_rlimits; i++) {
		const struct plan_rlimit *r = &plan->rlimits[i];
		struct rlimit lim = {.rlim_cur = r->soft, .rlim_max = r->hard};
		if (setrlimit((int)r->resource, &lim) < 0)
			die(STEP_RLIMIT, errno, "%u", (unsigned)r->resource);
	}
}

static void set_identity(const struct plan *plan, int cap_last_cap)
{
	if (plan->has_caps) {
		for (int cap = 0; cap <= cap_last_cap; cap++) {
			if (plan->cap_bounding & (1ULL << cap))
				continue;
			if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
				die(STEP_CAPS_BOUNDING, errno, "%d", cap);
		}
		/* Keep the permitted set across setuid, so capset below can still grant it. */
		if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0)
			die(STEP_CAPS, errno, NULL);
	}
	if (setgroups(plan->n_gids, plan->n_gids ? (gid_t *)plan->gids : NULL) < 0) {
		/* With setgroups denied in a user namespace, an empty list is all we could ask for anyway. */
		if (!(errno == EPERM && plan->n_gids == 0))
			die(STEP_SETGROUPS, errno, NULL);
	}
	if (setresgid(plan->gid, plan->gid, plan->gid) < 0)
		die(STEP_SETGID, errno, "%u", (unsigned)plan->gid);
	if (setresuid(plan->uid, plan->uid, plan->uid) < 0)
		die(STEP_SETUID, errno, "%u", (unsigned)plan->uid);
	if (!plan->has_caps)
		return;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0)
		die(STEP_CAPS, errno, NULL);
	struct __user_cap_header_struct header = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct data[2] = {
		{(uint32_t)plan->cap_effective, (uint32_t)plan->cap_permitted, (uint32_t)plan->cap_inheritable},
		{(uint32_t)(plan->cap_effective >> 32), (uint32_t)(plan->cap_permitted >> 32), (uint32_t)(plan->cap_inheritable >> 32)},
	};
	if (syscall(SYS_capset, &header, data) < 0)
		die(STEP_CAPS, errno, NULL);
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		die(STEP_CAPS, errno, "ambient");
	for (int cap = 0; cap <= cap_last_cap; cap++) {
		if ((plan->cap_ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
			die(STEP_CAPS, errno, "ambient %d", cap);
	}
}

/*
 * The cwd, resolved in the container's root without magic links: "/proc/self/fd/N" or
 * "/proc/self/cwd" could name a directory outside the container through a handle (CVE-2024-21626).
 * As the process's user, after setuid, so its permissions apply (as runc).
 */
static void change_to_cwd(const char *cwd)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		die_path(STEP_CHDIR, cwd);
	int fd = sys_openat2(root, cwd, O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (fd < 0 && (errno == ENOSYS || errno == EPERM)) {
		/* openat2 refused by the seccomp profile (or missing): chdir by path, and the getcwd check
		 * below is the guard, as in runc. */
		if (chdir(cwd) < 0)
			die_path(STEP_CHDIR, cwd);
	} else if (fd < 0 || fchdir(fd) < 0) {
		die_path(STEP_CHDIR, cwd);
	}
	if (fd >= 0)
		close(fd);
	close(root);
	/* Unreachable from our root (getcwd's ENOENT) would mean the handle led outside it. */
	char here[PATH_MAX];
	if (!getcwd(here, sizeof here) && errno == ENOENT) {
		errno = EXDEV;
		die_path(STEP_CHDIR, cwd);
	}
}

/* execvp's search, done before the start gate so that a missing program fails `create`. */
static const char *lookup_exec(const struct plan *plan, char *buf, size_t size)
{
	const char *name = plan->argv[0];
	if (strchr(name, '/')) {
		if (access(name, X_OK) < 0)
			die(STEP_LOOKUP_EXEC, errno, "%s", name);
		return name;
	}
	const char *dirs = plan->exec_path ? plan->exec_path : "";
	for (const char *p = dirs;;) {
		const char *colon = strchr(p, ':');
		size_t len = colon ? (size_t)(colon - p) : strlen(p);
		if (len == 0)
			snprintf(buf, size, "%s", name); /* an empty entry means the current directory */
		else
			snprintf(buf, size, "%.*s/%s", (int)len, p, name);
		struct stat st;
		if (stat(buf, &st) == 0 && S_ISREG(st.st_mode) && access(buf, X_OK) == 0)
			return buf;
		if (!colon)
			break;
		p = colon + 1;
	}
	die(STEP_LOOKUP_EXEC, ENOENT, "%s", name);
}

/* --preserve-fds: PRESERVED_FD.. back to 3.. (lowest first: a destination below every source not
 * yet moved), without close-on-exec. Our own fds are closed or close on exec by now. */
static void restore_preserved_fds(const struct plan *plan)
{
	for (uint32_t i = 0; i < plan->preserve_fds; i++) {
		if (dup2(PRESERVED_FD + (int)i, 3 + (int)i) < 0) {
			dprintf(2, "tsrunc: preserve fd %u: %s\n", 3 + i, strerror(errno));
			_exit(127);
		}
		if (PRESERVED_FD + (int)i >= 3 + (int)plan->preserve_fds)
			close(PRESERVED_FD + (int)i);
	}
}

static void gate_signal(int sig)
{
	_exit(128 + sig);
}

/*
 * While waiting at the gate the init may be pid 1 of its namespace, which only receives the signals
 * it handles: so that `kill` of a created container works, terminate on each of them. execve resets
 * caught signals to their default, so the container process never sees these handlers.
 */
static void handle_gate_signals(void)
{
	static const int sigs[] = {SIGHUP, SIGINT, SIGQUIT, SIGTERM, SIGUSR1, SIGUSR2, SIGALRM, SIGPIPE};
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = gate_signal;
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			die(STEP_SIGNALS, errno, NULL);
}

/*
 * Our own /proc/<pid>/fd directory, from a verified procfs handle of the container's pid namespace
 * (procfs.h): the start gate is reopened for writing through it and our fds are listed from it, so
 * a /proc that the config made up (a tmpfs with a "self/fd/N" symlink) or mounted over can neither
 * send that write elsewhere nor hide an fd. Taken while we may still mount a fresh procfs; the
 * directory stays ours whatever uid we become.
 */
static int open_own_fd_dir(void)
{
	int proc = procfs_open();
	if (proc < 0)
		die(STEP_PROCFS, errno, NULL);
	int dir = procfs_open_file(proc, "self/fd", O_PATH | O_DIRECTORY);
	if (dir < 0)
		die(STEP_PROCFS, errno, "`/proc/self/fd`");
	close(proc);
	return dir;
}

/*
 * Loads the filter the runtime compiled (src/plan/seccomp.ts): one seccomp(2) call. With
 * SECCOMP_FILTER_FLAG_NEW_LISTENER the kernel returns the listener fd: its number goes to the
 * runtime, which copies it with pidfd_getfd and ACKs; ours is closed then, so the container
 * process never holds it. Only write(2) and read(2) run between the load and the close.
 */
static void load_seccomp(const struct plan *plan)
{
	struct sock_fprog prog = {.len = (unsigned short)(plan->seccomp_len / 8), .filter = (struct sock_filter *)plan->seccomp_program};
	long fd = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, (unsigned long)plan->seccomp_flags, &prog);
	if (fd < 0)
		die(STEP_SECCOMP, errno, NULL);
	if (!(plan->seccomp_flags & SECCOMP_FILTER_FLAG_NEW_LISTENER))
		return;
	if (sync_send(SYNC_SECCOMP_FD, (int32_t)fd) < 0 || sync_wait(SYNC_ACK) < 0)
		die(STEP_SYNC, errno, "seccomp listener");
	close((int)fd);
}

/*
 * Marks every fd from `from` up close-on-exec. close_range(2) does it in one call; a seccomp profile
 * older than it (runtime-tools' default allows neither close_range nor openat2) refuses it, and then
 * the fds are listed from our own verified /proc/<pid>/fd, never from a /proc the config made.
 */
static int cloexec_from(int from, int fd_dir)
{
	if (syscall(SYS_close_range, from, ~0U, CLOSE_RANGE_CLOEXEC) == 0)
		return 0;
	if (errno != EPERM && errno != ENOSYS)
		return -1;
	int list = openat(fd_dir, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	DIR *d = list >= 0 ? fdopendir(list) : NULL;
	if (!d)
		return -1;
	struct dirent *e;
	while ((e = readdir(d))) {
		int fd = atoi(e->d_name);
		if (e->d_name[0] >= '0' && e->d_name[0] <= '9' && fd >= from && fd != list && fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 && errno != EBADF) {
			closedir(d);
			return -1;
		}
	}
	closedir(d);
	return 0;
}

/*
 * Reports ready and blocks until `start` opens the gate, whose write end it returns. The gate is
 * reached through our O_PATH handle: the state directory is not visible from here.
 */
static int wait_at_gate(const struct plan *plan, int fifo_fd, int fd_dir)
{
	char gate[16];
	snprintf(gate, sizeof gate, "%d", fifo_fd);
	int probe = openat(fd_dir, gate, O_WRONLY | O_NONBLOCK | O_CLOEXEC);
	if (probe >= 0)
		close(probe);
	else if (errno != ENXIO) /* ENXIO: no reader yet, which is what we expect */
		die_path(STEP_OPEN_FIFO, plan->exec_fifo);
	handle_gate_signals();
	if (sync_send(SYNC_READY, 0) < 0)
		die(STEP_SYNC, errno, NULL);
	close(SYNC_FD);

	int fd;
	while ((fd = openat(fd_dir, gate, O_WRONLY | O_CLOEXEC)) < 0 && errno == EINTR)
		;
	close(fd_dir);
	if (fd < 0) {
		dprintf(2, "tsrunc: open start gate: %s\n", strerror(errno));
		_exit(1);
	}
	return fd;
}

/*
 * config.json has no process (config.md: it is REQUIRED only when start is called): the init holds
 * the container's namespaces at the gate as root, for exec, until it is killed. `start` refuses
 * such a container before it opens the gate; should the gate open anyway, it is refused through
 * the gate itself, as a startContainer hook's failure is.
 */
static void hold_without_process(const struct plan *plan, int fifo_fd)
{
	int fd = wait_at_gate(plan, fifo_fd, open_own_fd_dir());
	static const char refusal[] = "Econfig.json has no process to start";
	if (write(fd, refusal, sizeof refusal - 1) < 0)
		_exit(1);
	_exit(1);
}

void setup_process(const struct plan *plan, int fifo_fd, int console_slave, int cap_last_cap, mode_t inherited_umask)
{
	if (plan->argc == 0)
		hold_without_process(plan, fifo_fd);
	int fd_dir = open_own_fd_dir();
	set_rlimits(plan);
	set_process_attributes(plan);
	/* Without no_new_privs a filter needs CAP_SYS_ADMIN, which the identity switch drops: load it
	 * now, and the init's remaining syscalls go through it (as runc's do). */
	if (plan->has_seccomp && plan->seccomp_stage == PLAN_SECCOMP_EARLY)
		load_seccomp(plan);
	set_identity(plan, cap_last_cap);
	umask(plan->umask != PLAN_UMASK_UNSET ? (mode_t)plan->umask : inherited_umask);
	change_to_cwd(plan->cwd);
	char exec_buf[PATH_MAX];
	const char *exec_file = lookup_exec(plan, exec_buf, sizeof exec_buf);
	if (plan->no_new_privs && prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		die(STEP_NO_NEW_PRIVS, errno, NULL);

	/* The pty becomes the controlling terminal (we are a session leader since setsid) and stdio. */
	if (console_slave >= 0) {
		if (ioctl(console_slave, TIOCSCTTY, 0) < 0)
			die(STEP_CONSOLE, errno, "set controlling terminal");
		for (int fd = 0; fd < 3; fd++)
			if (dup2(console_slave, fd) < 0)
				die(STEP_CONSOLE, errno, "stdio on the pty");
		if (console_slave > 2)
			close(console_slave);
	}
	/* Nothing of ours may reach the container process: every fd above stdio closes on exec. */
	if (cloexec_from(3, fd_dir) < 0)
		die(STEP_CLOSE_FDS, errno, NULL);
	for (int fd = 0; fd < 3; fd++) {
		int fl = fcntl(fd, F_GETFL);
		if (fl >= 0 && (fl & O_NONBLOCK))
			fcntl(fd, F_SETFL, fl & ~O_NONBLOCK);
	}
	/* With no_new_privs, as late as possible: few of the init's own syscalls come after it. */
	if (plan->has_seccomp && plan->seccomp_stage == PLAN_SECCOMP_LATE)
		load_seccomp(plan);

	if (fifo_fd < 0) {
		/* An exec: no gate, the process runs as soon as it is set up. */
		close(fd_dir);
		if (sync_send(SYNC_READY, 0) < 0)
			die(STEP_SYNC, errno, NULL);
		close(SYNC_FD);
		restore_preserved_fds(plan);
		execve(exec_file, plan->argv, plan->envp);
		dprintf(2, "tsrunc: exec `%s`: %s\n", exec_file, strerror(errno));
		_exit(127);
	}
	int fd = wait_at_gate(plan, fifo_fd, fd_dir);
	/* `start` is waiting on the gate: startContainer hooks run now, and a failure goes back to it
	 * through the gate itself ("E" + the message) instead of the "0" that releases it. */
	struct hook_error hook_error;
	if (run_hooks(plan, PLAN_HOOK_START_CONTAINER, &hook_error) < 0) {
		char message[SYNC_TEXT_MAX + 64];
		int len = hook_error.err ? snprintf(message, sizeof message, "E%s: %s", hook_error.text, strerror(hook_error.err))
					 : snprintf(message, sizeof message, "E%s: exit status %d", hook_error.text, hook_error.status);
		if (write(fd, message, (size_t)len) < 0)
			_exit(1);
		_exit(1);
	}
	if (write(fd, "0", 1) != 1) {
		dprintf(2, "tsrunc: open start gate: %s\n", strerror(errno));
		_exit(1);
	}
	close(fd);
	close(fifo_fd);
	restore_preserved_fds(plan);
	execve(exec_file, plan->argv, plan->envp);
	dprintf(2, "tsrunc: exec `%s`: %s\n", exec_file, strerror(errno));
	_exit(127);
}
