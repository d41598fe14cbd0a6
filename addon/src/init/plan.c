/*
 * plan.c — decodes the plan (wire format in plan.h) from its memfd.
 *
 * Strings point into the buffer read here (each is NUL-terminated on the wire), so decoding copies
 * nothing. A malformed or unknown record fails the whole plan: running half a plan is never right.
 */
#include "init.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct cursor {
	const uint8_t *p, *end;
};

static int take(struct cursor *c, void *out, size_t n)
{
	if ((size_t)(c->end - c->p) < n)
		return -1;
	memcpy(out, c->p, n);
	c->p += n;
	return 0;
}

#define TAKE(c, v)                                                                                  \
	do {                                                                                        \
		if (take((c), &(v), sizeof(v)) < 0)                                                 \
			return -1;                                                                  \
	} while (0)

static int take_str(struct cursor *c, const char **out)
{
	uint32_t len;
	if (take(c, &len, sizeof len) < 0 || (size_t)(c->end - c->p) < (size_t)len + 1 || c->p[len] != 0)
		return -1;
	*out = (const char *)c->p;
	c->p += (size_t)len + 1;
	return 0;
}

/* u32 length, then that many raw bytes (a binary payload, no NUL). */
static int take_bytes(struct cursor *c, const void **out, uint32_t *len)
{
	if (take(c, len, sizeof *len) < 0 || (size_t)(c->end - c->p) < (size_t)*len)
		return -1;
	*out = c->p;
	c->p += *len;
	return 0;
}

#define STR(c, v)                                                                                   \
	do {                                                                                        \
		if (take_str((c), &(v)) < 0)                                                        \
			return -1;                                                                  \
	} while (0)

/* Appends one zeroed element to a growable array; returns it. */
static void *grow(void **array, size_t *count, size_t size)
{
	void *next = realloc(*array, (*count + 1) * size);
	if (!next)
		return NULL;
	*array = next;
	void *elem = (char *)next + *count * size;
	memset(elem, 0, size);
	(*count)++;
	return elem;
}

#define APPEND(arr, n) ((__typeof__(arr))grow((void **)&(arr), &(n), sizeof(*(arr))))

/* u32 n, then n strings: into a NULL-terminated array. */
static int decode_strings(struct cursor *c, char ***out)
{
	uint32_t n;
	TAKE(c, n);
	if (n > 65536)
		return -1;
	char **list = calloc((size_t)n + 1, sizeof *list);
	if (!list)
		return -1;
	for (uint32_t i = 0; i < n; i++)
		STR(c, *(const char **)&list[i]);
	*out = list;
	return 0;
}

static int decode_record(uint16_t tag, struct cursor *c, struct plan *plan)
{
	switch (tag) {
	case PLAN_NS_JOIN: {
		struct plan_ns_join *j = APPEND(plan->joins, plan->n_joins);
		if (!j)
			return -1;
		TAKE(c, j->nstype);
		STR(c, j->path);
		return 0;
	}
	case PLAN_NS_NEW:
		TAKE(c, plan->new_ns);
		return 0;
	case PLAN_TIME_OFFSETS:
		STR(c, plan->time_offsets);
		return 0;
	case PLAN_ROOTFS:
		STR(c, plan->rootfs);
		return 0;
	case PLAN_ROOTFS_PROPAGATION:
		TAKE(c, plan->propagation);
		TAKE(c, plan->parent_propagation);
		TAKE(c, plan->propagation_after_pivot);
		return 0;
	case PLAN_ROOT_READONLY:
		plan->root_readonly = 1;
		return 0;
	case PLAN_NO_PIVOT:
		plan->no_pivot = 1;
		return 0;
	case PLAN_NO_MOUNT_NS:
		plan->no_mount_ns = 1;
		return 0;
	case PLAN_MOUNT: {
		struct plan_mount *m = APPEND(plan->mounts, plan->n_mounts);
		if (!m)
			return -1;
		TAKE(c, m->kind);
		TAKE(c, m->options);
		TAKE(c, m->flags);
		TAKE(c, m->propagation);
		TAKE(c, m->attr_set);
		TAKE(c, m->attr_clr);
		STR(c, m->source);
		STR(c, m->destination);
		STR(c, m->fstype);
		STR(c, m->data);
		m->tree_fd = -1;
		return 0;
	}
	case PLAN_MOUNT_IDMAP: {
		if (plan->n_mounts == 0)
			return -1;
		struct plan_mount *m = &plan->mounts[plan->n_mounts - 1];
		if (!(m->options & PLAN_MOUNT_OPT_IDMAP) || m->kind != PLAN_MOUNT_BIND)
			return -1;
		STR(c, m->uid_map);
		STR(c, m->gid_map);
		return 0;
	}
	case PLAN_DEVICE: {
		struct plan_device *d = APPEND(plan->devices, plan->n_devices);
		if (!d)
			return -1;
		TAKE(c, d->mode);
		TAKE(c, d->major);
		TAKE(c, d->minor);
		TAKE(c, d->uid);
		TAKE(c, d->gid);
		STR(c, d->path);
		STR(c, d->bind_source);
		return 0;
	}
	case PLAN_SYMLINK: {
		struct plan_pair *s = APPEND(plan->symlinks, plan->n_symlinks);
		if (!s)
			return -1;
		STR(c, s->a);
		STR(c, s->b);
		return 0;
	}
	case PLAN_MASKED_PATH: {
		const char **p = APPEND(plan->masked, plan->n_masked);
		if (!p)
			return -1;
		STR(c, *p);
		return 0;
	}
	case PLAN_READONLY_PATH: {
		const char **p = APPEND(plan->readonly, plan->n_readonly);
		if (!p)
			return -1;
		STR(c, *p);
		return 0;
	}
	case PLAN_HOSTNAME:
		STR(c, plan->hostname);
		return 0;
	case PLAN_DOMAINNAME:
		STR(c, plan->domainname);
		return 0;
	case PLAN_SYSCTL: {
		struct plan_pair *s = APPEND(plan->sysctls, plan->n_sysctls);
		if (!s)
			return -1;
		STR(c, s->a);
		STR(c, s->b);
		return 0;
	}
	case PLAN_EXEC_FIFO:
		STR(c, plan->exec_fifo);
		return 0;
	case PLAN_HOOK_STATE:
		STR(c, plan->hook_state_prefix);
		STR(c, plan->hook_state_suffix);
		return 0;
	case PLAN_PRESERVE_FDS:
		TAKE(c, plan->preserve_fds);
		return 0;
	case PLAN_TERMINAL:
		plan->terminal = 1;
		TAKE(c, plan->console_rows);
		TAKE(c, plan->console_cols);
		return 0;
	case PLAN_SYNC_HOOKS:
		plan->sync_hooks = 1;
		return 0;
	case PLAN_HOOK: {
		struct plan_hook *h = APPEND(plan->hooks, plan->n_hooks);
		if (!h)
			return -1;
		h->fd = -1;
		TAKE(c, h->kind);
		TAKE(c, h->timeout);
		STR(c, h->path);
		if (decode_strings(c, &h->argv) < 0 || decode_strings(c, &h->envp) < 0)
			return -1;
		return 0;
	}
	case PLAN_RLIMIT: {
		struct plan_rlimit *r = APPEND(plan->rlimits, plan->n_rlimits);
		if (!r)
			return -1;
		TAKE(c, r->resource);
		TAKE(c, r->soft);
		TAKE(c, r->hard);
		return 0;
	}
	case PLAN_OOM_SCORE_ADJ:
		plan->has_oom_score_adj = 1;
		TAKE(c, plan->oom_score_adj);
		return 0;
	case PLAN_USER: {
		uint32_t n;
		TAKE(c, plan->uid);
		TAKE(c, plan->gid);
		TAKE(c, plan->umask);
		TAKE(c, n);
		if (n > 65536)
			return -1;
		for (uint32_t i = 0; i < n; i++) {
			uint32_t *g = APPEND(plan->gids, plan->n_gids);
			if (!g)
				return -1;
			TAKE(c, *g);
		}
		return 0;
	}
	case PLAN_CAPS:
		plan->has_caps = 1;
		TAKE(c, plan->cap_bounding);
		TAKE(c, plan->cap_effective);
		TAKE(c, plan->cap_permitted);
		TAKE(c, plan->cap_inheritable);
		TAKE(c, plan->cap_ambient);
		return 0;
	case PLAN_NO_NEW_PRIVS:
		plan->no_new_privs = 1;
		return 0;
	case PLAN_ARG: {
		char **a = APPEND(plan->argv, plan->argc);
		if (!a)
			return -1;
		STR(c, *(const char **)a);
		return 0;
	}
	case PLAN_ENV: {
		char **e = APPEND(plan->envp, plan->envc);
		if (!e)
			return -1;
		STR(c, *(const char **)e);
		return 0;
	}
	case PLAN_CWD:
		STR(c, plan->cwd);
		return 0;
	case PLAN_EXEC_PATH:
		STR(c, plan->exec_path);
		return 0;
	case PLAN_SECCOMP:
		TAKE(c, plan->seccomp_flags);
		TAKE(c, plan->seccomp_stage);
		if (take_bytes(c, &plan->seccomp_program, &plan->seccomp_len) < 0 || plan->seccomp_len == 0 ||
		    plan->seccomp_len % 8 != 0 || plan->seccomp_len / 8 > 0xffff)
			return -1;
		plan->has_seccomp = 1;
		return 0;
	case PLAN_SCHEDULER:
		TAKE(c, plan->sched_policy);
		TAKE(c, plan->sched_flags);
		TAKE(c, plan->sched_nice);
		TAKE(c, plan->sched_priority);
		TAKE(c, plan->sched_runtime);
		TAKE(c, plan->sched_deadline);
		TAKE(c, plan->sched_period);
		plan->has_scheduler = 1;
		return 0;
	case PLAN_IO_PRIORITY:
		TAKE(c, plan->io_priority);
		plan->has_io_priority = 1;
		return 0;
	case PLAN_PERSONALITY:
		TAKE(c, plan->personality);
		plan->has_personality = 1;
		return 0;
	case PLAN_MEMORY_POLICY:
		TAKE(c, plan->memory_policy_mode);
		if (take_bytes(c, &plan->memory_policy_nodes, &plan->memory_policy_nodes_len) < 0 || plan->memory_policy_nodes_len % 8 != 0)
			return -1;
		plan->has_memory_policy = 1;
		return 0;
	case PLAN_CPU_AFFINITY: {
		uint32_t stage;
		TAKE(c, stage);
		if (stage > PLAN_CPU_AFFINITY_FINAL)
			return -1;
		if (take_bytes(c, &plan->cpu_affinity[stage], &plan->cpu_affinity_len[stage]) < 0 || plan->cpu_affinity_len[stage] == 0 ||
		    plan->cpu_affinity_len[stage] % 8 != 0)
			return -1;
		return 0;
	}
	case PLAN_APPARMOR_PROFILE:
		return take_str(c, &plan->apparmor_profile);
	case PLAN_SELINUX_LABEL:
		return take_str(c, &plan->selinux_label);
	case PLAN_NETNS_SOCKET:
		plan->netns_socket = 1;
		return 0;
	default:
		errno = ENOTSUP;
		return -1;
	}
}

/* Reads and decodes the plan; -1 with errno (EINVAL for a malformed plan). */
int plan_read(int fd, struct plan *plan)
{
	struct stat st;
	if (fstat(fd, &st) < 0)
		return -1;
	size_t size = (size_t)st.st_size;
	uint8_t *buf = malloc(size ? size : 1);
	if (!buf)
		return -1;
	for (size_t done = 0; done < size;) {
		ssize_t n = pread(fd, buf + done, size - done, (off_t)done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			errno = n < 0 ? errno : EINVAL;
			return -1;
		}
		done += (size_t)n;
	}

	memset(plan, 0, sizeof *plan);
	plan->umask = PLAN_UMASK_UNSET;
	struct cursor c = {buf, buf + size};
	uint32_t magic, version, count;
	errno = EINVAL;
	if (take(&c, &magic, 4) < 0 || take(&c, &version, 4) < 0 || take(&c, &count, 4) < 0)
		return -1;
	if (magic != PLAN_MAGIC || version != PLAN_VERSION)
		return -1;
	for (uint32_t i = 0; i < count; i++) {
		uint16_t tag, reserved;
		uint32_t len;
		errno = EINVAL;
		if (take(&c, &tag, 2) < 0 || take(&c, &reserved, 2) < 0 || take(&c, &len, 4) < 0)
			return -1;
		if ((size_t)(c.end - c.p) < len)
			return -1;
		struct cursor rec = {c.p, c.p + len};
		errno = EINVAL;
		if (decode_record(tag, &rec, plan) < 0)
			return -1;
		if (rec.p != rec.end) { /* a record longer than its fields: the two sides disagree */
			errno = EINVAL;
			return -1;
		}
		c.p += len;
	}
	/* Without ROOTFS the plan is an exec into a running container: it has no rootfs or gate. A
	 * container's plan without ARG records is a config.json without a process (hold_without_process). */
	if (c.p != c.end || (plan->rootfs && !plan->exec_fifo) || !plan->cwd || (plan->argc == 0 && !plan->exec_fifo)) {
		errno = EINVAL;
		return -1;
	}
	/* NULL-terminate argv and envp for execve. */
	char **a = APPEND(plan->argv, plan->argc);
	char **e = APPEND(plan->envp, plan->envc);
	if (!a || !e)
		return -1;
	plan->argc--;
	plan->envc--;
	return 0;
}
