/*
 * rootfs.c — stage 2: the container's filesystem, from the host's mount tree to pivot_root.
 *
 * Every path inside the container is resolved with openat2(RESOLVE_IN_ROOT) against a handle on the
 * rootfs, and mounts are made onto that handle (move_mount, or /proc/self/fd/<handle> of the host's
 * /proc before pivot_root): a symlink planted in the rootfs can never send a mount, a device or a
 * directory outside it (the CVE-2021-30465 class). Bind sources are opened once and bound from the
 * handle (open_tree). After pivot_root, where /proc is the container's, no path goes through /proc
 * at all: read-only and masked paths, /dev/null and the console are handles only.
 */
#include "init.h"
#include "../syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#define FD_PATH_MAX 32

static int root_fd = -1; /* O_PATH handle on the container's rootfs (after its self-bind) */

static void fd_path(int fd, char out[FD_PATH_MAX])
{
	snprintf(out, FD_PATH_MAX, "/proc/self/fd/%d", fd);
}

/* Opens `path` (absolute, inside the container) beneath the rootfs; -1 with errno. */
static int open_in_root(const char *path, uint64_t flags)
{
	return sys_openat2(root_fd, path, flags, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
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
		if (sys_mount_setattr(fd, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0)
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
		/* The source as one handle: a host path as the host resolves it, or one inside the rootfs
		 * as the container would (its symlinks cannot name a host file). */
		int source = -1, tree = m->tree_fd; /* an idmapped one was made in stage 1 (idmap.c) */
		if (tree < 0) {
			source = (m->options & PLAN_MOUNT_OPT_SOURCE_IN_ROOT) ? open_in_root(m->source, O_PATH)
									      : open(m->source, O_PATH | O_CLOEXEC);
			if (source < 0)
				die_path(STEP_RESOLVE, m->source);
			tree = sys_open_tree(source, "", OPEN_TREE_CLONE | AT_EMPTY_PATH | ((m->flags & MS_REC) ? AT_RECURSIVE : 0));
		}
		if (tree < 0 || move_mount_onto(tree, fd) < 0)
			die_mount(m->source, m->destination);
		close(tree);
		if (source >= 0)
			close(source);
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
		/* tmpcopyup: what the tmpfs is about to cover, held before it does. */
		int covered = -1;
		if ((m->options & PLAN_MOUNT_OPT_TMPCOPYUP) && (covered = openat(fd, ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			die_path(STEP_TMPCOPYUP, m->destination);
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
		if (covered >= 0) {
			/* A read-only tmpfs is filled first, then made read-only (as runc does). */
			int tmpfs = must_open_in_root(m->destination, O_RDONLY | O_DIRECTORY);
			fd_path(tmpfs, target);
			if ((m->flags & MS_RDONLY) && mount(NULL, target, NULL, MS_REMOUNT | ((unsigned long)m->flags & ~MS_RDONLY), data) < 0)
				die_path(STEP_REMOUNT, m->destination);
			tmpcopyup(covered, tmpfs, m->destination);
			if ((m->flags & MS_RDONLY) && mount(NULL, target, NULL, MS_REMOUNT | (unsigned long)m->flags, data) < 0)
				die_path(STEP_REMOUNT, m->destination);
			close(tmpfs);
			close(covered);
		}
	}
	apply_propagation_and_attrs(m);
}

/* "a symlink", "the character device 1:3", … for messages about what a path turned out to be. */
static void describe_file(const struct stat *st, char *out, size_t size)
{
	switch (st->st_mode & S_IFMT) {
	case S_IFLNK: snprintf(out, size, "a symlink"); break;
	case S_IFDIR: snprintf(out, size, "a directory"); break;
	case S_IFREG: snprintf(out, size, "a regular file"); break;
	case S_IFIFO: snprintf(out, size, "a FIFO"); break;
	case S_IFSOCK: snprintf(out, size, "a socket"); break;
	case S_IFCHR: snprintf(out, size, "the character device %u:%u", major(st->st_rdev), minor(st->st_rdev)); break;
	case S_IFBLK: snprintf(out, size, "the block device %u:%u", major(st->st_rdev), minor(st->st_rdev)); break;
	default: snprintf(out, size, "of an unknown type"); break;
	}
}

static int is_device(const struct stat *st, uint32_t mode, dev_t dev)
{
	if ((st->st_mode & S_IFMT) != (mode & S_IFMT))
		return 0;
	return S_ISFIFO(st->st_mode) || st->st_rdev == dev;
}

/* Fails the create unless handle `fd` (of `path`) is exactly the device node wanted. */
static void verify_device(int fd, const char *path, uint32_t mode, dev_t dev, enum init_step step)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		die_path(step, path);
	if (is_device(&st, mode, dev))
		return;
	char found[64], wanted[64];
	struct stat want = {.st_mode = mode, .st_rdev = dev};
	describe_file(&st, found, sizeof found);
	describe_file(&want, wanted, sizeof wanted);
	die(step, 0, "`%s`: is %s, not %s", path, found, wanted);
}

static void create_device(const struct plan_device *d)
{
	char name[NAME_MAX + 1];
	dev_t dev = makedev(d->major, d->minor);
	int parent = open_parent(d->path, name);
	if (d->bind_source[0]) {
		/* In a user namespace mknod is refused: bind the host's node onto an empty file. The host
		 * path is checked to be that very device, so linux.devices cannot bind any other host file. */
		int source = open(d->bind_source, O_PATH | O_NOFOLLOW | O_CLOEXEC);
		if (source < 0)
			die_path(STEP_MKNOD, d->bind_source);
		verify_device(source, d->bind_source, d->mode, dev, STEP_MKNOD);
		int made = openat(parent, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
		if (made < 0)
			die_path(STEP_MKNOD, d->path);
		close(made);
		int fd = must_open_in_root(d->path, O_PATH | O_NOFOLLOW);
		int tree = sys_open_tree(source, "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
		if (tree < 0 || move_mount_onto(tree, fd) < 0)
			die_mount(d->bind_source, d->path);
		close(tree);
		close(fd);
		close(source);
		close(parent);
		return;
	}
	/* The umask is 0, so mknod gives the node its exact mode. */
	if (mknodat(parent, name, d->mode, dev) < 0) {
		if (errno != EEXIST)
			die_path(STEP_MKNOD, d->path);
		/* Already there (an image may ship /dev). config-linux.md: a file there that is not the
		 * requested device is an error; it is never replaced (it may be a file of the host's rootfs).
		 * The same device with other permissions is remade with the requested ones. */
		struct stat st;
		if (fstatat(parent, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			die_path(STEP_MKNOD, d->path);
		if (!is_device(&st, d->mode, dev)) {
			char found[64], wanted[64];
			struct stat want = {.st_mode = d->mode, .st_rdev = dev};
			describe_file(&st, found, sizeof found);
			describe_file(&want, wanted, sizeof wanted);
			die(STEP_MKNOD, 0, "`%s`: a file already there is %s, not %s", d->path, found, wanted);
		}
		if ((st.st_mode & 07777) != (d->mode & 07777)) {
			if (unlinkat(parent, name, 0) < 0 || mknodat(parent, name, d->mode, dev) < 0)
				die_path(STEP_MKNOD, d->path);
		}
	}
	/* The owner through a handle on the node itself, checked to be it: whatever replaced the name
	 * in between (a symlink to a host file) is refused, never chowned. */
	int node = openat(parent, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	if (node < 0)
		die_path(STEP_DEVICE_CHOWN, d->path);
	verify_device(node, d->path, d->mode, dev, STEP_DEVICE_CHOWN);
	if (fchownat(node, "", d->uid, d->gid, AT_EMPTY_PATH) < 0)
		die_path(STEP_DEVICE_CHOWN, d->path);
	close(node);
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

/*
 * The mount the rootfs sits on gets `flags` (MS_PRIVATE, or MS_SLAVE): pivot_root refuses a shared
 * parent, and a bind under a shared one would propagate back to the host. Walk up from the rootfs
 * until a path is a mount point (EINVAL means it is not), as runc does.
 */
static void set_parent_mount_propagation(const char *rootfs, uint64_t flags)
{
	char path[PATH_MAX];
	snprintf(path, sizeof path, "%s", rootfs);
	for (;;) {
		if (mount(NULL, path, NULL, (unsigned long)flags, NULL) == 0)
			return;
		if (errno != EINVAL || strcmp(path, "/") == 0)
			die_path(STEP_ROOTFS_PROPAGATION, path);
		char *slash = strrchr(path, '/');
		if (slash == path)
			path[1] = 0;
		else
			*slash = 0;
	}
}

static void pivot(const struct plan *plan)
{
	if (plan->no_mount_ns) {
		/* The runtime's own mount namespace: its "/" stays where it is. */
		if (chdir(plan->rootfs) < 0 || chroot(".") < 0 || chdir("/") < 0)
			die_path(STEP_PIVOT_ROOT, plan->rootfs);
		return;
	}
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
	/* Propagation is the container's own mount namespace's to change, never the runtime's. */
	if (!plan->no_mount_ns) {
		if (mount(NULL, "/", NULL, (unsigned long)plan->propagation, NULL) < 0)
			die_path(STEP_ROOTFS_PROPAGATION, "/");
		set_parent_mount_propagation(plan->rootfs, plan->parent_propagation);
	}
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
	close_runtime_hook_paths(plan);
	pivot(plan);
}

/*
 * The configured propagation on the container's own "/", last: it makes a shared root a peer group
 * of the container's own, and an unbindable one unbindable, which must wait until every bind into
 * the container (read-only paths, masks, the console) is done.
 */
void finish_propagation(const struct plan *plan)
{
	if (plan->propagation_after_pivot && mount(NULL, "/", NULL, (unsigned long)plan->propagation_after_pivot, NULL) < 0)
		die_path(STEP_ROOTFS_PROPAGATION, "/");
}

/*
 * After pivot_root the container's /proc is whatever the config mounted there, so nothing below goes
 * through a path string: each target is opened once from the new root, without following any
 * symlink, and the mount is moved onto that handle.
 */
static int open_target(int root, const char *path, enum init_step step)
{
	int fd = sys_openat2(root, path, O_PATH | O_NOFOLLOW, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (fd < 0) {
		if (errno == ENOENT)
			return -1;
		die_path(step, path);
	}
	struct stat st;
	if (fstat(fd, &st) < 0)
		die_path(step, path);
	/* A symlink is opened as itself (O_PATH | O_NOFOLLOW): refused, never followed (an image or a
	 * racing container could point it at a host file). */
	if (S_ISLNK(st.st_mode))
		die(step, 0, "`%s`: is a symlink, which is never followed here", path);
	return fd;
}

/* Bind `path` onto itself, read-only with every mount under it; its other flags stay as they are. */
static void readonly_path(int root, const char *path)
{
	int fd = open_target(root, path, STEP_READONLY_PATH);
	if (fd < 0)
		return;
	int tree = sys_open_tree(fd, "", OPEN_TREE_CLONE | AT_EMPTY_PATH | AT_RECURSIVE);
	struct mount_attr attr = {.attr_set = MOUNT_ATTR_RDONLY};
	if (tree < 0 || sys_mount_setattr(tree, "", AT_EMPTY_PATH | AT_RECURSIVE, &attr) < 0 || move_mount_onto(tree, fd) < 0)
		die_path(STEP_READONLY_PATH, path);
	close(tree);
	close(fd);
}

/*
 * The container's /dev/null as a handle, checked to be the null device (1:3) and not a symlink to,
 * say, /proc/sys/kernel/core_pattern, which binding "over" a masked path would expose writable
 * (CVE-2025-31133). Opened once, on the first masked file.
 */
static int open_dev_null(int root)
{
	int fd = sys_openat2(root, "/dev/null", O_PATH | O_NOFOLLOW, RESOLVE_IN_ROOT | RESOLVE_NO_SYMLINKS);
	if (fd < 0)
		die_path(STEP_MASK_PATH, "/dev/null");
	verify_device(fd, "/dev/null", S_IFCHR, makedev(1, 3), STEP_MASK_PATH);
	return fd;
}

/* A directory gets an empty read-only tmpfs, anything else /dev/null (config-linux.md). */
static void mask_path(int root, const char *path, int *dev_null)
{
	int fd = open_target(root, path, STEP_MASK_PATH);
	if (fd < 0)
		return;
	struct stat st;
	if (fstat(fd, &st) < 0)
		die_path(STEP_MASK_PATH, path);
	int tree;
	if (S_ISDIR(st.st_mode)) {
		/* Read-only as a filesystem and as a mount, with "tmpfs" as the source: what runc's
		 * mount("tmpfs", path, "tmpfs", MS_RDONLY) gives, as mountinfo shows it. */
		int ctx = sys_fsopen("tmpfs");
		if (ctx < 0 || sys_fsconfig(ctx, FSCONFIG_SET_STRING, "source", "tmpfs", 0) < 0 ||
		    sys_fsconfig(ctx, FSCONFIG_SET_FLAG, "ro", NULL, 0) < 0 || sys_fsconfig(ctx, FSCONFIG_CMD_CREATE, NULL, NULL, 0) < 0)
			die_path(STEP_MASK_PATH, path);
		tree = sys_fsmount(ctx, MOUNT_ATTR_RDONLY);
		close(ctx);
	} else {
		if (*dev_null < 0)
			*dev_null = open_dev_null(root);
		tree = sys_open_tree(*dev_null, "", OPEN_TREE_CLONE | AT_EMPTY_PATH);
	}
	if (tree < 0 || move_mount_onto(tree, fd) < 0)
		die_path(STEP_MASK_PATH, path);
	close(tree);
	close(fd);
}

/* After pivot_root, in the container's own view: read-only and masked paths, then "/" read-only. */
void finish_rootfs(const struct plan *plan)
{
	int root = open("/", O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root < 0)
		die_path(STEP_READONLY_PATH, "/");
	for (size_t i = 0; i < plan->n_readonly; i++)
		readonly_path(root, plan->readonly[i]);
	int dev_null = -1;
	for (size_t i = 0; i < plan->n_masked; i++)
		mask_path(root, plan->masked[i], &dev_null);
	if (dev_null >= 0)
		close(dev_null);
	close(root);
	if (plan->root_readonly && remount_bind_adding("/", MS_RDONLY) < 0)
		die_path(STEP_ROOT_READONLY, "/");
}
