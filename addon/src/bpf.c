// bpf.c — see bpf.h.
#include "bpf.h"

#include <errno.h>
#include <linux/bpf.h>
#include <stdint.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static int sys_bpf(int cmd, union bpf_attr *attr) {
  return (int)syscall(SYS_bpf, cmd, attr, sizeof *attr);
}

static int fail(struct bpf_error *error, const char *syscall_name) {
  error->err = errno;
  error->syscall = syscall_name;
  return -1;
}

// Bounded by the cgroup's own attach limit (BPF_CGROUP_MAX_PROGS, 64).
#define MAX_OLD_PROGS 64

int tsrunc_replace_device_program(int cgroup_fd, const void *insns, size_t count, struct bpf_error *error) {
  error->log[0] = '\0';

  // The programs attached now: they go once ours is in place.
  uint32_t old_ids[MAX_OLD_PROGS];
  union bpf_attr query;
  memset(&query, 0, sizeof query);
  query.query.target_fd = (uint32_t)cgroup_fd;
  query.query.attach_type = BPF_CGROUP_DEVICE;
  query.query.prog_ids = (uint64_t)(uintptr_t)old_ids;
  query.query.prog_cnt = MAX_OLD_PROGS;
  if (sys_bpf(BPF_PROG_QUERY, &query) < 0) return fail(error, "bpf(BPF_PROG_QUERY)");
  uint32_t old_count = query.query.prog_cnt;

  union bpf_attr load;
  memset(&load, 0, sizeof load);
  load.prog_type = BPF_PROG_TYPE_CGROUP_DEVICE;
  load.insns = (uint64_t)(uintptr_t)insns;
  load.insn_cnt = (uint32_t)count;
  load.license = (uint64_t)(uintptr_t)"Apache";
  strncpy(load.prog_name, "tsrunc_devices", sizeof load.prog_name - 1);
  int prog = sys_bpf(BPF_PROG_LOAD, &load);
  if (prog < 0) {
    // Again with the verifier's log, for the error message only.
    int err = errno;
    load.log_level = 1;
    load.log_buf = (uint64_t)(uintptr_t)error->log;
    load.log_size = sizeof error->log;
    int again = sys_bpf(BPF_PROG_LOAD, &load);
    if (again >= 0) close(again);
    errno = err;
    return fail(error, "bpf(BPF_PROG_LOAD)");
  }

  union bpf_attr attach;
  memset(&attach, 0, sizeof attach);
  attach.target_fd = (uint32_t)cgroup_fd;
  attach.attach_bpf_fd = (uint32_t)prog;
  attach.attach_type = BPF_CGROUP_DEVICE;
  attach.attach_flags = BPF_F_ALLOW_MULTI;
  if (sys_bpf(BPF_PROG_ATTACH, &attach) < 0) {
    int err = errno;
    close(prog);
    errno = err;
    return fail(error, "bpf(BPF_PROG_ATTACH)");
  }
  close(prog);  // the cgroup holds it now

  for (uint32_t i = 0; i < old_count; i++) {
    union bpf_attr by_id;
    memset(&by_id, 0, sizeof by_id);
    by_id.prog_id = old_ids[i];
    int old = sys_bpf(BPF_PROG_GET_FD_BY_ID, &by_id);
    if (old < 0) {
      if (errno == ENOENT) continue;  // already gone
      return fail(error, "bpf(BPF_PROG_GET_FD_BY_ID)");
    }
    union bpf_attr detach;
    memset(&detach, 0, sizeof detach);
    detach.target_fd = (uint32_t)cgroup_fd;
    detach.attach_bpf_fd = (uint32_t)old;
    detach.attach_type = BPF_CGROUP_DEVICE;
    int r = sys_bpf(BPF_PROG_DETACH, &detach);
    int err = errno;
    close(old);
    if (r < 0 && err != ENOENT) {
      errno = err;
      return fail(error, "bpf(BPF_PROG_DETACH)");
    }
  }
  return 0;
}
