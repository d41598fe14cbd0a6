/*
 * sync.c — messages to and from the runtime over SYNC_FD (protocol in sync.h).
 *
 * Plain write(2) and read(2) (the socket is SOCK_SEQPACKET, so each is one message): after a seccomp
 * filter is loaded these are the only syscalls the channel needs the profile to allow, as in runc.
 */
#include "init.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int send_msg(const struct sync_msg *msg)
{
	for (;;) {
		ssize_t n = write(SYNC_FD, msg, sizeof *msg);
		if (n == (ssize_t)sizeof *msg)
			return 0;
		if (n < 0 && errno == EINTR)
			continue;
		if (n >= 0)
			errno = EPROTO;
		return -1;
	}
}

int sync_send(uint32_t type, int32_t value)
{
	struct sync_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = type;
	msg.value = value;
	return send_msg(&msg);
}

/* Waits for `expected`; an ABORT, an EOF (the runtime is gone) or anything else ends the helper. */
int sync_wait(uint32_t expected)
{
	struct sync_msg msg;
	for (;;) {
		ssize_t n = read(SYNC_FD, &msg, sizeof msg);
		if (n < 0 && errno == EINTR)
			continue;
		if (n == 0 || (n > 0 && msg.type == SYNC_ABORT))
			_exit(1);
		if (n != (ssize_t)sizeof msg || msg.type != expected) {
			errno = n < 0 ? errno : EPROTO;
			return -1;
		}
		return 0;
	}
}

void die(enum init_step step, int err, const char *fmt, ...)
{
	struct sync_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = SYNC_ERROR;
	msg.err = err; /* 0: not a failed call but something found wrong; the text says what */
	msg.step = step;
	if (fmt) {
		va_list ap;
		va_start(ap, fmt);
		vsnprintf(msg.text, sizeof msg.text, fmt, ap);
		va_end(ap);
	}
	if (send_msg(&msg) < 0) {
		/* No runtime to tell (run by hand?): stderr is the only witness left. */
		dprintf(2, "tsrunc-init: step %u: %s: %s\n", (unsigned)step, msg.text, strerror(msg.err));
	}
	_exit(1);
}

void die_hook(const struct hook_error *error)
{
	struct sync_msg msg;
	memset(&msg, 0, sizeof msg);
	msg.type = SYNC_ERROR;
	msg.err = error->err;
	msg.step = STEP_HOOK;
	msg.value = error->status;
	snprintf(msg.text, sizeof msg.text, "%s", error->text);
	if (send_msg(&msg) < 0)
		dprintf(2, "tsrunc-init: %s failed\n", msg.text);
	_exit(1);
}

void die_path(enum init_step step, const char *path)
{
	int err = errno;
	if (path)
		die(step, err, "`%s`", path);
	die(step, err, NULL);
}
