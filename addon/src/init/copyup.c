/*
 * copyup.c — tmpcopyup: a tmpfs mounted over a directory of the rootfs starts with a copy of that
 * directory (as runc's does). The directory is held by a handle taken before the mount, so the copy
 * reads what the tmpfs now covers; every name is opened relative to its parent's handle, never
 * followed as a symlink. Owners, modes and times are kept.
 */
#include "init.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <unistd.h>

static __attribute__((noreturn)) void die_copy(const char *dest, const char *name)
{
	int err = errno;
	die(STEP_TMPCOPYUP, err, "`%s/%s`", dest, name);
}

static void keep_attributes(int dir, const char *name, const struct stat *st, const char *dest)
{
	if (fchownat(dir, name, st->st_uid, st->st_gid, AT_SYMLINK_NOFOLLOW) < 0)
		die_copy(dest, name);
	if (!S_ISLNK(st->st_mode) && fchmodat(dir, name, st->st_mode & 07777, 0) < 0)
		die_copy(dest, name);
	struct timespec times[2] = {st->st_atim, st->st_mtim};
	if (utimensat(dir, name, times, AT_SYMLINK_NOFOLLOW) < 0)
		die_copy(dest, name);
}

static void copy_file(int from_dir, int to_dir, const char *name, const struct stat *st, const char *dest)
{
	int in = openat(from_dir, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (in < 0)
		die_copy(dest, name);
	int out = openat(to_dir, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		die_copy(dest, name);
	for (off_t left = st->st_size; left > 0;) {
		ssize_t n = sendfile(out, in, NULL, left > (1 << 30) ? (1 << 30) : (size_t)left);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) /* 0: the file shrank under us; the copy has what there was */
			break;
		left -= n;
	}
	close(in);
	close(out);
}

/* Copies the entries of `from` (a directory handle) into `to`; `dest` names `to` in messages. */
static void copy_tree(int from, int to, const char *dest)
{
	int scan = dup(from);
	DIR *d = scan < 0 ? NULL : fdopendir(scan);
	if (!d)
		die_copy(dest, ".");
	struct dirent *e;
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		struct stat st;
		if (fstatat(from, e->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die_copy(dest, e->d_name);
		switch (st.st_mode & S_IFMT) {
		case S_IFDIR: {
			if (mkdirat(to, e->d_name, 0700) < 0)
				die_copy(dest, e->d_name);
			int sub_from = openat(from, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			int sub_to = openat(to, e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			if (sub_from < 0 || sub_to < 0)
				die_copy(dest, e->d_name);
			char sub_dest[PATH_MAX];
			snprintf(sub_dest, sizeof sub_dest, "%s/%s", dest, e->d_name);
			copy_tree(sub_from, sub_to, sub_dest);
			close(sub_from);
			close(sub_to);
			break;
		}
		case S_IFREG:
			copy_file(from, to, e->d_name, &st, dest);
			break;
		case S_IFLNK: {
			char target[PATH_MAX];
			ssize_t n = readlinkat(from, e->d_name, target, sizeof target - 1);
			if (n < 0)
				die_copy(dest, e->d_name);
			target[n] = 0;
			if (symlinkat(target, to, e->d_name) < 0)
				die_copy(dest, e->d_name);
			break;
		}
		default: /* FIFOs, sockets, device nodes */
			if (mknodat(to, e->d_name, st.st_mode, st.st_rdev) < 0)
				die_copy(dest, e->d_name);
			break;
		}
		keep_attributes(to, e->d_name, &st, dest);
	}
	closedir(d);
}

void tmpcopyup(int covered, int tmpfs, const char *dest)
{
	copy_tree(covered, tmpfs, dest);
	/* The tmpfs's own root takes the covered directory's owner and mode, as its contents did. */
	struct stat st;
	if (fstat(covered, &st) < 0 || fchown(tmpfs, st.st_uid, st.st_gid) < 0 || fchmod(tmpfs, st.st_mode & 07777) < 0)
		die_copy(dest, ".");
	struct timespec times[2] = {st.st_atim, st.st_mtim};
	if (futimens(tmpfs, times) < 0)
		die_copy(dest, ".");
}
