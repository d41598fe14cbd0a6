/*
 * spawn.h — starting tsrunc-init from a multithreaded Node process, and the few other syscalls the
 * runtime needs that Node does not expose. Plain C, no Node types, so the child path is reviewable
 * on its own.
 */
#ifndef TSRUNC_SPAWN_H
#define TSRUNC_SPAWN_H

#include <stddef.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A failed call: which syscall, on what, and errno. */
struct spawn_error {
	const char *syscall;
	const char *path;
	int err;
};

struct spawn_result {
	pid_t pid;   /* the helper (stage 1) */
	int sync_fd; /* the runtime's end of the SOCK_SEQPACKET pair, close-on-exec */
};

/*
 * Copies the helper at helper_path into a sealed memfd (once per process), writes the plan into a
 * sealed memfd, and starts the helper with fd 3 = sync socket, fd 4 = plan, fds 0-2 inherited, all
 * other fds closed. Returns 0, or -1 with *error filled.
 */
/* console_fd: a socket for the pty master, given to the helper as CONSOLE_FD; -1 for none.
 * preserve_fds: the caller's fds 3..3+n-1 are passed on (to PRESERVED_FD.., see plan.h). */
int tsrunc_spawn_init(const char *helper_path, const void *plan, size_t plan_len, int console_fd, int preserve_fds,
		      struct spawn_result *result,
		      struct spawn_error *error);

/*
 * Waits until the start gate at fifo_path delivers its byte (returns 1), the process behind pidfd
 * exits (0), or timeout_ms passes (-2; timeout_ms < 0 waits forever). -1 with *error on failure.
 */
/* 1 started, 0 the init exited, -2 timeout, 2 the init refused (a startContainer hook failed:
 * `message` holds why), -1 error. */
int tsrunc_wait_gate(const char *fifo_path, int pidfd, int timeout_ms, char *message, size_t message_size,
		     struct spawn_error *error);

#ifdef __cplusplus
}
#endif

#endif
