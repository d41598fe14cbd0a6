/*
 * seccomp.c — see seccomp.h.
 */
#include "seccomp.h"

#include <errno.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

static int fail(const char **what, const char *step, const char **detail, const char *name, int *err, int rc)
{
	*what = step;
	*detail = name;
	*err = rc < 0 ? -rc : EINVAL;
	return -1;
}

/* seccomp_export_bpf writes to an fd (libseccomp 2.5 has no in-memory export): a memfd, read back. */
static int export_program(scmp_filter_ctx ctx, struct seccomp_result *out)
{
	int fd = memfd_create("tsrunc-seccomp", MFD_CLOEXEC);
	if (fd < 0)
		return -errno;
	int rc = seccomp_export_bpf(ctx, fd);
	off_t size = rc == 0 ? lseek(fd, 0, SEEK_END) : -1;
	if (rc == 0 && size <= 0)
		rc = -EIO;
	if (rc == 0) {
		out->program = malloc((size_t)size);
		if (!out->program || pread(fd, out->program, (size_t)size, 0) != size)
			rc = -EIO;
		else
			out->program_len = (size_t)size;
	}
	close(fd);
	return rc;
}

static void note_arch(struct seccomp_result *out, uint32_t token)
{
	for (size_t i = 0; i < out->n_archs; i++)
		if (out->archs[i].token == token)
			return;
	if (out->n_archs < sizeof out->archs / sizeof out->archs[0])
		out->archs[out->n_archs++] = (struct seccomp_arch_info){token, 0};
}

int tsrunc_seccomp_compile(const struct seccomp_profile *p, struct seccomp_result *out, const char **what,
			   const char **detail, int *err)
{
	memset(out, 0, sizeof *out);
	scmp_filter_ctx ctx = seccomp_init(p->default_action);
	if (!ctx)
		return fail(what, "seccomp_init", detail, NULL, err, -EINVAL);
	int rc;
	note_arch(out, seccomp_arch_native());
	for (size_t i = 0; i < p->n_archs; i++) {
		uint32_t token = seccomp_arch_resolve_name(p->archs[i]);
		if (token == 0) {
			seccomp_release(ctx);
			return fail(what, "seccomp_arch_resolve_name", detail, p->archs[i], err, -EINVAL);
		}
		rc = seccomp_arch_add(ctx, token);
		if (rc < 0 && rc != -EEXIST) {
			seccomp_release(ctx);
			return fail(what, "seccomp_arch_add", detail, p->archs[i], err, rc);
		}
		note_arch(out, token);
	}
	/* The attributes runc sets; neither changes what the program decides. */
	seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0);
	if (p->optimize)
		seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);

	out->skipped = calloc(p->n_rules ? p->n_rules : 1, sizeof *out->skipped);
	if (!out->skipped) {
		seccomp_release(ctx);
		return fail(what, "calloc", detail, NULL, err, -ENOMEM);
	}
	for (size_t i = 0; i < p->n_rules; i++) {
		const struct seccomp_rule *r = &p->rules[i];
		/* Resolved for the native architecture, as runc does: a name it does not know (newer than
		 * this libseccomp, or another architecture's) is skipped, never fatal. */
		int nr = seccomp_syscall_resolve_name(r->name);
		if (nr == __NR_SCMP_ERROR) {
			out->skipped[out->n_skipped++] = r->name;
			continue;
		}
		for (size_t a = 0; a < out->n_archs; a++) {
			int arch_nr = seccomp_syscall_resolve_name_arch(out->archs[a].token, r->name);
			if (arch_nr > 0 && (uint32_t)arch_nr > out->archs[a].last_syscall)
				out->archs[a].last_syscall = (uint32_t)arch_nr;
		}
		struct scmp_arg_cmp conds[6];
		if (r->n_conds > 6) {
			seccomp_release(ctx);
			return fail(what, "seccomp_rule_add", detail, r->name, err, -E2BIG);
		}
		for (uint32_t c = 0; c < r->n_conds; c++)
			conds[c] = (struct scmp_arg_cmp){r->conds[c].index, (enum scmp_compare)r->conds[c].op, r->conds[c].a, r->conds[c].b};
		rc = seccomp_rule_add_array(ctx, r->action, nr, r->n_conds, conds);
		if (rc < 0) {
			seccomp_release(ctx);
			return fail(what, "seccomp_rule_add", detail, r->name, err, rc);
		}
	}
	rc = export_program(ctx, out);
	seccomp_release(ctx);
	if (rc < 0)
		return fail(what, "seccomp_export_bpf", detail, NULL, err, rc);
	return 0;
}

void tsrunc_seccomp_free(struct seccomp_result *out)
{
	free(out->program);
	free(out->skipped);
	memset(out, 0, sizeof *out);
}

void tsrunc_seccomp_version(unsigned *major, unsigned *minor, unsigned *micro)
{
	const struct scmp_version *v = seccomp_version();
	*major = v->major;
	*minor = v->minor;
	*micro = v->micro;
}

int tsrunc_seccomp_flag_supported(unsigned long flag)
{
	/* With no program the kernel checks the flags first: EINVAL for one it does not know, EFAULT
	 * (the NULL program) for one it does. Nothing is loaded either way. */
	long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flag, NULL);
	return rc < 0 && errno == EFAULT;
}

int tsrunc_seccomp_arch_known(const char *name)
{
	return seccomp_arch_resolve_name(name) != 0;
}
