/**
 * buildExecPlan: a process to start inside a running container (runc exec). It joins every
 * namespace the container has (through the init's /proc/<pid>/ns links, the user namespace first),
 * sets up nothing of the filesystem (the mount namespace already holds it) and has no start gate.
 */
import type { Process, Spec } from '../spec/generated/config.js';
import { JOIN_ORDER, seccompForProcess } from './build.js';
import type { LaunchPlan } from './launch-plan.js';
import { CLONE_NEW, type NamespaceType } from './linux.js';
import { type CapabilityHost, planProcess } from './process.js';
import { planLinuxProcess, type ProcessLinuxHost } from './process-linux.js';

/** /proc/<pid>/ns/<file> of each namespace type. */
const NS_FILE: Record<NamespaceType, string> = {
  user: 'user', ipc: 'ipc', uts: 'uts', network: 'net', pid: 'pid', mount: 'mnt', cgroup: 'cgroup', time: 'time',
};

/**
 * `seccomp` is the container's filter as create compiled it (the same profile applies to every
 * process of the container, as with runc), loaded as this process's noNewPrivileges says.
 */
export function buildExecPlan(
  config: Spec,
  process: Process,
  initPid: number,
  caps: CapabilityHost,
  preserveFds = 0,
  seccomp?: { program: Buffer; flags: number },
  host: ProcessLinuxHost = { apparmor: false, selinux: false },
): LaunchPlan {
  const types = new Set((config.linux?.namespaces ?? []).map((n) => n.type));
  const warnings: string[] = [];
  return {
    joins: JOIN_ORDER.filter((t) => types.has(t)).map((t) => ({ nstype: CLONE_NEW[t], path: `/proc/${initPid}/ns/${NS_FILE[t]}` })),
    newNamespaces: 0,
    timeOffsets: '',
    rootfs: '',
    rootfsPropagation: 0n,
    rootfsParentPropagation: 0n,
    rootfsPropagationAfterPivot: 0n,
    readonlyRoot: false,
    noPivot: false,
    noMountNamespace: false,
    mounts: [],
    devices: [],
    symlinks: [],
    maskedPaths: [],
    readonlyPaths: [],
    hostname: undefined,
    domainname: undefined,
    sysctl: [],
    execFifo: '',
    hookState: undefined,
    hooks: [],
    syncHooks: false,
    preserveFds,
    terminal: process.terminal ? { rows: process.consoleSize?.height ?? 0, cols: process.consoleSize?.width ?? 0 } : undefined,
    process: planProcess(process, caps, warnings),
    linuxProcess: planLinuxProcess(process, config.linux, host, true),
    seccomp: seccompForProcess(seccomp, process.noNewPrivileges ?? false),
    warnings,
    debug: [],
  };
}
