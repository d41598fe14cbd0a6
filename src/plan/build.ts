/**
 * buildLaunchPlan: a validated config.json + the host's facts → the plan the init helper executes.
 *
 * Pure: no I/O except through `options.statSource`, `readLink` and `namespaceId`, so unit tests cover every policy decision
 * (ordering, defaults, what is refused) without root.
 */
import { readlinkSync, statSync } from 'node:fs';
import { ConfigError } from '../errors.js';
import type { Spec, TimeOffset } from '../spec/generated/config.js';
import { planDevices, planDevSymlinks } from './devices.js';
import type { HostInfo } from './host.js';
import { type IdMapping, mapWriters, type UserNamespaceMaps, type Writer } from './id-maps.js';
import { HookKind, type LaunchPlan, type NamespaceJoin, type PlannedSymlink, SeccompStage } from './launch-plan.js';
import { OCI_VERSION } from '../version.js';
import { CLONE_NEW, MS, type NamespaceType } from './linux.js';
import { cleanContainerPath, planMounts, PROPAGATION_OPTIONS, type SourceKind } from './mounts.js';
import { planProcess } from './process.js';
import { planNetDevices } from './net-devices.js';
import { planLinuxProcess, planMountLabel } from './process-linux.js';
import { planSysctl } from './sysctl.js';
import { type PlannedSeccomp, planSeccomp, type SeccompContext } from './seccomp.js';
import { native, type NetLink } from '../native.js';

export interface PlanOptions {
  /** Absolute bundle directory (relative bind sources resolve against it). */
  bundle: string;
  /** Absolute host path of the rootfs, symlinks resolved. */
  rootfs: string;
  /** Host path of the start gate FIFO. */
  execFifo: string;
  /** `--no-pivot`: chroot instead of pivot_root. */
  noPivot: boolean;
  host: HostInfo;
  /** --preserve-fds: how many of the caller's fds from 3 the process inherits. */
  preserveFds?: number;
  /** The container's id, for the state JSON given to hooks. */
  id?: string;
  /**
   * The container's cgroup (linux.cgroupsPath resolved); defaults to /tsrunc/<id>. A map: it has
   * none of its own (rootless), and stays in these, by hierarchy (/proc/self/cgroup's keys).
   */
  cgroupPath?: string | ReadonlyMap<string, string>;
  /** What a bind source is; defaults to stat(2). */
  statSource?: (p: string) => SourceKind;
  /** The target of a symlink, undefined for anything else; defaults to readlink(2). */
  readLink?: (p: string) => string | undefined;
  /** The identity (dev:ino) of the namespace a path names; defaults to stat(2). */
  namespaceId?: (p: string) => string | undefined;
  /** Exact values of config.json integers beyond 2^53, by JSON pointer (src/spec/exact-integers.ts). */
  exactInteger?: (pointer: string) => bigint | undefined;
  /** The seccomp compiler and the kernel's flags; defaults to the addon's libseccomp. */
  seccomp?: Pick<SeccompContext, 'compile' | 'flagSupported'>;
  /** The links of the runtime's network namespace, for linux.netDevices; defaults to rtnetlink's. */
  hostNetLinks?: () => NetLink[];
}

/** The addon's libseccomp compiler and the running kernel's seccomp flags. */
export const nativeSeccomp: Pick<SeccompContext, 'compile' | 'flagSupported'> = {
  compile: (profile) => native().compileSeccomp(profile),
  flagSupported: (flag) => native().seccompInfo([flag]).supported[0] === true,
};

/** capability.h: moving a network device needs it over the runtime's network namespace. */
const CAP_NET_ADMIN = 12n;

/** The order namespaces are joined in: the user namespace first, so the others are joined with its privileges. */
export const JOIN_ORDER: NamespaceType[] = ['user', 'ipc', 'uts', 'network', 'pid', 'mount', 'cgroup', 'time'];



/** Builds the launch plan for `spec`; throws ConfigError for what cannot be honoured. */
export function buildLaunchPlan(spec: Spec, options: PlanOptions): LaunchPlan {
  const warnings: string[] = [];
  const debug: string[] = [];
  const linux = spec.linux ?? {};

  const ns = planNamespaces(linux.namespaces ?? []);
  const inUserNs = ns.has('user') || options.host.inUserNamespace;
  // config-linux.md: a namespace type not listed is the runtime's. Without a mount namespace the
  // mounts go to the runtime's own (create records them, delete removes them), and nothing may
  // change the mounts that were there: no masks, no read-only paths, no propagation.
  const noMountNamespace = !ns.has('mount');
  if (noMountNamespace) {
    const mountNs = (pointer: string, what: string) =>
      new ConfigError('config.json', pointer, `${what} needs a mount namespace: without one it would change the host's own mounts`, 'config-linux.md#configLinuxNamespaces');
    if (linux.maskedPaths?.length) throw mountNs('/linux/maskedPaths', 'masking paths');
    if (linux.readonlyPaths?.length) throw mountNs('/linux/readonlyPaths', 'making paths read-only');
    if (linux.rootfsPropagation) throw mountNs('/linux/rootfsPropagation', 'rootfsPropagation');
  }
  // A hostname set in a uts namespace joined by path that is the runtime's own would be the host's.
  const utsJoin = ns.joins.find((j) => j.nstype === CLONE_NEW.uts);
  if (utsJoin && (spec.hostname !== undefined || spec.domainname !== undefined) && (options.namespaceId ?? statNamespace)(utsJoin.path) === options.host.namespaceIds.uts) {
    throw new ConfigError('config.json', spec.hostname !== undefined ? '/hostname' : '/domainname', 'cannot be set in the runtime\'s own uts namespace (joined by path): it would change the host\'s', 'config.md#configHostname');
  }
  const mountEntries = spec.mounts ?? [];
  const cgroupSymlinks: PlannedSymlink[] = [];
  const mounts = planMounts(mountEntries, {
    bundle: options.bundle,
    rootfs: options.rootfs,
    cgroups: options.host.cgroups,
    containerCgroup: options.cgroupPath ?? `/tsrunc/${options.id ?? ''}`,
    cgroupNamespace: ns.has('cgroup'),
    symlinks: cgroupSymlinks,
    sysfsNeedsFallback: inUserNs && !ns.created('network'),
    userNamespaceMaps: ns.created('user') ? { uid: linux.uidMappings ?? [], gid: linux.gidMappings ?? [] } : undefined,
    mayMapIds: options.host.idMapWriter.privileged,
    mountLabelOption: planMountLabel(linux.mountLabel, options.host),
    statSource: options.statSource ?? statKind,
    readLink: options.readLink ?? readLinkOrUndefined,
  });
  // As runc: with /dev bound from the host, the host's nodes are the container's.
  const devBoundFromHost = mounts.some((m) => m.destination === '/dev' && m.fstype === '');
  const namespaceId = options.namespaceId ?? statNamespace;
  const seccomp = planSeccomp(linux.seccomp, { ...(options.seccomp ?? nativeSeccomp), exactInteger: options.exactInteger ?? (() => undefined), debug });
  /** A namespace joined by a path that is the runtime's own (e.g. /proc/1/ns/net from the host's pid namespace). */
  const runtimeOwn = (type: NamespaceType) => {
    const joined = ns.joins.find((j) => j.nstype === CLONE_NEW[type]);
    return joined !== undefined && namespaceId(joined.path) === options.host.namespaceIds[type];
  };
  const sysctl = planSysctl(linux.sysctl ?? {}, { has: ns.has, isRuntimeOwn: runtimeOwn });

  return {
    joins: ns.joins,
    newNamespaces: ns.newFlags,
    userNamespaceMaps: ns.created('user') ? userNamespaceMaps(linux.uidMappings ?? [], linux.gidMappings ?? [], spec.process?.user?.additionalGids ?? [], options.host.idMapWriter) : undefined,
    timeOffsets: ns.created('time') ? timeOffsetsText(linux.timeOffsets) : '',
    netDevices: planNetDevices(linux.netDevices, {
      networkNamespace: ns.created('network') ? 'new' : ns.has('network') && !runtimeOwn('network') ? 'joined' : 'none',
      mayMove: (options.host.capabilities.effective & (1n << CAP_NET_ADMIN)) !== 0n,
      hostLinks: options.hostNetLinks ?? (() => native().netLinks(-1)),
    }),
    rootfs: options.rootfs,
    ...planRootfsPropagation(linux.rootfsPropagation),
    readonlyRoot: spec.root?.readonly ?? false,
    noPivot: options.noPivot,
    noMountNamespace,
    mounts,
    devices: devBoundFromHost ? [] : planDevices(linux.devices ?? [], inUserNs),
    symlinks: [...(devBoundFromHost ? [] : planDevSymlinks(options.host.hasKcore)), ...cgroupSymlinks],
    maskedPaths: (linux.maskedPaths ?? []).map(cleanContainerPath),
    readonlyPaths: (linux.readonlyPaths ?? []).map(cleanContainerPath),
    hostname: spec.hostname,
    domainname: spec.domainname,
    sysctl,
    execFifo: options.execFifo,
    ...planHooks(spec, options),
    preserveFds: options.preserveFds ?? 0,
    terminal: spec.process?.terminal ? { rows: spec.process.consoleSize?.height ?? 0, cols: spec.process.consoleSize?.width ?? 0 } : undefined,
    process: spec.process && planProcess(spec.process, options.host.capabilities, warnings),
    // linux.personality and linux.memoryPolicy are checked even without a process (exec uses them).
    linuxProcess: planLinuxProcess(spec.process ?? { args: [], cwd: '/' }, spec.linux, options.host, false, debug),
    // Without a process the filter is only kept for exec (create stores it); the init loads none.
    seccomp: seccompForProcess(seccomp, spec.process?.noNewPrivileges ?? false),
    warnings,
    debug,
  };
}

/**
 * The filter as the init loads it for one process: with noNewPrivileges as late as possible, else
 * while the init still has CAP_SYS_ADMIN (as runc does).
 */
export function seccompForProcess(seccomp: Pick<PlannedSeccomp, 'program' | 'flags'> | undefined, noNewPrivileges: boolean): LaunchPlan['seccomp'] {
  if (!seccomp) return undefined;
  return { program: seccomp.program, flags: seccomp.flags, stage: noNewPrivileges ? SeccompStage.Late : SeccompStage.Early };
}

/**
 * rootfsPropagation (config-linux.md), the way runc carries it out:
 * - "/" of the new mount namespace gets it first; rslave when unset, so the host's unmounts still
 *   reach the container's copies;
 * - the mount the rootfs sits on is made private (a slave for the slave forms): pivot_root refuses
 *   a shared parent, and a bind under a shared one would leak to the host's namespace;
 * - after pivot_root the new "/" gets it again, for shared and unbindable: "shared" is a new peer
 *   group of the container's own, not the host's; private and slave are settled by then.
 * Unlike runc (whose unbindable fails), unbindable is private until the rootfs is in place.
 */
function planRootfsPropagation(configured: string | undefined): Pick<LaunchPlan, 'rootfsPropagation' | 'rootfsParentPropagation' | 'rootfsPropagationAfterPivot'> {
  // runc maps rootfsPropagation as a mount option: the plain forms apply to "/" alone, the r-forms recursively.
  const flags = configured ? PROPAGATION_OPTIONS[configured]! : 0n;
  // Unbindable only after pivot_root: before, the binds the container is made of (the rootfs, its
  // cgroups) come from under "/" and an unbindable source refuses them (EINVAL, runc's failure).
  const before = (flags & MS.UNBINDABLE) !== 0n ? (flags & ~MS.UNBINDABLE) | MS.PRIVATE : flags;
  return {
    rootfsPropagation: configured ? before : MS.SLAVE | MS.REC,
    rootfsParentPropagation: (flags & MS.SLAVE) !== 0n ? MS.SLAVE : MS.PRIVATE,
    rootfsPropagationAfterPivot: (flags & (MS.SHARED | MS.UNBINDABLE)) !== 0n ? flags : 0n,
  };
}

function readLinkOrUndefined(p: string): string | undefined {
  try {
    return readlinkSync(p);
  } catch {
    return undefined;
  }
}

function statNamespace(p: string): string | undefined {
  try {
    const st = statSync(p);
    return `${st.dev}:${st.ino}`;
  } catch {
    return undefined;
  }
}

function statKind(p: string): SourceKind {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

interface NamespacePlan {
  joins: NamespaceJoin[];
  newFlags: number;
  /** The container has this namespace, new or joined. */
  has(type: NamespaceType): boolean;
  /** The container gets a new namespace of this type. */
  created(type: NamespaceType): boolean;
}

function planNamespaces(entries: ReadonlyArray<{ type: string; path?: string }>): NamespacePlan {
  const byType = new Map(entries.map((e) => [e.type as NamespaceType, e.path]));
  let newFlags = 0;
  const joins: NamespaceJoin[] = [];
  for (const type of JOIN_ORDER) {
    if (!byType.has(type)) continue;
    const path = byType.get(type);
    if (path) joins.push({ nstype: CLONE_NEW[type], path });
    else newFlags |= CLONE_NEW[type];
  }
  return {
    joins,
    newFlags,
    has: (type) => byType.has(type),
    created: (type) => byType.has(type) && !byType.get(type),
  };
}

function userNamespaceMaps(uid: IdMapping[], gid: IdMapping[], additionalGids: number[], writer: Writer): UserNamespaceMaps {
  return { uid, gid, writers: mapWriters(uid, gid, additionalGids, writer) };
}

/**
 * Hooks the init runs (createContainer, startContainer), the state JSON they read on stdin (runtime.md
 * "State", status `created`, pid as the container sees it) and whether the runtime's own hooks need
 * the init to stop before pivot_root. prestart/createRuntime/poststart/poststop run in the runtime.
 */
function planHooks(spec: Spec, options: PlanOptions): Pick<LaunchPlan, 'hookState' | 'hooks' | 'syncHooks'> {
  const hooks = spec.hooks ?? {};
  const planned = [
    ...(hooks.createContainer ?? []).map((h) => ({ kind: HookKind.CreateContainer, h })),
    ...(hooks.startContainer ?? []).map((h) => ({ kind: HookKind.StartContainer, h })),
  ].map(({ kind, h }) => ({ kind, timeout: h.timeout ?? 0, path: h.path, args: h.args ?? [], env: h.env ?? [] }));
  const PID = 2147483647; // a placeholder no real state has
  const json = JSON.stringify(hookStateJson(spec, options, PID));
  const [prefix, suffix] = json.split(`"pid":${PID}`) as [string, string];
  return {
    hookState: planned.length ? { prefix: `${prefix}"pid":`, suffix } : undefined,
    hooks: planned,
    syncHooks: (hooks.prestart?.length ?? 0) + (hooks.createRuntime?.length ?? 0) > 0,
  };
}

/** The state given to hooks (runtime.md "State"). */
export function hookStateJson(spec: Spec, options: Pick<PlanOptions, 'bundle' | 'id'>, pid: number, status = 'created'): Record<string, unknown> {
  return { ociVersion: OCI_VERSION, id: options.id ?? '', status, pid, bundle: options.bundle, annotations: spec.annotations ?? {} };
}

function timeOffsetsText(offsets: { boottime?: TimeOffset; monotonic?: TimeOffset } | undefined): string {
  return Object.entries(offsets ?? {})
    .map(([clock, o]) => `${clock} ${o.secs ?? 0} ${o.nanosecs ?? 0}\n`)
    .join('');
}
