/*
 * hooks.c — the hooks that run in the container's namespaces (config.md "POSIX-platform Hooks"):
 * createContainer before pivot_root, startContainer after `start`, both forked from the init.
 * The state JSON goes to the hook's stdin from a memfd (no pipe to fill up), with the init's pid as
 * the container sees it; the timeout is enforced through a pidfd. A createContainer hook's path
 * resolves in the runtime namespace (config.md): it is opened before the init leaves the runtime's
 * namespaces and run from that handle where a container mount hides or replaces the path.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *kind_name(uint32_t kind)
{
	return kind == PLAN_HOOK_CREATE_CONTAINER ? "createContainer" : kind == PLAN_HOOK_START_CONTAINER ? "startContainer" : "unknown";
}

static int state_memfd(const struct plan *plan)
{
	int fd = memfd_create("tsrunc-hook-state", MFD_CLOEXEC);
	if (fd < 0)
		return -1;
	char pid[16];
	snprintf(pid, sizeof pid, "%d", (int)getpid());
	const char *parts[] = {plan->hook_state_prefix ? plan->hook_state_prefix : "{}", plan->hook_state_prefix ? pid : "",
			       plan->hook_state_suffix ? plan->hook_state_suffix : ""};
	for (size_t i = 0; i < 3; i++) {
		size_t len = strlen(parts[i]);
		if (write(fd, parts[i], len) != (ssize_t)len) {
			close(fd);
			return -1;
		}
	}
	if (lseek(fd, 0, SEEK_SET) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

void open_runtime_hook_paths(struct plan *plan)
{
	for (size_t i = 0; i < plan->n_hooks; i++) {
		struct plan_hook *h = &plan->hooks[i];
		if (h->kind != PLAN_HOOK_CREATE_CONTAINER)
			continue;
		/* Not close-on-exec: a script run by its handle is reopened by its interpreter through /proc.
		 * Closed before pivot_root. */
		h->fd = open(h->path, O_PATH);
		h->open_err = h->fd < 0 ? errno : 0;
	}
}

void close_runtime_hook_paths(const struct plan *plan)
{
	for (size_t i = 0; i < plan->n_hooks; i++) {
		if (plan->hooks[i].fd >= 0)
			close(plan->hooks[i].fd);
		plan->hooks[i].fd = -1;
	}
}

static int run_one(const struct plan *plan, const struct plan_hook *hook, size_t index, struct hook_error *error)
{
	snprintf(error->text, sizeof error->text, "%s hook #%zu `%s`", kind_name(hook->kind), index, hook->path);
	error->status = 0;
	int state = state_memfd(plan);
	if (state < 0) {
		error->err = errno;
		return -1;
	}
	/* A close-on-exec pipe carries execve's errno back: a hook that cannot run is not an exit code. */
	int report[2];
	if (pipe2(report, O_CLOEXEC) < 0) {
		error->err = errno;
		close(state);
		return -1;
	}
	pid_t pid = fork();
	if (pid < 0) {
		error->err = errno;
		close(state);
		close(report[0]);
		close(report[1]);
		return -1;
	}
	if (pid == 0) {
		close(report[0]);
		/* The other hooks' handles are not this hook's business. */
		for (size_t i = 0; i < plan->n_hooks; i++)
			if (plan->hooks[i].fd >= 0 && &plan->hooks[i] != hook)
				close(plan->hooks[i].fd);
		char **argv = hook->argv[0] ? hook->argv : (char *[]){(char *)hook->path, NULL};
		int err = hook->open_err;
		if (!err && dup2(state, 0) >= 0) {
			/* By its name while the name still leads to the file opened in the runtime namespace (a
			 * script keeps its own $0); where a container mount hides or replaces it, by the handle,
			 * through /proc (a script's interpreter reopens what it is given; /dev/fd may not exist). */
			struct stat want, seen;
			if (hook->fd < 0 || (fstat(hook->fd, &want) == 0 && stat(hook->path, &seen) == 0 && want.st_dev == seen.st_dev && want.st_ino == seen.st_ino)) {
				execve(hook->path, argv, hook->envp);
			} else {
				char by_handle[32];
				snprintf(by_handle, sizeof by_handle, "/proc/self/fd/%d", hook->fd);
				execve(by_handle, argv, hook->envp);
			}
		}
		if (!err)
			err = errno;
		if (write(report[1], &err, sizeof err) < 0)
			_exit(127);
		_exit(127);
	}
	close(state);
	close(report[1]);
	int exec_err = 0;
	ssize_t got;
	while ((got = read(report[0], &exec_err, sizeof exec_err)) < 0 && errno == EINTR)
		;
	close(report[0]);
	if (got == (ssize_t)sizeof exec_err) {
		waitpid(pid, NULL, 0);
		error->err = exec_err;
		return -1;
	}
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0);
	if (hook->timeout && pidfd >= 0) {
		struct pollfd pfd = {.fd = pidfd, .events = POLLIN};
		int n;
		while ((n = poll(&pfd, 1, (int)hook->timeout * 1000)) < 0 && errno == EINTR)
			;
		if (n == 0) {
			kill(pid, SIGKILL);
			waitpid(pid, NULL, 0);
			close(pidfd);
			error->err = ETIMEDOUT;
			return -1;
		}
	}
	if (pidfd >= 0)
		close(pidfd);
	int status;
	while (waitpid(pid, &status, 0) < 0) {
		if (errno != EINTR) {
			error->err = errno;
			return -1;
		}
	}
	if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
		return 0;
	error->err = 0;
	error->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	return -1;
}

int run_hooks(const struct plan *plan, uint32_t kind, struct hook_error *error)
{
	size_t index = 0;
	for (size_t i = 0; i < plan->n_hooks; i++) {
		if (plan->hooks[i].kind != kind)
			continue;
		if (run_one(plan, &plan->hooks[i], index, error) < 0)
			return -1;
		index++;
	}
	return 0;
}
