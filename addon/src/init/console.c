/*
 * console.c — process.terminal: a new pty from the container's own devpts, its slave for the
 * process, its master sent to the console socket as runc does: ONE sendmsg whose data is the pty's
 * name and whose ancillary data is one SCM_RIGHTS message with one fd. The master never stays here.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <termios.h>
#include <unistd.h>

#ifndef TIOCGPTPEER
#define TIOCGPTPEER _IO('T', 0x41)
#endif

static int send_master(int master, const char *name)
{
	char control[CMSG_SPACE(sizeof(int))];
	memset(control, 0, sizeof control);
	struct iovec iov = {(void *)name, strlen(name)};
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = control, .msg_controllen = sizeof control};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET;
	c->cmsg_type = SCM_RIGHTS;
	c->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(c), &master, sizeof master);
	ssize_t n;
	while ((n = sendmsg(CONSOLE_FD, &msg, MSG_NOSIGNAL)) < 0 && errno == EINTR)
		;
	return n < 0 ? -1 : 0;
}

int setup_console(const struct plan *plan)
{
	/* After pivot_root: the container's /dev/ptmx (its devpts instance), never the host's. */
	int master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (master < 0)
		die_path(STEP_CONSOLE, "/dev/ptmx");
	int unlock = 0, index = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &index) < 0)
		die(STEP_CONSOLE, errno, "unlock the pty");
	/* TIOCGPTPEER opens the slave through the master: no path lookup another mount could redirect. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die(STEP_CONSOLE, errno, "open the pty's slave");
	if (plan->console_rows || plan->console_cols) {
		struct winsize ws = {.ws_row = (unsigned short)plan->console_rows, .ws_col = (unsigned short)plan->console_cols};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			die(STEP_CONSOLE, errno, "set the window size");
	}
	char name[32];
	snprintf(name, sizeof name, "/dev/pts/%d", index);
	if (send_master(master, name) < 0)
		die(STEP_CONSOLE, errno, "send the pty master to the console socket");
	close(master);
	close(CONSOLE_FD);
	return slave;
}
