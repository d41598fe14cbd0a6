/*
 * procfs.c — see procfs.h.
 */
#include "procfs.h"
#include "syscalls.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/vfs.h>

/* The root of a procfs instance, or a mount someone put in its place. */
static int is_procfs_root(int fd)
{
	struct statfs sfs;
	struct stat st;
	if (fstatfs(fd, &sfs) < 0 || fstat(fd, &st) < 0)
		return 0;
	return sfs.f_type == PROC_SUPER_MAGIC && st.st_ino == PROC_ROOT_INO && S_ISDIR(st.st_mode);
}

static int verified(int fd)
{
	if (fd < 0)
		return -1;
	if (is_procfs_root(fd))
		return fd;
	close(fd);
	errno = EXDEV;
	return -1;
}

/* A new, detached procfs of our pid namespace: nothing anyone mounted anywhere can be in it. */
static int fresh_procfs(void)
{
	int ctx = sys_fsopen("proc");
	if (ctx < 0)
		return -1;
	int mnt = -1;
	if (sys_fsconfig(ctx, FSCONFIG_CMD_CREATE, NULL, NULL, 0) == 0)
		mnt = sys_fsmount(ctx, MOUNT_ATTR_NOSUID | MOUNT_ATTR_NODEV | MOUNT_ATTR_NOEXEC);
	int saved = errno;
	close(ctx);
	errno = saved;
	return mnt;
}

int procfs_open(void)
{
	int fd = verified(fresh_procfs());
	if (fd >= 0)
		return fd;
	/* Not allowed to mount (a user namespace that does not own our pid namespace): a private
	 * copy of /proc without what is mounted under it, else /proc itself, verified either way. */
	fd = verified(sys_open_tree(AT_FDCWD, "/proc", OPEN_TREE_CLONE));
	if (fd >= 0)
		return fd;
	return verified(sys_openat2(AT_FDCWD, "/proc", O_PATH | O_DIRECTORY, RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS));
}

/* Every component a plain name: RESOLVE_BENEATH alone would let "sys/net/../vm/x" through, since
 * it never leaves /proc. */
static int plain_components(const char *rel)
{
	for (const char *c = rel;;) {
		size_t len = strcspn(c, "/");
		if (len == 0 || (len == 1 && c[0] == '.') || (len == 2 && c[0] == '.' && c[1] == '.'))
			return 0;
		if (!c[len])
			return 1;
		c += len + 1;
	}
}

int procfs_open_file(int proc, const char *rel, int flags)
{
	char path[PATH_MAX];
	if (!plain_components(rel)) {
		errno = EINVAL;
		return -1;
	}
	if (strncmp(rel, "self/", 5) == 0) {
		/* "self" is a symlink, which the strict resolution refuses: read it ourselves. It names
		 * the caller in this instance's pid namespace, so it cannot point at another process. */
		char pid[16];
		ssize_t n = readlinkat(proc, "self", pid, sizeof pid - 1);
		if (n <= 0)
			return -1;
		pid[n] = 0;
		if (strspn(pid, "0123456789") != (size_t)n) {
			errno = EXDEV;
			return -1;
		}
		if (snprintf(path, sizeof path, "%s/%s", pid, rel + 5) >= (int)sizeof path) {
			errno = ENAMETOOLONG;
			return -1;
		}
		rel = path;
	}
	return sys_openat2(proc, rel, (uint64_t)flags, RESOLVE_STRICT_BENEATH);
}

int procfs_write_file(int proc, const char *rel, const char *text, size_t len)
{
	int fd = procfs_open_file(proc, rel, O_WRONLY);
	if (fd < 0)
		return -1;
	ssize_t n = write(fd, text, len);
	int saved = errno;
	close(fd);
	if (n == (ssize_t)len)
		return 0;
	errno = n < 0 ? saved : EIO;
	return -1;
}
