/**
 * The only importer of the native addon (addon/src/binding.cc).
 *
 * It loads the `.node` lazily, once, declares its interface, and turns native failures into
 * {@link SyscallError}. Unit tests swap the addon for a recording fake with {@link setNativeForTesting},
 * so the whole library runs without root.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { SyscallError } from './errors.js';
import { packageRoot } from './paths.js';
import type { CompiledSeccomp, SeccompProfile } from './plan/seccomp.js';

/** A message on the sync channel (addon/src/sync.h `struct sync_msg`). */
export interface SyncMessage {
  type: number;
  err: number;
  step: number;
  value: number;
  text: string;
}

/** How a child ended: exactly one of exitCode and signal is a number. */
export interface ExitStatus {
  pid: number;
  exitCode: number | null;
  signal: number | null;
}

/** A network interface as rtnetlink lists it (addon/src/netlink.h). */
export interface NetLink {
  index: number;
  name: string;
  up: boolean;
  /** The kernel refuses to move it to another namespace (IFLA_NETNS_IMMUTABLE, Linux 6.15); absent where it does not say. */
  netnsImmutable?: boolean;
}

/** An interface address as RTM_GETADDR gives it and RTM_NEWADDR takes it (absent fields: no such attribute). */
export interface NetAddress {
  /** AF_INET, AF_INET6 */
  family: number;
  prefixlen: number;
  /** RT_SCOPE_* */
  scope: number;
  /** IFA_F_* (IFA_FLAGS) */
  flags: number;
  address?: Buffer;
  local?: Buffer;
  broadcast?: Buffer;
  label?: string;
  /** IFA_RT_PRIORITY: the metric of its prefix route. */
  metric?: number;
  /** IFA_PROTO: who added it. */
  proto?: number;
}

/** The addon's functions; see addon/src/binding.cc for each. */
export interface NativeAddon {
  /** consoleFd: a socket the init sends the pty master to (process.terminal); -1 for none. */
  spawnInit(helperPath: string, plan: Buffer, consoleFd?: number, preserveFds?: number): { pid: number; syncFd: number };
  syncSend(fd: number, type: number, value: number): void;
  /** null on EOF (the helper is gone); throws ETIMEDOUT after timeoutMs. */
  syncRecv(fd: number, timeoutMs: number): SyncMessage | null;
  /** null when noHang and the child still runs. */
  waitPid(pid: number, noHang: boolean): ExitStatus | null;
  waitPidAsync(pid: number): Promise<ExitStatus>;
  pidfdOpen(pid: number): number;
  pidfdSendSignal(pidfd: number, signal: number): void;
  /** true once the process behind pidfd has exited, false after timeoutMs. */
  pidfdWait(pidfd: number, timeoutMs: number): boolean;
  mkfifo(path: string, mode: number): void;
  /** Attaches a cgroup v2 device program (8-byte bpf_insn each) to a cgroup directory, replacing the ones before. */
  replaceDeviceProgram(cgroupDir: string, insns: Buffer): void;
  /** false only with nonBlocking when another process holds the lock. */
  flock(fd: number, exclusive: boolean, nonBlocking: boolean): boolean;
  /** Opens the start gate; `refused` carries the init's reason (a failed startContainer hook). */
  waitGate(fifoPath: string, pidfd: number, timeoutMs: number): { outcome: 'started' | 'exited' | 'timeout' | 'refused'; message: string };
  setChildSubreaper(): void;
  /** A connected unix stream socket (--console-socket). */
  connectUnix(path: string): number;
  socketPair(): [number, number];
  /** One fd sent with SCM_RIGHTS, and the message's data (the pty's name); null on EOF. */
  recvFd(fd: number): { fd: number; name: string } | null;
  setWinsize(fd: number, rows: number, cols: number): void;
  /** Writes /proc/<pid>/<file> through a verified procfs handle (addon/src/procfs.h): no mount can redirect it. */
  writeProcFile(pid: number, file: string, text: string): void;
  /** Compiles a checked, expanded seccomp profile with libseccomp (addon/src/seccomp.h). */
  compileSeccomp(profile: SeccompProfile): CompiledSeccomp;
  /** libseccomp's version, whether the kernel takes each seccomp(2) flag, whether libseccomp knows each architecture ("x86_64"). */
  seccompInfo(flags: number[], archs?: string[]): { version: string; supported: boolean[]; archs: boolean[] };
  /** A copy of process `pidfd`'s fd `fd` (pidfd_getfd(2)). */
  pidfdGetfd(pidfd: number, fd: number): number;
  /** One sendmsg of `data` with `fd` as SCM_RIGHTS. */
  sendFd(sock: number, data: string, fd: number): void;
  /** umount2(path, MNT_DETACH | UMOUNT_NOFOLLOW). */
  unmount(path: string): void;
  /**
   * The links of a network namespace. `nsSocket` names the namespace: a NETLINK_ROUTE socket made
   * there (the container's, lent by its init), or -1 for the runtime's own; so for the calls below.
   */
  netLinks(nsSocket: number): NetLink[];
  /** The addresses of link `index`, every family. */
  netAddresses(nsSocket: number, index: number): NetAddress[];
  /** Moves link `index` of fromSocket's namespace (default -1: the runtime's) into targetSocket's, named `name` there ("eth%d": the kernel numbers it). */
  netMoveLink(index: number, name: string, targetSocket: number, fromSocket?: number): void;
  netSetLinkUp(nsSocket: number, index: number): void;
  /** Adds an address shaped as netAddresses gives them (EEXIST when it is there already). */
  netAddAddress(nsSocket: number, index: number, address: NetAddress): void;
}

const buildDir = () => path.join(packageRoot(), 'addon', 'build', 'Release');

/** Absolute path of the init helper binary built next to the addon. */
export function initHelperPath(): string {
  return path.join(buildDir(), 'tsrunc-init');
}

let addon: NativeAddon | undefined;

/** The addon, with every function wrapped so native errors surface as SyscallError. */
export function native(): NativeAddon {
  if (!addon) {
    const file = path.join(buildDir(), 'tsrunc.node');
    const raw = createRequire(file)(file) as NativeAddon;
    addon = wrap(raw);
  }
  return addon;
}

/** Replaces the addon (unit tests); pass undefined to go back to the real one. */
export function setNativeForTesting(fake: NativeAddon | undefined): void {
  addon = fake;
}

interface NativeErrorShape {
  code?: string;
  errno?: number;
  syscall?: string;
  path?: string;
}

/** Re-throws an addon error as a SyscallError (the addon already uses the same message grammar). */
export function toSyscallError(err: unknown): unknown {
  const e = err as NativeErrorShape;
  if (e && typeof e.errno === 'number' && typeof e.syscall === 'string' && typeof e.code === 'string') {
    const out = new SyscallError(e.syscall, e.path, e.errno, e.code);
    out.cause = err;
    return out;
  }
  return err;
}

function wrap(raw: NativeAddon): NativeAddon {
  const wrapped = {} as Record<string, unknown>;
  for (const [name, fn] of Object.entries(raw) as Array<[string, (...args: unknown[]) => unknown]>) {
    wrapped[name] = (...args: unknown[]) => {
      try {
        const result = fn(...args);
        if (result instanceof Promise) return result.catch((e) => Promise.reject(toSyscallError(e)));
        return result;
      } catch (e) {
        throw toSyscallError(e);
      }
    };
  }
  return wrapped as unknown as NativeAddon;
}
