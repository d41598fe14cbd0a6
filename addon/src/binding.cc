// binding.cc — the Node face of the executor. Each function is one coarse call that takes plain
// values; policy lives in TypeScript (src/native.ts is the only importer). Failures throw an Error
// carrying code (errno name), errno, syscall and path, which src/native.ts turns into SyscallError.
#include <napi.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <sys/file.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bpf.h"
#include "procfs.h"
#include "seccomp.h"

#include <string>
#include <vector>
#include "netlink.h"
#include "spawn.h"
#include "sync.h"

namespace {

Napi::Value ThrowErrno(Napi::Env env, int err, const char *syscall, const char *path) {
  const char *name = strerrorname_np(err);
  std::string message = std::string(syscall) + (path ? std::string(" `") + path + "`" : std::string()) + ": " +
                        strerror(err) + " (" + (name ? name : "?") + ")";
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, name ? name : "EUNKNOWN"));
  error.Set("errno", Napi::Number::New(env, err));
  error.Set("syscall", Napi::String::New(env, syscall));
  if (path) error.Set("path", Napi::String::New(env, path));
  error.ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Value ThrowType(Napi::Env env, const char *what) {
  Napi::TypeError::New(env, what).ThrowAsJavaScriptException();
  return env.Undefined();
}

Napi::Object StatusObject(Napi::Env env, pid_t pid, int status) {
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, pid));
  if (WIFEXITED(status)) {
    out.Set("exitCode", Napi::Number::New(env, WEXITSTATUS(status)));
    out.Set("signal", env.Null());
  } else {
    out.Set("exitCode", env.Null());
    out.Set("signal", Napi::Number::New(env, WIFSIGNALED(status) ? WTERMSIG(status) : 0));
  }
  return out;
}

// spawnInit(helperPath: string, plan: Buffer): { pid, syncFd }
Napi::Value SpawnInit(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsString() || !info[1].IsBuffer())
    return ThrowType(env, "spawnInit(helperPath: string, plan: Buffer)");
  std::string helper = info[0].As<Napi::String>();
  Napi::Buffer<char> plan = info[1].As<Napi::Buffer<char>>();
  struct spawn_result result;
  struct spawn_error error = {};
  int console_fd = info.Length() > 2 && info[2].IsNumber() ? info[2].As<Napi::Number>().Int32Value() : -1;
  int preserve_fds = info.Length() > 3 && info[3].IsNumber() ? info[3].As<Napi::Number>().Int32Value() : 0;
  if (tsrunc_spawn_init(helper.c_str(), plan.Data(), plan.Length(), console_fd, preserve_fds, &result, &error) < 0)
    return ThrowErrno(env, error.err, error.syscall, error.path);
  Napi::Object out = Napi::Object::New(env);
  out.Set("pid", Napi::Number::New(env, result.pid));
  out.Set("syncFd", Napi::Number::New(env, result.sync_fd));
  return out;
}

// writeProcFile(pid, file, text): void. Writes /proc/<pid>/<file> through a verified procfs handle
// (procfs.h), opened once per process: a mount over /proc cannot redirect it.
Napi::Value WriteProcFile(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsString())
    return ThrowType(env, "writeProcFile(pid: number, file: string, text: string)");
  static int proc = -1;
  if (proc < 0 && (proc = procfs_open()) < 0) return ThrowErrno(env, errno, "open procfs", "/proc");
  std::string rel = std::to_string(info[0].As<Napi::Number>().Int32Value()) + "/" + info[1].As<Napi::String>().Utf8Value();
  std::string text = info[2].As<Napi::String>();
  if (procfs_write_file(proc, rel.c_str(), text.data(), text.size()) < 0)
    return ThrowErrno(env, errno, "write", ("/proc/" + rel).c_str());
  return env.Undefined();
}

// compileSeccomp({ defaultAction, architectures, rules: [{ name, action, args: [{ index, op, a, b }] }],
// optimize }): { program: Buffer, skipped: string[], archs: [{ token, lastSyscall }] }. The profile is
// already checked and expanded by src/plan/seccomp.ts; see seccomp.h.
Napi::Value CompileSeccomp(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsObject()) return ThrowType(env, "compileSeccomp(profile: object)");
  Napi::Object in = info[0].As<Napi::Object>();
  std::vector<std::string> archNames, names;
  Napi::Array archs = in.Get("architectures").As<Napi::Array>();
  for (uint32_t i = 0; i < archs.Length(); i++) archNames.push_back(archs.Get(i).As<Napi::String>());
  Napi::Array rules = in.Get("rules").As<Napi::Array>();
  std::vector<std::vector<seccomp_cond>> conds(rules.Length());
  std::vector<seccomp_rule> ruleList(rules.Length());
  for (uint32_t i = 0; i < rules.Length(); i++) {
    Napi::Object r = rules.Get(i).As<Napi::Object>();
    names.push_back(r.Get("name").As<Napi::String>());
    Napi::Array args = r.Get("args").As<Napi::Array>();
    for (uint32_t j = 0; j < args.Length(); j++) {
      Napi::Object a = args.Get(j).As<Napi::Object>();
      bool lossless = true;
      conds[i].push_back({a.Get("index").As<Napi::Number>().Uint32Value(), a.Get("op").As<Napi::Number>().Uint32Value(),
                          a.Get("a").As<Napi::BigInt>().Uint64Value(&lossless), a.Get("b").As<Napi::BigInt>().Uint64Value(&lossless)});
    }
    ruleList[i].action = r.Get("action").As<Napi::Number>().Uint32Value();
  }
  std::vector<const char *> archPtrs;
  for (auto &a : archNames) archPtrs.push_back(a.c_str());
  for (uint32_t i = 0; i < rules.Length(); i++) {
    ruleList[i].name = names[i].c_str();
    ruleList[i].n_conds = (uint32_t)conds[i].size();
    ruleList[i].conds = conds[i].data();
  }
  seccomp_profile profile = {in.Get("defaultAction").As<Napi::Number>().Uint32Value(), archPtrs.data(), archPtrs.size(),
                             ruleList.data(), ruleList.size(), in.Get("optimize").ToBoolean()};
  seccomp_result result;
  const char *what = nullptr, *detail = nullptr;
  int err = 0;
  if (tsrunc_seccomp_compile(&profile, &result, &what, &detail, &err) < 0) return ThrowErrno(env, err, what, detail);
  Napi::Object out = Napi::Object::New(env);
  out.Set("program", Napi::Buffer<char>::Copy(env, static_cast<char *>(result.program), result.program_len));
  Napi::Array skipped = Napi::Array::New(env, result.n_skipped);
  for (size_t i = 0; i < result.n_skipped; i++) skipped.Set(i, Napi::String::New(env, result.skipped[i]));
  out.Set("skipped", skipped);
  Napi::Array archInfo = Napi::Array::New(env, result.n_archs);
  for (size_t i = 0; i < result.n_archs; i++) {
    Napi::Object a = Napi::Object::New(env);
    a.Set("token", Napi::Number::New(env, result.archs[i].token));
    a.Set("lastSyscall", Napi::Number::New(env, result.archs[i].last_syscall));
    archInfo.Set(i, a);
  }
  out.Set("archs", archInfo);
  tsrunc_seccomp_free(&result);
  return out;
}

// seccompInfo(flags: number[], archs?: string[]): { version, supported: boolean[], archs: boolean[] }:
// libseccomp's version, whether the kernel takes each seccomp(2) flag, whether libseccomp knows each
// architecture name ("x86_64"); for `features` and the plan.
Napi::Value SeccompInfo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  unsigned major, minor, micro;
  tsrunc_seccomp_version(&major, &minor, &micro);
  Napi::Object out = Napi::Object::New(env);
  out.Set("version", Napi::String::New(env, std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(micro)));
  Napi::Array flags = info[0].As<Napi::Array>();
  Napi::Array supported = Napi::Array::New(env, flags.Length());
  for (uint32_t i = 0; i < flags.Length(); i++)
    supported.Set(i, Napi::Boolean::New(env, tsrunc_seccomp_flag_supported(flags.Get(i).As<Napi::Number>().Uint32Value())));
  out.Set("supported", supported);
  Napi::Array names = info.Length() > 1 && info[1].IsArray() ? info[1].As<Napi::Array>() : Napi::Array::New(env);
  Napi::Array known = Napi::Array::New(env, names.Length());
  for (uint32_t i = 0; i < names.Length(); i++) {
    std::string name = names.Get(i).As<Napi::String>();
    known.Set(i, Napi::Boolean::New(env, tsrunc_seccomp_arch_known(name.c_str())));
  }
  out.Set("archs", known);
  return out;
}

// unmount(path): void — umount2(MNT_DETACH): a mount left by a container without a mount namespace.
Napi::Value Unmount(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string target = info[0].As<Napi::String>();
  if (umount2(target.c_str(), MNT_DETACH | UMOUNT_NOFOLLOW) < 0) return ThrowErrno(env, errno, "umount", target.c_str());
  return env.Undefined();
}

// syncSend(fd, type, value): void
Napi::Value SyncSend(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct sync_msg msg = {};
  int fd = info[0].As<Napi::Number>().Int32Value();
  msg.type = info[1].As<Napi::Number>().Uint32Value();
  msg.value = info.Length() > 2 ? info[2].As<Napi::Number>().Int32Value() : 0;
  ssize_t n;
  do n = send(fd, &msg, sizeof msg, MSG_NOSIGNAL);
  while (n < 0 && errno == EINTR);
  if (n < 0) return ThrowErrno(env, errno, "send", "sync socket");
  return env.Undefined();
}

// syncRecv(fd, timeoutMs): { type, err, step, value, text } | null on EOF; throws ETIMEDOUT.
Napi::Value SyncRecv(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int timeout = info[1].As<Napi::Number>().Int32Value();
  struct pollfd pfd = {fd, POLLIN, 0};
  int ready;
  do ready = poll(&pfd, 1, timeout);
  while (ready < 0 && errno == EINTR);
  if (ready < 0) return ThrowErrno(env, errno, "poll", "sync socket");
  if (ready == 0) return ThrowErrno(env, ETIMEDOUT, "recv", "sync socket");
  struct sync_msg msg;
  ssize_t n;
  do n = recv(fd, &msg, sizeof msg, 0);
  while (n < 0 && errno == EINTR);
  if (n < 0 && errno == ECONNRESET) n = 0;
  if (n < 0) return ThrowErrno(env, errno, "recv", "sync socket");
  if (n == 0) return env.Null();
  if ((size_t)n != sizeof msg) return ThrowErrno(env, EBADMSG, "recv", "sync socket");
  msg.text[SYNC_TEXT_MAX - 1] = '\0';
  Napi::Object out = Napi::Object::New(env);
  out.Set("type", Napi::Number::New(env, msg.type));
  out.Set("err", Napi::Number::New(env, msg.err));
  out.Set("step", Napi::Number::New(env, msg.step));
  out.Set("value", Napi::Number::New(env, msg.value));
  out.Set("text", Napi::String::New(env, msg.text));
  return out;
}

// waitPid(pid, noHang): { pid, exitCode, signal } | null (noHang and still running)
Napi::Value WaitPid(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  bool no_hang = info.Length() > 1 && info[1].ToBoolean();
  int status = 0;
  pid_t r;
  do r = waitpid(pid, &status, no_hang ? WNOHANG : 0);
  while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowErrno(env, errno, "waitpid", nullptr);
  if (r == 0) return env.Null();
  return StatusObject(env, r, status);
}

// Blocking waitpid on the thread pool, for `run`: the event loop stays free to forward signals.
class WaitWorker : public Napi::AsyncWorker {
 public:
  WaitWorker(Napi::Env env, pid_t pid) : Napi::AsyncWorker(env), pid_(pid), deferred_(Napi::Promise::Deferred::New(env)) {}
  Napi::Promise Promise() { return deferred_.Promise(); }

 protected:
  void Execute() override {
    pid_t r;
    do r = waitpid(pid_, &status_, 0);
    while (r < 0 && errno == EINTR);
    err_ = r < 0 ? errno : 0;
  }
  void OnOK() override {
    Napi::Env env = Env();
    if (err_) {
      ThrowErrno(env, err_, "waitpid", nullptr);
      Napi::Error e = env.GetAndClearPendingException();
      deferred_.Reject(e.Value());
      return;
    }
    deferred_.Resolve(StatusObject(env, pid_, status_));
  }

 private:
  pid_t pid_;
  int status_ = 0;
  int err_ = 0;
  Napi::Promise::Deferred deferred_;
};

Napi::Value WaitPidAsync(const Napi::CallbackInfo &info) {
  auto *worker = new WaitWorker(info.Env(), info[0].As<Napi::Number>().Int32Value());
  Napi::Promise promise = worker->Promise();
  worker->Queue();
  return promise;
}

// pidfdOpen(pid): fd (close-on-exec)
Napi::Value PidfdOpen(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  pid_t pid = info[0].As<Napi::Number>().Int32Value();
  int fd = (int)syscall(SYS_pidfd_open, pid, 0);
  if (fd < 0) return ThrowErrno(env, errno, "pidfd_open", nullptr);
  return Napi::Number::New(env, fd);
}

// pidfdGetfd(pidfd, targetFd): number — a copy of another process's fd (close-on-exec), e.g. the seccomp
// listener the init created; needs ptrace access to it, which the runtime has over its own init.
Napi::Value PidfdGetfd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int pidfd = info[0].As<Napi::Number>().Int32Value();
  int target = info[1].As<Napi::Number>().Int32Value();
  int fd = (int)syscall(SYS_pidfd_getfd, pidfd, target, 0);
  if (fd < 0) return ThrowErrno(env, errno, "pidfd_getfd", nullptr);
  return Napi::Number::New(env, fd);
}

// pidfdSendSignal(pidfd, signal): void — race-free against pid reuse once the pidfd is verified
Napi::Value PidfdSendSignal(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int sig = info[1].As<Napi::Number>().Int32Value();
  if (syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) < 0) return ThrowErrno(env, errno, "pidfd_send_signal", nullptr);
  return env.Undefined();
}

// pidfdWait(pidfd, timeoutMs): boolean — true once the process has exited
Napi::Value PidfdWait(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  struct pollfd pfd = {info[0].As<Napi::Number>().Int32Value(), POLLIN, 0};
  int timeout = info[1].As<Napi::Number>().Int32Value();
  int r;
  do r = poll(&pfd, 1, timeout);
  while (r < 0 && errno == EINTR);
  if (r < 0) return ThrowErrno(env, errno, "poll", "pidfd");
  return Napi::Boolean::New(env, r > 0);
}

// replaceDeviceProgram(cgroupDir, insns: Buffer): void — cgroup v2 device rules (bpf.h).
Napi::Value ReplaceDeviceProgram(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string dir = info[0].As<Napi::String>();
  Napi::Buffer<uint8_t> insns = info[1].As<Napi::Buffer<uint8_t>>();
  if (insns.Length() == 0 || insns.Length() % 8 != 0) return ThrowType(env, "insns: a whole number of 8-byte instructions");
  int fd = open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return ThrowErrno(env, errno, "open", dir.c_str());
  struct bpf_error error;
  int r = tsrunc_replace_device_program(fd, insns.Data(), insns.Length() / 8, &error);
  close(fd);
  if (r < 0) {
    ThrowErrno(env, error.err, error.syscall, dir.c_str());
    if (error.log[0] && env.IsExceptionPending()) {
      Napi::Error e = env.GetAndClearPendingException();
      e.Set("verifierLog", Napi::String::New(env, error.log));
      e.ThrowAsJavaScriptException();
    }
  }
  return env.Undefined();
}

// mkfifo(path, mode): void
Napi::Value MakeFifo(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  mode_t mode = info[1].As<Napi::Number>().Uint32Value();
  if (mkfifo(path.c_str(), mode) < 0) return ThrowErrno(env, errno, "mkfifo", path.c_str());
  return env.Undefined();
}

// flock(fd, exclusive, nonBlocking): boolean (false only when nonBlocking and held elsewhere)
Napi::Value Flock(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  int op = info[1].ToBoolean() ? LOCK_EX : LOCK_SH;
  if (info[2].ToBoolean()) op |= LOCK_NB;
  int r;
  do r = flock(fd, op);
  while (r < 0 && errno == EINTR);
  if (r < 0 && errno == EWOULDBLOCK) return Napi::Boolean::New(env, false);
  if (r < 0) return ThrowErrno(env, errno, "flock", nullptr);
  return Napi::Boolean::New(env, true);
}

// waitGate(fifoPath, pidfd, timeoutMs): { outcome: 'started' | 'exited' | 'timeout' | 'refused', message }
Napi::Value WaitGate(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  int pidfd = info[1].As<Napi::Number>().Int32Value();
  int timeout = info[2].As<Napi::Number>().Int32Value();
  struct spawn_error error = {};
  char message[1024];
  int r = tsrunc_wait_gate(path.c_str(), pidfd, timeout, message, sizeof message, &error);
  if (r == -1) return ThrowErrno(env, error.err, error.syscall, error.path);
  Napi::Object out = Napi::Object::New(env);
  out.Set("outcome", r == 1 ? "started" : r == 0 ? "exited" : r == 2 ? "refused" : "timeout");
  out.Set("message", std::string(message));
  return out;
}

// connectUnix(path): fd — a connected SOCK_STREAM unix socket (the --console-socket)
Napi::Value ConnectUnix(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  std::string path = info[0].As<Napi::String>();
  struct sockaddr_un addr = {};
  addr.sun_family = AF_UNIX;
  if (path.size() >= sizeof addr.sun_path) return ThrowErrno(env, ENAMETOOLONG, "connect", path.c_str());
  memcpy(addr.sun_path, path.c_str(), path.size() + 1);
  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return ThrowErrno(env, errno, "socket", path.c_str());
  int r;
  do r = connect(fd, (struct sockaddr *)&addr, sizeof addr);
  while (r < 0 && errno == EINTR);
  if (r < 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, err, "connect", path.c_str());
  }
  return Napi::Number::New(env, fd);
}

// sendFd(sock, data, fd): void — one sendmsg: `data` as the payload and `fd` as SCM_RIGHTS (the seccomp
// container process state to a listener, config-linux.md "The Container Process State").
Napi::Value SendFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  std::string data = info[1].As<Napi::String>();
  int fd = info[2].As<Napi::Number>().Int32Value();
  char control[CMSG_SPACE(sizeof(int))] = {};
  struct iovec iov = {data.data(), data.size()};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  c->cmsg_level = SOL_SOCKET;
  c->cmsg_type = SCM_RIGHTS;
  c->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(c), &fd, sizeof fd);
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = sendmsg(sock, &msg, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return ThrowErrno(env, errno, "sendmsg", nullptr);
    sent += (size_t)n;
    // The fd goes with the first part only (config-linux.md); the rest as plain data.
    iov.iov_base = data.data() + sent;
    iov.iov_len = data.size() - sent;
    msg.msg_control = nullptr;
    msg.msg_controllen = 0;
  }
  return env.Undefined();
}

// socketPair(): [fd, fd] — SOCK_STREAM unix pair, close-on-exec (run's own console socket)
Napi::Value SocketPair(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int pair[2];
  if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, pair) < 0) return ThrowErrno(env, errno, "socketpair", nullptr);
  Napi::Array out = Napi::Array::New(env, 2);
  out.Set(0u, Napi::Number::New(env, pair[0]));
  out.Set(1u, Napi::Number::New(env, pair[1]));
  return out;
}

// recvFd(fd): { fd, name } — one message carrying one fd with SCM_RIGHTS (the pty master); null on EOF
Napi::Value RecvFd(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int sock = info[0].As<Napi::Number>().Int32Value();
  char name[4096];
  char control[CMSG_SPACE(sizeof(int))] = {};
  struct iovec iov = {name, sizeof name - 1};
  struct msghdr msg = {};
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control;
  msg.msg_controllen = sizeof control;
  ssize_t n;
  do n = recvmsg(sock, &msg, MSG_CMSG_CLOEXEC);
  while (n < 0 && errno == EINTR);
  if (n < 0) return ThrowErrno(env, errno, "recvmsg", "console socket");
  if (n == 0) return env.Null();
  name[n] = 0;
  struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
  if (!c || c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS || c->cmsg_len != CMSG_LEN(sizeof(int)))
    return ThrowErrno(env, EPROTO, "recvmsg", "console socket: no fd received");
  int fd;
  memcpy(&fd, CMSG_DATA(c), sizeof fd);
  Napi::Object out = Napi::Object::New(env);
  out.Set("fd", Napi::Number::New(env, fd));
  out.Set("name", Napi::String::New(env, name));
  return out;
}

// setWinsize(fd, rows, cols): void
Napi::Value SetWinsize(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  int fd = info[0].As<Napi::Number>().Int32Value();
  struct winsize ws = {};
  ws.ws_row = (unsigned short)info[1].As<Napi::Number>().Uint32Value();
  ws.ws_col = (unsigned short)info[2].As<Napi::Number>().Uint32Value();
  if (ioctl(fd, TIOCSWINSZ, &ws) < 0) return ThrowErrno(env, errno, "ioctl(TIOCSWINSZ)", nullptr);
  return env.Undefined();
}

// setChildSubreaper(): void — orphans of the container reparent to us (`run`), as with runc
Napi::Value SetChildSubreaper(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) < 0) return ThrowErrno(env, errno, "prctl(PR_SET_CHILD_SUBREAPER)", nullptr);
  return env.Undefined();
}

// --- linux.netDevices (netlink.h). `nsSocket` is a NETLINK_ROUTE socket of the namespace to work in
// (the container's, taken from its init), or -1 for the runtime's own.

Napi::Value ThrowNetlink(Napi::Env env, const struct nl_error &error) {
  ThrowErrno(env, error.err, error.what, nullptr);
  if (error.detail[0] && env.IsExceptionPending()) {
    Napi::Error e = env.GetAndClearPendingException();
    e.Set("kernelMessage", Napi::String::New(env, error.detail));
    e.ThrowAsJavaScriptException();
  }
  return env.Undefined();
}

// netLinks(nsSocket): [{ index, name, up, netnsImmutable? }]
Napi::Value NetLinks(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 1 || !info[0].IsNumber()) return ThrowType(env, "netLinks(nsSocket: number)");
  struct nl_link *links = nullptr;
  size_t n = 0;
  struct nl_error error = {};
  if (tsrunc_nl_links(info[0].As<Napi::Number>().Int32Value(), &links, &n, &error) < 0) return ThrowNetlink(env, error);
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    Napi::Object l = Napi::Object::New(env);
    l.Set("index", Napi::Number::New(env, links[i].index));
    l.Set("name", Napi::String::New(env, links[i].name));
    l.Set("up", Napi::Boolean::New(env, (links[i].flags & IFF_UP) != 0));
    if (links[i].netns_immutable >= 0) l.Set("netnsImmutable", Napi::Boolean::New(env, links[i].netns_immutable == 1));
    out.Set(i, l);
  }
  free(links);
  return out;
}

// netAddresses(nsSocket, index): [{ family, prefixlen, scope, flags, address?, local?, broadcast?: Buffer,
// label?, metric?, proto? }], every family.
Napi::Value NetAddresses(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return ThrowType(env, "netAddresses(nsSocket: number, index: number)");
  struct nl_addr *addrs = nullptr;
  size_t n = 0;
  struct nl_error error = {};
  if (tsrunc_nl_addresses(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(), &addrs, &n, &error) < 0)
    return ThrowNetlink(env, error);
  Napi::Array out = Napi::Array::New(env, n);
  for (size_t i = 0; i < n; i++) {
    const struct nl_addr &a = addrs[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("family", Napi::Number::New(env, a.family));
    o.Set("prefixlen", Napi::Number::New(env, a.prefixlen));
    o.Set("scope", Napi::Number::New(env, a.scope));
    o.Set("flags", Napi::Number::New(env, a.flags));
    if (a.address_len) o.Set("address", Napi::Buffer<uint8_t>::Copy(env, a.address, a.address_len));
    if (a.local_len) o.Set("local", Napi::Buffer<uint8_t>::Copy(env, a.local, a.local_len));
    if (a.broadcast_len) o.Set("broadcast", Napi::Buffer<uint8_t>::Copy(env, a.broadcast, a.broadcast_len));
    if (a.label[0]) o.Set("label", Napi::String::New(env, a.label));
    if (a.has_metric) o.Set("metric", Napi::Number::New(env, a.metric));
    if (a.has_proto) o.Set("proto", Napi::Number::New(env, a.proto));
    out.Set(i, o);
  }
  free(addrs);
  return out;
}

// netMoveLink(index, name, targetSocket, fromSocket = -1): void — link `index` of fromSocket's
// namespace into targetSocket's, named `name` there (a template "eth%d" is completed by the
// kernel); -1 is the runtime's own namespace.
Napi::Value NetMoveLink(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsString() || !info[2].IsNumber() || (info.Length() > 3 && !info[3].IsNumber()))
    return ThrowType(env, "netMoveLink(index: number, name: string, targetSocket: number, fromSocket?: number)");
  std::string name = info[1].As<Napi::String>();
  int from = info.Length() > 3 ? info[3].As<Napi::Number>().Int32Value() : -1;
  struct nl_error error = {};
  if (tsrunc_nl_move_link(from, info[0].As<Napi::Number>().Int32Value(), name.c_str(), info[2].As<Napi::Number>().Int32Value(), &error) < 0)
    return ThrowNetlink(env, error);
  return env.Undefined();
}

// netSetLinkUp(nsSocket, index): void
Napi::Value NetSetLinkUp(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 2 || !info[0].IsNumber() || !info[1].IsNumber()) return ThrowType(env, "netSetLinkUp(nsSocket: number, index: number)");
  struct nl_error error = {};
  if (tsrunc_nl_set_up(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(), &error) < 0)
    return ThrowNetlink(env, error);
  return env.Undefined();
}

static uint8_t AddressBytes(Napi::Object o, const char *key, uint8_t *to) {
  Napi::Value v = o.Get(key);
  if (!v.IsBuffer()) return 0;
  Napi::Buffer<uint8_t> b = v.As<Napi::Buffer<uint8_t>>();
  if (b.Length() > 16) return 0;
  memcpy(to, b.Data(), b.Length());
  return (uint8_t)b.Length();
}

// netAddAddress(nsSocket, index, address): void — `address` shaped as netAddresses returns them.
Napi::Value NetAddAddress(const Napi::CallbackInfo &info) {
  Napi::Env env = info.Env();
  if (info.Length() < 3 || !info[0].IsNumber() || !info[1].IsNumber() || !info[2].IsObject())
    return ThrowType(env, "netAddAddress(nsSocket: number, index: number, address: object)");
  Napi::Object o = info[2].As<Napi::Object>();
  struct nl_addr a = {};
  a.family = (uint8_t)o.Get("family").As<Napi::Number>().Uint32Value();
  a.prefixlen = (uint8_t)o.Get("prefixlen").As<Napi::Number>().Uint32Value();
  a.scope = (uint8_t)o.Get("scope").As<Napi::Number>().Uint32Value();
  a.flags = o.Get("flags").As<Napi::Number>().Uint32Value();
  a.address_len = AddressBytes(o, "address", a.address);
  a.local_len = AddressBytes(o, "local", a.local);
  a.broadcast_len = AddressBytes(o, "broadcast", a.broadcast);
  if (o.Get("label").IsString()) {
    std::string label = o.Get("label").As<Napi::String>();
    if (label.size() >= sizeof a.label) return ThrowType(env, "netAddAddress: label longer than IFNAMSIZ - 1");
    memcpy(a.label, label.c_str(), label.size() + 1);
  }
  if (o.Get("metric").IsNumber()) {
    a.has_metric = 1;
    a.metric = o.Get("metric").As<Napi::Number>().Uint32Value();
  }
  if (o.Get("proto").IsNumber()) {
    a.has_proto = 1;
    a.proto = (uint8_t)o.Get("proto").As<Napi::Number>().Uint32Value();
  }
  struct nl_error error = {};
  if (tsrunc_nl_add_address(info[0].As<Napi::Number>().Int32Value(), info[1].As<Napi::Number>().Int32Value(), &a, &error) < 0)
    return ThrowNetlink(env, error);
  return env.Undefined();
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("spawnInit", Napi::Function::New(env, SpawnInit));
  exports.Set("syncSend", Napi::Function::New(env, SyncSend));
  exports.Set("syncRecv", Napi::Function::New(env, SyncRecv));
  exports.Set("waitPid", Napi::Function::New(env, WaitPid));
  exports.Set("waitPidAsync", Napi::Function::New(env, WaitPidAsync));
  exports.Set("pidfdOpen", Napi::Function::New(env, PidfdOpen));
  exports.Set("pidfdSendSignal", Napi::Function::New(env, PidfdSendSignal));
  exports.Set("pidfdWait", Napi::Function::New(env, PidfdWait));
  exports.Set("mkfifo", Napi::Function::New(env, MakeFifo));
  exports.Set("replaceDeviceProgram", Napi::Function::New(env, ReplaceDeviceProgram));
  exports.Set("flock", Napi::Function::New(env, Flock));
  exports.Set("waitGate", Napi::Function::New(env, WaitGate));
  exports.Set("setChildSubreaper", Napi::Function::New(env, SetChildSubreaper));
  exports.Set("connectUnix", Napi::Function::New(env, ConnectUnix));
  exports.Set("socketPair", Napi::Function::New(env, SocketPair));
  exports.Set("recvFd", Napi::Function::New(env, RecvFd));
  exports.Set("setWinsize", Napi::Function::New(env, SetWinsize));
  exports.Set("writeProcFile", Napi::Function::New(env, WriteProcFile));
  exports.Set("compileSeccomp", Napi::Function::New(env, CompileSeccomp));
  exports.Set("pidfdGetfd", Napi::Function::New(env, PidfdGetfd));
  exports.Set("sendFd", Napi::Function::New(env, SendFd));
  exports.Set("unmount", Napi::Function::New(env, Unmount));
  exports.Set("seccompInfo", Napi::Function::New(env, SeccompInfo));
  exports.Set("netLinks", Napi::Function::New(env, NetLinks));
  exports.Set("netAddresses", Napi::Function::New(env, NetAddresses));
  exports.Set("netMoveLink", Napi::Function::New(env, NetMoveLink));
  exports.Set("netSetLinkUp", Napi::Function::New(env, NetSetLinkUp));
  exports.Set("netAddAddress", Napi::Function::New(env, NetAddAddress));
  return exports;
}

}  // namespace

NODE_API_MODULE(tsrunc, Init)
