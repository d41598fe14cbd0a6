/*
 * rootfs.c — stage 2: the container's filesystem, from the host's mount tree to pivot_root.
 *
 * Every path inside the container is resolved with openat2(RESOLVE_IN_ROOT) against a handle on the
 * rootfs, and mounts are made onto /proc/self/fd/<handle>: a symlink planted in the rootfs can
 * never send a mount, a device or a directory outside it (the CVE-2021-30465 class). Only
 * host-side paths the runtime resolved (rootfs, bind sources) are used as plain strings.
 */
#include "init.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#ifndef MOUNT_ATTR_SIZE_VER0
struct mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#endif

#define FD_PATH_MAX 32

static int root_fd = -1; /* O_PATH handle on the container's rootfs (after its self-bind) */

static void fd_path(int fd, char out[FD_PATH_MAX])
{
	snprintf(out, FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

/* Opens `path` (absolute, inside the container) beneath the rootfs; -1 with errno. */
static int open_in_root(const char *path, uint64_t flags)
{
	struct open_how how = {
		.flags = flags | O_CLOEXEC,
		.resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS,
	};
	const char *rel = path;
	while (*rel == '/')
		rel++;
	if (!*rel)
		rel = ".";
	return (int)syscall(SYS_openat2, root_fd, rel, &how, sizeof how);
}

static int must_open_in_root(const char *path, uint64_t flags)
{
	int fd = open_in_root(path, flags);
	if (fd < 0)
		die_path(STEP_RESOLVE, path);
	return fd;
}

/*
 * Creates the directories of `path` that are missing, each resolved inside the rootfs, and returns
 * a handle on the last one. With `last_is_file`, the last component is created as an empty file.
 * A dangling symlink on the way is followed inside the rootfs, and its target created there (as
 * runc's securejoin does): never outside, whatever the link says.
 */
static int make_path(const char *path, int last_is_file)
{
	char cur[PATH_MAX], prefix[PATH_MAX];
	if (snprintf(cur, sizeof cur, "%s", path) >= (int)sizeof cur) {
		errno = ENAMETOOLONG;
		die_path(STEP_MKDIR, path);
	}
	int links = 0;
restart:;
	size_t len = strlen(cur);
	int parent = must_open_in_root("/", O_PATH | O_DIRECTORY);
	size_t start = 0;
	while (start < len) {
		while (cur[start] == '/')
			start++;
		if (start >= len)
			break;
		size_t end = start;
		while (end < len && cur[end] != '/')
			end++;
		int last = end >= len || cur[end + strspn(cur + end, "/")] == 0;
		memcpy(prefix, cur, end);
		prefix[end] = 0;
		char name[NAME_MAX + 1];
		if (end - start > NAME_MAX) {
			errno = ENAMETOOLONG;
			die_path(STEP_MKDIR, prefix);
		}
		memcpy(name, cur + start, end - start);
		name[end - start] = 0;

		int fd = open_in_root(prefix, O_PATH);
		if (fd < 0 && errno == ENOENT) {
			char target[PATH_MAX];
			ssize_t tlen = readlinkat(parent, name, target, sizeof target - 1);
			if (tlen > 0) {
				/* A dangling symlink: rewrite the path through it and start again from "/". */
				if (++links > 40) {
					errno = ELOOP;
					die_path(STEP_RESOLVE, path);
				}
				target[tlen] = 0;
				char next[PATH_MAX];
				int n = target[0] == '/' ? snprintf(next, sizeof next, "%s%s", target, cur + end)
							 : snprintf(next, sizeof next, "%.*s%s%s", (int)start, cur, target, cur + end);
				if (n >= (int)sizeof next) {
					errno = ENAMETOOLONG;
					die_path(STEP_RESOLVE, path);
				}
				memcpy(cur, next, (size_t)n + 1);
				close(parent);
				goto restart;
			}
			int made;
			if (last && last_is_file) {
				made = openat(parent, name, O_CREAT | O_EXCL | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
				if (made >= 0)
					close(made);
			} else {
				made = mkdirat(parent, name, 0755);
			}
			if (made < 0 && errno != EEXIST)
				die_path(STEP_MKDIR, prefix);
			fd = open_in_root(prefix, O_PATH);
		}
		if (fd < 0)
			die_path(STEP_RESOLVE, prefix);
		close(parent);
		parent = fd;
		start = end;
	}
	return parent;
}

/* Splits "/a/b/c" into a handle on "/a/b" (created if missing) and "c". */
static int open_parent(const char *path, char name[NAME_MAX + 1])
{
	char dir[PATH_MAX];
	const char *slash = strrchr(path, '/');
	size_t dlen = slash ? (size_t)(slash - path) : 0;
	if (dlen >= sizeof dir || !slash || strlen(slash + 1) > NAME_MAX || !slash[1]) {
		errno = EINVAL;
		die_path(STEP_RESOLVE, path);
	}
	memcpy(dir, path, dlen);
	dir[dlen] = 0;
	strcpy(name, slash + 1);
	return make_path(dlen ? dir : "/", 0);
}

/* Flags that a bind remount may change; the rest of MS_* is either the operation or ignored. */
#define MS_PER_MOUNT (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME | MS_STRICTATIME)
#define MS_ATIME_FLAGS (MS_NOATIME | MS_RELATIME | MS_STRICTATIME)

/*
 * Remounts a bind mount with `flags`. In a user namespace, flags inherited from a more privileged
 * mount are locked (EPERM if we try to clear them): like runc, keep the locked ones and retry.
 */
static int remount_bind(const char *target, uint64_t flags)
{
	unsigned long f = (unsigned long)(flags & MS_PER_MOUNT);
	if (mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | f, NULL) == 0)
		return 0;
	if (errno != EPERM)
		return -1;
	struct statvfs st;
	if (statvfs(target, &st) < 0)
		return -1;
	unsigned long locked = st.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC);
	if (!(f & MS_ATIME_FLAGS))
		locked |= st.f_flag & (ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
	return mount(NULL, target, NULL, MS_REMOUNT | MS_BIND | f | locked, NULL);
}

/* Adds `flags` to a mount's current per-mount flags (never clears one, e.g. nosuid on /proc/sys). */
static int remount_bind_adding(const char *target, uint64_t flags)
{
	struct statvfs st;
	if (statvfs(target, &st) < 0)
		return -1;
	uint64_t current = st.f_flag & (ST_RDONLY | ST_NOSUID | ST_NODEV | ST_NOEXEC | ST_NOATIME | ST_NODIRATIME | ST_RELATIME);
	return remount_bind(target, current | flags);
}

static void apply_propagation_and_attrs(const struct plan_mount *m)
{
	if (!m->propagation && !m->attr_set && !m->attr_clr)
		return;
	/* Re-resolved: the handle taken before the mount names the directory underneath it. */
	int fd = must_open_in_root(m->destination, O_PATH);
	char target[FD_PATH_MAX];
	fd_path(fd, target);
	if (m->propagation && mount(NULL, target, NULL, (unsigned long)m->propagation, NULL) < 0)
		die_path(STEP_MOUNT_PROPAGATION, m->destination);
	if (m->attr_set || m->attr_clr) {
		struct mount_attr attr = {.attr_set = m->attr_set, .attr_clr = m->attr_clr};
		if (syscall(SYS_mount_setattr, fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr, sizeof attr) < 0)
			die_path(STEP_MOUNT_SETATTR, m->destination);
	}
	close(fd);
}

static __attribute__((noreturn)) void die_mount(const char *source, const char *destination)
{
	int err = errno;
	die(STEP_MOUNT, err, "`%s` on `%s`", source && *source ? source : "none", destination);
}

static void mount_one(const struct plan_mount *m)
{
	int fd = make_path(m->destination, (m->options & PLAN_MOUNT_OPT_FILE) != 0);
	char target[FD_PATH_MAX];
	fd_path(fd, target);
	if (m->kind == PLAN_MOUNT_BIND) {
		if (mount(m->source, target, NULL, MS_BIND | (m->flags & MS_REC), NULL) < 0)
			die_mount(m->source, m->destination);
		close(fd);
		if (m->flags & MS_PER_MOUNT) {
			fd = must_open_in_root(m->destination, O_PATH);
			fd_path(fd, target);
			if (remount_bind(target, m->flags) < 0)
				die_path(STEP_REMOUNT, m->destination);
			close(fd);
		}
	} else {
		const char *data = m->data && *m->data ? m->data : NULL;
		if (mount(m->source, target, m->fstype, (unsigned long)m->flags, data) < 0) {
			if (!(errno == EPERM && (m->options & PLAN_MOUNT_OPT_SYSFS_FALLBACK)))
				die_mount(m->source, m->destination);
			/* A user namespace without its own network namespace may not mount sysfs: use the
			 * host's, as runc does, with the requested flags. */
			if (mount("/sys", target, NULL, MS_BIND | MS_REC, NULL) < 0)
				die_mount("/sys", m->destination);
			close(fd);
			fd = must_open_in_root(m->destination, O_PATH);
			fd_path(fd, target);
			if (remount_bind(target, m->flags | MS_NOSUID | MS_NODEV | MS_NOEXEC) < 0)
				die_path(STEP_REMOUNT, m->destination);
		}
		close(fd);
	}
	apply_propagation_and_attrs(m);
}

static void create_device(const struct plan_device *d)
{
	char name[NAME_MAX + 1];
	int parent = open_parent(d->path, name);
	if (d->bind_source[0]) {
		/* In a user namespace mknod is refused: bind the host's node onto an empty file. */
		int made = openat(parent, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (made < 0)
			die_path(STEP_MKNOD, d->path);
		close(made);
		int fd = must_open_in_root(d->path, O_PATH | O_NOFOLLOW);
		char target[FD_PATH_MAX];
		fd_path(fd, target);
		if (mount(d->bind_source, target, NULL, MS_BIND, NULL) < 0)
			die_mount(d->bind_source, d->path);
		close(fd);
		close(parent);
		return;
	}
	dev_t dev = makedev(d->major, d->minor);
	if (mknodat(parent, name, d->mode, dev) < 0) {
		if (errno != EEXIST)
			die_path(STEP_MKNOD, d->path);
		/* Already there (an image may ship /dev): keep it only if it is the very same node. */
		struct stat st;
		if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die_path(STEP_MKNOD, d->path);
		if ((st.st_mode & S_IFMT) != (d->mode & S_IFMT) || st.st_rdev != dev) {
			if (unlinkat(parent, name, 0) < 0 || mknodat(parent, name, d->mode, dev) < 0)
				die_path(STEP_MKNOD, d->path);
		}
	}
	if (fchownat(parent, name, d->uid, d->gid, AT_SYMLINK_NOFOLLOW) < 0)
		die_path(STEP_DEVICE_CHOWN, d->path);
	if (fchmodat(parent, name, d->mode & 07777, 0) < 0)
		die_path(STEP_MKNOD, d->path);
	close(parent);
}

static void create_symlink(const struct plan_pair *s)
{
	char name[NAME_MAX + 1];
	int parent = open_parent(s->b, name);
	if (symlinkat(s->a, parent, name) < 0 && errno != EEXIST)
		die_path(STEP_SYMLINK, s->b);
	close(parent);
}

/* Unescapes mountinfo's octal escapes (\040 for a space) in place. */
static void unescape(char *s)
{
	char *out = s;
	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
			*out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*out++ = *s;
		}
	}
	*out = 0;
}

/*
 * pivot_root refuses a new root whose parent mount is shared. Only reachable with a shared
 * rootfsPropagation (the default makes everything a slave): make that one mount private, as runc.
 */
static void make_parent_mount_private(const char *rootfs)
{
	FILE *f = fopen("/proc/self/mountinfo", "re");
	if (!f)
		die_path(STEP_ROOTFS_PROPAGATION, "/proc/self/mountinfo");
	char line[8192], best[PATH_MAX] = "";
	size_t best_len = 0;
	int best_shared = 0;
	while (fgets(line, sizeof line, f)) {
		/* id parent major:minor root mountpoint options [optional...] - ... */
		char *save = NULL, *field = strtok_r(line, " ", &save);
		for (int i = 0; field && i < 4; i++)
			field = strtok_r(NULL, " ", &save);
		if (!field)
			continue;
		char mp[PATH_MAX];
		snprintf(mp, sizeof mp, "%s", field);
		unescape(mp);
		size_t len = strlen(mp);
		int contains = strcmp(mp, "/") == 0 ||
			       (strncmp(rootfs, mp, len) == 0 && (rootfs[len] == '/' || rootfs[len] == 0));
		if (!contains || len < best_len || strcmp(mp, rootfs) == 0)
			continue;
		int shared = 0;
		strtok_r(NULL, " ", &save); /* per-mount options */
		for (char *opt = strtok_r(NULL, " ", &save); opt && strcmp(opt, "-") != 0; opt = strtok_r(NULL, " ", &save))
			if (strncmp(opt, "shared:", 7) == 0)
				shared = 1;
		best_len = len;
		best_shared = shared;
		snprintf(best, sizeof best, "%s", mp);
	}
	fclose(f);
	if (best_shared && mount(NULL, best, NULL, MS_PRIVATE, NULL) < 0)
		die_path(STEP_ROOTFS_PROPAGATION, best);
}

static void pivot(const struct plan *plan)
{
	if (plan->no_pivot) {
		/* For a rootfs on ramfs, where pivot_root is refused: move it over "/" and chroot. */
		if (chdir(plan->rootfs) < 0 || mount(plan->rootfs, "/", NULL, MS_MOVE, NULL) < 0 || chroot(".") < 0 ||
		    chdir("/") < 0)
			die_path(STEP_PIVOT_ROOT, plan->rootfs);
		return;
	}
	/* pivot_root(".", ".") stacks the old root on the new one; unmounting "." then drops it, with no
	 * directory needed inside the rootfs (runc's way). */
	int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	int new_root = open(plan->rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
	if (old_root < 0 || new_root < 0)
		die_path(STEP_PIVOT_ROOT, plan->rootfs);
	if (fchdir(new_root) < 0 || syscall(SYS_pivot_root, ".", ".") < 0)
		die_path(STEP_PIVOT_ROOT, plan->rootfs);
	if (fchdir(old_root) < 0)
		die_path(STEP_PIVOT_ROOT, plan->rootfs);
	/* Slave first, so the unmount cannot propagate back to the host. */
	if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0 || umount2(".", MNT_DETACH) < 0)
		die_path(STEP_PIVOT_ROOT, plan->rootfs);
	if (chdir("/") < 0)
		die_path(STEP_PIVOT_ROOT, plan->rootfs);
	close(old_root);
	close(new_root);
}

void setup_rootfs(const struct plan *plan)
{
	if (mount(NULL, "/", NULL, (unsigned long)plan->propagation, NULL) < 0)
		die_path(STEP_ROOTFS_PROPAGATION, "/");
	make_parent_mount_private(plan->rootfs);
	/* The rootfs must be a mount point for pivot_root, and our own copy of it. */
	if (mount(plan->rootfs, plan->rootfs, NULL, MS_BIND | MS_REC, NULL) < 0)
		die_path(STEP_BIND_ROOTFS, plan->rootfs);
	root_fd = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root_fd < 0)
		die_path(STEP_BIND_ROOTFS, plan->rootfs);

	for (size_t i = 0; i < plan->n_mounts; i++)
		mount_one(&plan->mounts[i]);
	for (size_t i = 0; i < plan->n_devices; i++)
		create_device(&plan->devices[i]);
	for (size_t i = 0; i < plan->n_symlinks; i++)
		create_symlink(&plan->symlinks[i]);

	close(root_fd);
	root_fd = -1;
	/* The runtime's own hooks (prestart, createRuntime), then createContainer hooks here, in the
	 * container's namespaces with the host still visible: all before pivot_root (config.md). */
	if (plan->sync_hooks && (sync_send(SYNC_HOOKS, 0) < 0 || sync_wait(SYNC_ACK) < 0))
		die(STEP_SYNC, errno, "hooks");
	struct hook_error hook_error;
	if (run_hooks(plan, PLAN_HOOK_CREATE_CONTAINER, &hook_error) < 0)
		die_hook(&hook_error);
	pivot(plan);
	if (plan->propagation_after_pivot && mount(NULL, "/", NULL, (unsigned long)plan->propagation_after_pivot, NULL) < 0)
		die_path(STEP_ROOTFS_PROPAGATION, "/");
}

static void mask_path(const char *path)
{
	struct stat st;
	if (stat(path, &st) < 0) {
		if (errno == ENOENT)
			return;
		die_path(STEP_MASK_PATH, path);
	}
	int rc = S_ISDIR(st.st_mode) ? mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL)
				     : mount("/dev/null", path, NULL, MS_BIND, NULL);
	if (rc < 0)
		die_path(STEP_MASK_PATH, path);
}

static void readonly_path(const char *path)
{
	if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
		if (errno == ENOENT)
			return;
		die_path(STEP_READONLY_PATH, path);
	}
	if (remount_bind_adding(path, MS_RDONLY) < 0)
		die_path(STEP_READONLY_PATH, path);
}

/* After pivot_root, in the container's own view: read-only and masked paths, then "/" read-only. */
void finish_rootfs(const struct plan *plan)
{
	for (size_t i = 0; i < plan->n_readonly; i++)
		readonly_path(plan->readonly[i]);
	for (size_t i = 0; i < plan->n_masked; i++)
		mask_path(plan->masked[i]);
	if (plan->root_readonly && remount_bind_adding("/", MS_RDONLY) < 0)
		die_path(STEP_ROOT_READONLY, "/");
}
