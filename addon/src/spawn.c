/*
 * spawn.c — start tsrunc-init from Node without running anything unsafe in the child.
 *
 * Node is multithreaded, so between clone and exec the child may only make async-signal-safe
 * calls on memory prepared before the clone. We clone like posix_spawn does (CLONE_VM|CLONE_VFORK
 * on a stack of our own, all signals blocked): the child does dup2/close_range/execveat and nothing
 * else, and reports an exec failure through a variable it shares with the parent.
 *
 * The helper is executed from a sealed memfd copy, so the container can never reach (or overwrite)
 * a host binary through /proc/<pid>/exe while the helper runs in its namespaces (CVE-2019-5736).
 */
#include "spawn.h"
#include "plan.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/close_range.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MFD_EXEC
#define MFD_EXEC 0x0010U
#endif
#ifndef F_SEAL_FUTURE_WRITE
#define F_SEAL_FUTURE_WRITE 0x0010
#endif

/* The helper memfd is the child's fd 5 until execveat (close-on-exec, so the helper never has it). */
#define HELPER_FD 5
#define SEALS (F_SEAL_SEAL | F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_WRITE)

static int helper_memfd = -1; /* cached per process: a `run` or a library user may start many */

static int fail(struct spawn_error *error, const char *syscall, const char *path)
{
	error->syscall = syscall;
	error->path = path;
	error->err = errno;
	return -1;
}

static int create_memfd(const char *name)
{
	/* Since 6.3, vm.memfd_noexec may refuse an executable memfd unless MFD_EXEC is asked for. */
	int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING | MFD_EXEC);
	if (fd < 0 && errno == EINVAL)
		fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
	return fd;
}

static int load_helper(const char *helper_path, struct spawn_error *error)
{
	if (helper_memfd >= 0)
		return helper_memfd;
	int src = open(helper_path, O_RDONLY | O_CLOEXEC);
	if (src < 0)
		return fail(error, "open", helper_path);
	struct stat st;
	if (fstat(src, &st) < 0) {
		fail(error, "fstat", helper_path);
		close(src);
		return -1;
	}
	int fd = create_memfd("tsrunc-init");
	if (fd < 0) {
		fail(error, "memfd_create", helper_path);
		close(src);
		return -1;
	}
	off_t off = 0;
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, src, &off, st.st_size - off);
		if (n <= 0) {
			if (n == 0)
				errno = EIO;
			fail(error, "sendfile", helper_path);
			close(src);
			close(fd);
			return -1;
		}
	}
	close(src);
	if (fchmod(fd, 0555) < 0 || fcntl(fd, F_ADD_SEALS, SEALS) < 0) {
		fail(error, "fcntl(F_ADD_SEALS)", helper_path);
		close(fd);
		return -1;
	}
	helper_memfd = fd;
	return fd;
}

static int write_plan(const void *plan, size_t len, struct spawn_error *error)
{
	int fd = memfd_create("tsrunc-plan", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	if (fd < 0)
		return fail(error, "memfd_create", "plan");
	const char *p = plan;
	size_t left = len;
	while (left > 0) {
		ssize_t n = write(fd, p, left);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			fail(error, "write", "plan");
			close(fd);
			return -1;
		}
		p += n;
		left -= (size_t)n;
	}
	if (lseek(fd, 0, SEEK_SET) < 0 || fcntl(fd, F_ADD_SEALS, SEALS) < 0) {
		fail(error, "fcntl(F_ADD_SEALS)", "plan");
		close(fd);
		return -1;
	}
	return fd;
}

/* Everything the child reads, prepared before the clone. */
struct child_args {
	int sync_fd;   /* >= 7 */
	int plan_fd;   /* >= 7 */
	int helper_fd; /* >= 7 */
	int console_fd; /* >= 7, or -1 */
	int preserve_fds; /* our fds 3..3+n-1 go to PRESERVED_FD.. */
	char *const *argv;
	char *const *envp;
	volatile int exec_errno; /* written by the child only when execveat fails (shared memory) */
};

/* Runs in the child, sharing the parent's memory: syscalls only, no libc state, no allocation. */
static int child_main(void *opaque)
{
	struct child_args *a = opaque;
	/* Highest first: a destination may be a source not yet copied only if it is a higher one. */
	for (int i = a->preserve_fds - 1; i >= 0; i--)
		if (dup2(3 + i, PRESERVED_FD + i) < 0)
			goto out;
	if (dup2(a->sync_fd, SYNC_FD) < 0 || dup2(a->plan_fd, PLAN_FD) < 0 ||
	    dup3(a->helper_fd, HELPER_FD, O_CLOEXEC) < 0)
		goto out;
	/* Node marks its stdio close-on-exec; the container inherits it. This fd table is the child's
	 * own (no CLONE_FILES), so the parent's flags are untouched. */
	for (int fd = 0; fd < 3; fd++)
		fcntl(fd, F_SETFD, 0);
	if (a->console_fd >= 0 && dup2(a->console_fd, CONSOLE_FD) < 0)
		goto out;
	/* No runtime fd may leak into the container: keep 0-2 (stdio), 3-5 and the console socket only. */
	unsigned first = a->preserve_fds > 0 ? (unsigned)(PRESERVED_FD + a->preserve_fds) : a->console_fd >= 0 ? CONSOLE_FD + 1 : HELPER_FD + 1;
	if (a->console_fd < 0 && a->preserve_fds > 0)
		close(CONSOLE_FD);
	if (syscall(SYS_close_range, first, ~0U, 0) < 0) {
		struct rlimit rl;
		if (getrlimit(RLIMIT_NOFILE, &rl) < 0)
			goto out;
		for (unsigned fd = first; fd < rl.rlim_cur; fd++)
			close((int)fd);
	}
	syscall(SYS_execveat, HELPER_FD, "", a->argv, a->envp, AT_EMPTY_PATH);
out:
	a->exec_errno = errno ? errno : EIO;
	_exit(127);
}

/* Moves fd above `floor` so the child's dup2s onto 3.. cannot clobber it. */
static int raise_fd(int fd, int floor)
{
	if (fd >= floor)
		return fd;
	int moved = fcntl(fd, F_DUPFD_CLOEXEC, floor);
	int saved = errno;
	close(fd);
	errno = saved;
	return moved;
}

int tsrunc_spawn_init(const char *helper_path, const void *plan, size_t plan_len, int console_fd, int preserve_fds,
		      struct spawn_result *result, struct spawn_error *error)
{
	/* Every fd the child dup2s from must sit above every fd it dup2s onto. */
	const int floor = PRESERVED_FD + (preserve_fds > 0 ? preserve_fds : 0);
	int helper = load_helper(helper_path, error);
	if (helper < 0)
		return -1;
	int plan_fd = write_plan(plan, plan_len, error);
	if (plan_fd < 0)
		return -1;
	int pair[2];
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, pair) < 0) {
		close(plan_fd);
		return fail(error, "socketpair", NULL);
	}
	int helper_dup = fcntl(helper, F_DUPFD_CLOEXEC, floor);
	/* The caller keeps its console fd; the child gets a duplicate placed out of the way. */
	int console_dup = console_fd >= 0 ? fcntl(console_fd, F_DUPFD_CLOEXEC, floor) : -1;
	if (console_fd >= 0 && console_dup < 0) {
		fail(error, "fcntl(F_DUPFD_CLOEXEC)", "console socket");
		if (helper_dup >= 0)
			close(helper_dup);
		close(plan_fd);
		close(pair[0]);
		close(pair[1]);
		return -1;
	}
	pair[1] = raise_fd(pair[1], floor);
	plan_fd = raise_fd(plan_fd, floor);
	if (helper_dup < 0 || pair[1] < 0 || plan_fd < 0) {
		fail(error, "fcntl(F_DUPFD_CLOEXEC)", NULL);
		goto close_all;
	}

	static char arg0[] = "tsrunc-init";
	char *argv[] = {arg0, NULL};
	char *envp[] = {NULL};
	struct child_args args = {
		.sync_fd = pair[1], .plan_fd = plan_fd, .helper_fd = helper_dup, .console_fd = console_dup, .preserve_fds = preserve_fds, .argv = argv, .envp = envp,
		.exec_errno = 0};

	const size_t stack_size = 64 * 1024;
	char *stack = mmap(NULL, stack_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
	if (stack == MAP_FAILED) {
		fail(error, "mmap", NULL);
		goto close_all;
	}

	/* Blocked across the clone: a Node signal handler must never run in the child. The helper
	 * resets dispositions and unblocks once it is its own program. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	pid_t pid = clone(child_main, stack + stack_size, CLONE_VM | CLONE_VFORK | SIGCHLD, &args);
	int clone_errno = errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	munmap(stack, stack_size);

	if (pid < 0) {
		errno = clone_errno;
		fail(error, "clone", NULL);
		goto close_all;
	}
	if (args.exec_errno) {
		/* CLONE_VFORK: the child has already exited; reap it. */
		while (waitpid(pid, NULL, 0) < 0 && errno == EINTR)
			;
		errno = args.exec_errno;
		fail(error, "execveat", helper_path);
		goto close_all;
	}
	close(helper_dup);
	close(plan_fd);
	close(pair[1]);
	if (console_dup >= 0)
		close(console_dup);
	result->pid = pid;
	result->sync_fd = pair[0];
	return 0;

close_all:
	if (console_dup >= 0)
		close(console_dup);
	if (helper_dup >= 0)
		close(helper_dup);
	if (plan_fd >= 0)
		close(plan_fd);
	if (pair[1] >= 0)
		close(pair[1]);
	close(pair[0]);
	return -1;
}

int tsrunc_wait_gate(const char *fifo_path, int pidfd, int timeout_ms, char *message, size_t message_size,
		     struct spawn_error *error)
{
	/* O_NONBLOCK: opening for reading must not wait for a writer that may be dead. */
	int fifo = open(fifo_path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fifo < 0)
		return fail(error, "open", fifo_path);
	struct pollfd fds[2] = {{.fd = fifo, .events = POLLIN}, {.fd = pidfd, .events = POLLIN}};
	int refused = 0; /* the first byte was "E": a message follows until EOF */
	size_t len = 0;
	int ret;
	message[0] = 0;
	for (;;) {
		int n = poll(fds, 2, timeout_ms);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			ret = fail(error, "poll", fifo_path);
			break;
		}
		if (n == 0) {
			ret = -2;
			break;
		}
		/* Check the gate first: the user program may already have exited by now. */
		if (fds[0].revents & (POLLIN | POLLHUP)) {
			char buf[256];
			ssize_t r = read(fifo, buf, refused ? sizeof buf : 1);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r < 0) {
				ret = fail(error, "read", fifo_path);
				break;
			}
			if (r == 0) {
				ret = refused ? 2 : 0; /* a complete refusal, or the init died at the gate */
				break;
			}
			if (!refused) {
				if (buf[0] == '0') {
					ret = 1;
					break;
				}
				refused = 1;
				continue;
			}
			for (ssize_t i = 0; i < r && len + 1 < message_size; i++)
				message[len++] = buf[i];
			message[len] = 0;
			continue;
		}
		if (fds[1].revents) {
			ret = refused ? 2 : 0;
			break;
		}
	}
	close(fifo);
	return ret;
}
