/*
 * seccomp.h — compiles a seccomp profile into cBPF with libseccomp, the library whose semantics the
 * runtime-spec names (and that runc, crun and youki use). The runtime calls it while building the
 * plan; the init helper only loads the bytes (one seccomp(2) call) and never parses policy.
 *
 * The profile arrives already checked and expanded by TypeScript (src/plan/seccomp.ts): numeric
 * actions and operators, one rule per syscall name. This file only talks to libseccomp.
 */
#ifndef TSRUNC_SECCOMP_H
#define TSRUNC_SECCOMP_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct seccomp_cond {
	uint32_t index, op; /* op: enum scmp_compare */
	uint64_t a, b;
};

struct seccomp_rule {
	const char *name;
	uint32_t action; /* SCMP_ACT_* value */
	uint32_t n_conds;
	const struct seccomp_cond *conds;
};

struct seccomp_profile {
	uint32_t default_action;
	const char *const *archs; /* libseccomp names: "x86", "x86_64", "x32", … */
	size_t n_archs;
	const struct seccomp_rule *rules;
	size_t n_rules;
	int optimize; /* SCMP_FLTATR_CTL_OPTIMIZE = 2 (binary tree), as runc sets it for long profiles */
};

/* An architecture of the filter and the largest syscall number a rule names for it (0: none). */
struct seccomp_arch_info {
	uint32_t token;
	uint32_t last_syscall;
};

struct seccomp_result {
	void *program; /* struct sock_filter[], malloc'd */
	size_t program_len; /* bytes */
	const char **skipped; /* rule names libseccomp does not know; pointers into the profile */
	size_t n_skipped;
	struct seccomp_arch_info archs[32]; /* the native one first */
	size_t n_archs;
};

/*
 * 0 on success. On failure -1, with `what` naming the failed step and `detail` the name (an
 * architecture or a syscall) and `err` the errno libseccomp gave.
 */
int tsrunc_seccomp_compile(const struct seccomp_profile *profile, struct seccomp_result *out, const char **what,
			   const char **detail, int *err);
void tsrunc_seccomp_free(struct seccomp_result *out);

/* libseccomp's version, for `features` and messages. */
void tsrunc_seccomp_version(unsigned *major, unsigned *minor, unsigned *micro);

/* Whether libseccomp knows an architecture name ("x86_64", "x32", …). */
int tsrunc_seccomp_arch_known(const char *name);

/* Whether this kernel accepts seccomp(SECCOMP_SET_MODE_FILTER) with `flag` (probed without loading). */
int tsrunc_seccomp_flag_supported(unsigned long flag);

#ifdef __cplusplus
}
#endif

#endif
