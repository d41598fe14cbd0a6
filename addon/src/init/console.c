/*
 * console.c — process.terminal: a new pty from the container's own devpts, its slave for the
 * process, its master sent to the console socket as runc does: ONE sendmsg whose data is the pty's
 * name and whose ancillary data is one SCM_RIGHTS message with one fd. The master never stays here.
 *
 * The slave is also bound over /dev/console, as runc does, from its handle and only once it is
 * verified to be a devpts pty: never by a /dev/pts/N path that a racing process could swap for a
 * symlink to a host file (the CVE-2025-52565 class).
 */
#include "init.h"
#include "../syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/vfs.h>
#include <termios.h>
#include <unistd.h>

/* devices.txt: the ptmx multiplexer, and the majors of Unix98 pty slaves. */
#define PTMX_MAJOR 5
#define PTMX_MINOR 2
#define UNIX98_PTY_SLAVE_MAJOR_FIRST 136
#define UNIX98_PTY_SLAVE_MAJOR_LAST 143

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

/* A pty slave of a devpts instance, and nothing else. */
static int is_pty_slave(int fd)
{
	struct stat st;
	struct statfs sfs;
	if (fstat(fd, &st) < 0 || fstatfs(fd, &sfs) < 0)
		return 0;
	return S_ISCHR(st.st_mode) && sfs.f_type == DEVPTS_SUPER_MAGIC && major(st.st_rdev) >= UNIX98_PTY_SLAVE_MAJOR_FIRST &&
	       major(st.st_rdev) <= UNIX98_PTY_SLAVE_MAJOR_LAST;
}

/*
 * The verified slave over /dev/console. The target is an existing file or character device, or an
 * empty file made for it; a symlink there is refused. A read-only /dev where no console exists
 * leaves the pty as the process's stdio only.
 */
static void bind_console(int root, int slave)
{
	int dev = sys_openat2(root, "/dev", O_PATH | O_DIRECTORY, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (dev < 0)
		die(STEP_CONSOLE_BIND, errno, "`/dev`");
	int made = openat(dev, "console", O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (made >= 0)
		close(made);
	else if (errno == EROFS) {
		close(dev);
		return;
	} else if (errno != EEXIST)
		die(STEP_CONSOLE_BIND, errno, "`/dev/console`");
	int target = openat(dev, "console", O_PATH | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	if (target < 0 || fstat(target, &st) < 0)
		die(STEP_CONSOLE_BIND, errno, "`/dev/console`");
	if (!S_ISREG(st.st_mode) && !S_ISCHR(st.st_mode))
		die(STEP_CONSOLE_BIND, 0, "`/dev/console`: is %s, not a file or character device to bind the pty over",
		    S_ISLNK(st.st_mode) ? "a symlink" : S_ISDIR(st.st_mode) ? "a directory" : "a special file");
	int tree = sys_open_tree(slave, "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
	if (tree < 0 || move_mount_onto(tree, target) < 0)
		die(STEP_CONSOLE_BIND, errno, "`/dev/console`");
	close(tree);
	close(target);
	close(dev);
}

int setup_console(const struct plan *plan)
{
	/* After pivot_root: the container's /dev/ptmx (its devpts instance), never the host's. It is
	 * usually a symlink to pts/ptmx, followed inside the container's root only. */
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		die_path(STEP_CONSOLE, "/");
	int master = sys_openat2(root, "/dev/ptmx", O_RDWR | O_NOCTTY, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
	if (master < 0)
		die_path(STEP_CONSOLE, "/dev/ptmx");
	struct stat st;
	if (fstat(master, &st) < 0)
		die_path(STEP_CONSOLE, "/dev/ptmx");
	if (!S_ISCHR(st.st_mode) || st.st_rdev != makedev(PTMX_MAJOR, PTMX_MINOR))
		die(STEP_CONSOLE, 0, "`/dev/ptmx`: is not the pty multiplexer (character device 5:2)");
	int unlock = 0, index = 0;
	if (ioctl(master, TIOCSPTLCK, &unlock) < 0 || ioctl(master, TIOCGPTN, &index) < 0)
		die(STEP_CONSOLE, errno, "unlock the pty");
	/* TIOCGPTPEER opens the slave through the master: no path lookup another mount could redirect. */
	int slave = ioctl(master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
	if (slave < 0)
		die(STEP_CONSOLE, errno, "open the pty's slave");
	if (!is_pty_slave(slave))
		die(STEP_CONSOLE, 0, "the pty's slave is not on a devpts filesystem");
	if (plan->console_rows || plan->console_cols) {
		struct winsize ws = {.ws_row = (unsigned short)plan->console_rows, .ws_col = (unsigned short)plan->console_cols};
		if (ioctl(slave, TIOCSWINSZ, &ws) < 0)
			die(STEP_CONSOLE, errno, "set the window size");
	}
	/* The container's console; a process exec'd into it later keeps its own pty to itself. */
	if (plan->rootfs)
		bind_console(root, slave);
	close(root);
	char name[32];
	snprintf(name, sizeof name, "/dev/pts/%d", index);
	if (send_master(master, name) < 0)
		die(STEP_CONSOLE, errno, "send the pty master to the console socket");
	close(master);
	close(CONSOLE_FD);
	return slave;
}
