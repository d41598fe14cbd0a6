/*
 * syscalls.h — the file-descriptor based VFS calls (openat2, the new mount API) that glibc 2.36
 * either lacks or declares in a header that conflicts with <sys/mount.h>. Thin inline wrappers over
 * syscall(2): -1 with errno on failure, as libc calls are.
 *
 * They let a path from config.json be resolved once, into a handle, and every later operation
 * (mount onto it, bind from it, write to it) act on that handle: nothing can swap a symlink or a
 * mount in between (the CVE-2021-30465, CVE-2025-31133 and CVE-2025-52881 classes).
 */
#ifndef TSRUNC_SYSCALLS_H
#define TSRUNC_SYSCALLS_H

#include <fcntl.h>
#include <linux/mount.h>
#include <linux/openat2.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef MOUNT_ATTR_SIZE_VER0
struct mount_attr {
	uint64_t attr_set, attr_clr, propagation, userns_fd;
};
#endif

#ifndef PROC_SUPER_MAGIC
#define PROC_SUPER_MAGIC 0x9fa0
#endif
#ifndef DEVPTS_SUPER_MAGIC
#define DEVPTS_SUPER_MAGIC 0x1cd1
#endif
/* The root directory of every procfs instance (fs/proc/root.c). */
#define PROC_ROOT_INO 1

/* Resolution for a path that must stay beneath its starting handle and name exactly one file. */
#define RESOLVE_STRICT_BENEATH (RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV)

static inline int sys_openat2(int dirfd, const char *path, uint64_t flags, uint64_t resolve)
{
	struct open_how how = {.flags = flags | O_CLOEXEC, .mode = 0, .resolve = resolve};
	return (int)syscall(SYS_openat2, dirfd, path, &how, sizeof how);
}

static inline int sys_open_tree(int dirfd, const char *path, unsigned int flags)
{
	return (int)syscall(SYS_open_tree, dirfd, path, flags | OPEN_TREE_CLOEXEC);
}

static inline int sys_move_mount(int from_dirfd, const char *from_path, int to_dirfd, const char *to_path, unsigned int flags)
{
	return (int)syscall(SYS_move_mount, from_dirfd, from_path, to_dirfd, to_path, flags);
}

static inline int sys_fsopen(const char *fstype)
{
	return (int)syscall(SYS_fsopen, fstype, FSOPEN_CLOEXEC);
}

static inline int sys_fsconfig(int fd, unsigned int cmd, const char *key, const void *value, int aux)
{
	return (int)syscall(SYS_fsconfig, fd, cmd, key, value, aux);
}

static inline int sys_fsmount(int fd, unsigned int attr_flags)
{
	return (int)syscall(SYS_fsmount, fd, FSMOUNT_CLOEXEC, attr_flags);
}

static inline int sys_mount_setattr(int dirfd, const char *path, unsigned int flags, struct mount_attr *attr)
{
	return (int)syscall(SYS_mount_setattr, dirfd, path, flags, attr, sizeof *attr);
}

/* Moves a detached mount (from open_tree or fsmount) onto the file or directory `target` refers to. */
static inline int move_mount_onto(int tree, int target)
{
	return sys_move_mount(tree, "", target, "", MOVE_MOUNT_F_EMPTY_PATH | MOVE_MOUNT_T_EMPTY_PATH);
}

#endif
