/*
 * idmap.c — idmapped bind mounts (config.md idmap/ridmap, uidMappings/gidMappings), made in stage 1
 * while the init is still in the runtime's namespaces: a source of the host's filesystems can be
 * idmapped only by someone privileged over them, which the init is no longer once inside a new user
 * namespace. Each source tree is cloned (open_tree) and given the idmapping of a user namespace made
 * for it: a child in a new user namespace that only waits, its maps written through the procfs
 * handle, its namespace opened, then let go. Stage 2 moves the tree into place (rootfs.c).
 */
#include "init.h"
#include "../procfs.h"
#include "../syscalls.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef MOUNT_ATTR_IDMAP
#define MOUNT_ATTR_IDMAP 0x00100000
#endif

/* A user namespace with `m`'s maps, as an fd. */
static int idmap_user_namespace(const struct plan_mount *m, int proc)
{
	int hold[2];
	if (pipe2(hold, O_CLOEXEC) < 0)
		die(STEP_IDMAP, errno, "`%s`: pipe", m->destination);
	pid_t child = (pid_t)syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, NULL, NULL, NULL, NULL);
	if (child < 0)
		die(STEP_IDMAP, errno, "`%s`: a user namespace for the mapping", m->destination);
	if (child == 0) {
		char byte;
		close(hold[1]);
		/* Exists only to own the namespace until our parent has opened it. */
		while (read(hold[0], &byte, 1) < 0 && errno == EINTR)
			;
		_exit(0);
	}
	close(hold[0]);
	char rel[64];
	int ns = -1;
	snprintf(rel, sizeof rel, "%d/uid_map", (int)child);
	if (procfs_write_file(proc, rel, m->uid_map, strlen(m->uid_map)) < 0)
		goto fail;
	snprintf(rel, sizeof rel, "%d/gid_map", (int)child);
	if (procfs_write_file(proc, rel, m->gid_map, strlen(m->gid_map)) < 0)
		goto fail;
	/* A namespace link, which procfs_open_file's RESOLVE_NO_MAGICLINKS would refuse: our own child's,
	 * under the verified handle. */
	snprintf(rel, sizeof rel, "%d/ns/user", (int)child);
	ns = openat(proc, rel, O_RDONLY | O_CLOEXEC);
	if (ns < 0)
		goto fail;
	close(hold[1]);
	waitpid(child, NULL, 0);
	return ns;
fail:;
	int err = errno;
	kill(child, SIGKILL);
	close(hold[1]);
	waitpid(child, NULL, 0);
	die(STEP_IDMAP, err, "`%s`: %s", m->destination, rel);
}

void open_idmapped_trees(struct plan *plan, int proc)
{
	int rootfs = -1;
	for (size_t i = 0; i < plan->n_mounts; i++) {
		struct plan_mount *m = &plan->mounts[i];
		if (!(m->options & PLAN_MOUNT_OPT_IDMAP))
			continue;
		int ns = idmap_user_namespace(m, proc);
		/* The source as one handle: a host path, or one inside the rootfs resolved there. */
		int source;
		if (m->options & PLAN_MOUNT_OPT_SOURCE_IN_ROOT) {
			if (rootfs < 0 && (rootfs = open(plan->rootfs, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
				die_path(STEP_RESOLVE, plan->rootfs);
			source = sys_openat2(rootfs, m->source, O_PATH | O_CLOEXEC, RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS);
		} else {
			source = open(m->source, O_PATH | O_CLOEXEC);
		}
		if (source < 0)
			die_path(STEP_RESOLVE, m->source);
		int tree = sys_open_tree(source, "", OPEN_TREE_CLONE | AT_EMPTY_PATH | ((m->flags & MS_REC) ? AT_RECURSIVE : 0));
		if (tree < 0)
			die(STEP_IDMAP, errno, "`%s`: clone `%s`", m->destination, m->source);
		struct mount_attr attr = {.attr_set = MOUNT_ATTR_IDMAP, .userns_fd = (uint64_t)ns};
		if (sys_mount_setattr(tree, "", AT_EMPTY_PATH | ((m->options & PLAN_MOUNT_OPT_IDMAP_RECURSIVE) ? AT_RECURSIVE : 0), &attr) < 0)
			die(STEP_IDMAP, errno, "`%s`: idmap `%s` (its filesystem may not support idmapped mounts)", m->destination, m->source);
		close(ns);
		close(source);
		m->tree_fd = tree;
	}
	if (rootfs >= 0)
		close(rootfs);
}
