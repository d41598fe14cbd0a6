/*
 * procfs.h — writes to procfs that no mount, symlink or ".." can redirect (the CVE-2025-52881 class).
 *
 * A procfs handle is opened once and verified: a fresh instance from fsopen("proc") where we may
 * mount one, else a clone of /proc (open_tree), else /proc itself; each must be the root of a
 * procfs (fstatfs PROC_SUPER_MAGIC, inode PROC_ROOT_INO). Files are opened beneath it with
 * openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV), so a
 * file bind-mounted over a procfs file, or a key like "net/../vm/x", fails instead of being written.
 * libpathrs's ProcfsHandle (which runc uses) is the model.
 *
 * Shared by the addon (the runtime's id-map writes) and the init helper (oom_score_adj,
 * timens_offsets, sysctls): no allocation, no output.
 */
#ifndef TSRUNC_PROCFS_H
#define TSRUNC_PROCFS_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* A verified procfs handle (close-on-exec), or -1 with errno. */
int procfs_open(void);

/*
 * Opens `rel` (relative, e.g. "sys/net/ipv4/ip_forward", "123/uid_map") beneath the handle. A
 * leading "self/" names this process as the handle's instance numbers it. A "", "." or ".."
 * component is EINVAL. -1 with errno.
 */
int procfs_open_file(int proc, const char *rel, int flags);

/* Writes `text` to `rel` in one write(2), as procfs files expect. 0, or -1 with errno. */
int procfs_write_file(int proc, const char *rel, const char *text, size_t len);

#ifdef __cplusplus
}
#endif

#endif
