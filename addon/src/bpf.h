// bpf.h — loading and attaching the cgroup v2 device program that TypeScript compiled
// (src/cgroups/device-program.ts). The program is data to this code: it decides nothing.
#pragma once
#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

struct bpf_error {
  int err;
  const char *syscall;
  /** The verifier's log when BPF_PROG_LOAD refused the program. */
  char log[4096];
};

/**
 * Loads `count` instructions as a BPF_PROG_TYPE_CGROUP_DEVICE program and attaches it to the
 * cgroup directory `cgroup_fd` (BPF_F_ALLOW_MULTI), then detaches the device programs that were
 * attached there before, so an update replaces the rules without a moment of none.
 * 0, or -1 with `error` filled in.
 */
int tsrunc_replace_device_program(int cgroup_fd, const void *insns, size_t count, struct bpf_error *error);

#ifdef __cplusplus
}
#endif
