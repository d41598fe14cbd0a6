/**
 * create: validate the bundle, plan, start the init helper and drive it through the sync protocol
 * (addon/src/sync.h) until the init waits at the start gate. On any failure everything is undone:
 * the init and helper are killed and reaped and the state directory is removed, so a failed create
 * leaves nothing behind (runtime.md "Errors").
 */
import fs from 'node:fs';
import path from 'node:path';
import { signalName } from './signals.js';
import { ConfigError, HookError, NotFoundError, StateError, TsruncError, UsageError } from '../errors.js';
import { type ExitStatus, initHelperPath, native } from '../native.js';
import { buildLaunchPlan, hookStateJson, nativeSeccomp } from '../plan/build.js';
import { encodePlan } from '../plan/encode.js';
import { detectHost, type HostInfo } from '../plan/host.js';
import type { LaunchPlan } from '../plan/launch-plan.js';
import { loadBundle } from '../spec/load.js';
import { type CgroupManager, mayMakeCgroup, openCgroups, primeCgroupMigration } from '../cgroups/manager.js';
import { limitsAsked, rootlessCgroupParent } from '../cgroups/rootless.js';
import type { Spec } from '../spec/generated/config.js';
import { resolveCgroupPath } from '../cgroups/path.js';
import { cgroupOwner, delegateFiles } from '../cgroups/delegation.js';
import { parseProcCgroup, readDelegateList } from '../cgroups/detect.js';
import { checkResources } from '../cgroups/resources.js';
import { type ContainerLock, type StateStore, type StoredState, validateId, writeFileAtomic } from '../state/store.js';
import { exeIdentity, readProcStat } from '../state/status.js';
import { crashPoint } from './faults.js';
import { OCI_VERSION } from '../version.js';
import { type ContainerState, type RuntimeContext, toContainerState } from './container.js';
import { runHooks } from './hooks.js';
import { writeIdMaps } from './id-map-writer.js';
import { joinResctrl, prepareResctrl, removeResctrl, type ResctrlMade } from './resctrl.js';
import { planIntelRdt, resctrlMountpoint } from '../plan/intel-rdt.js';
import { initStepError, SyncType } from './init-steps.js';
import { mountIdsUnder, unmountAddedUnder } from './host-mounts.js';
import { cachingSeccompCompiler } from './seccomp-cache.js';
import { sendToSeccompListener, takeSeccompFd } from './seccomp-listener.js';
import { CLONE_NEW } from '../plan/linux.js';
import { moveNetDevicesThrough, type NetDevicesUndo, undoNetDevices } from './net-devices.js';

export interface CreateOptions {
  /** Bundle directory; defaults to the current directory. */
  bundle?: string;
  /** Write the init's pid here (atomically, digits only) once the container is created. */
  pidFile?: string;
  /** Use chroot instead of pivot_root (for rootfs on ramfs, as runc's --no-pivot). */
  noPivot?: boolean;
  /**
   * With process.terminal: the unix socket the pty master is sent to (runc's --console-socket),
   * or an already connected socket fd (the caller keeps it). Required with a terminal.
   */
  consoleSocket?: string | number;
  /** Pass this process's fds 3..3+n-1 on to the container process as its 3..3+n-1 (runc's --preserve-fds). */
  preserveFds?: number;
}

/** How long the init may take for one step of the handshake before create gives up on it. */
const SYNC_TIMEOUT_MS = 60_000;

/** Creates container `id` from a bundle; returns its state (`created`). */
export function createContainer(ctx: RuntimeContext, id: string, options: CreateOptions = {}): ContainerState {
  validateId(id);
  // The grace period of the init's migration runs while the config is read and planned.
  primeCgroupMigration();
  const { bundle, spec, exactIntegers } = loadBundle(options.bundle ?? process.cwd());
  const rootfs = fs.realpathSync(path.resolve(bundle, spec.root!.path));
  const { store, log } = ctx;
  const fifo = store.fifoPath(id);
  // Plan before touching anything: a config we refuse must leave no trace.
  const badResources = checkResources(spec.linux?.resources ?? {});
  if (badResources) throw new ConfigError('config.json', `/linux/resources${badResources.pointer}`, badResources.message, 'config-linux.md#configLinuxControlGroups');
  const host = detectHost();
  const { cgroupPath, staysIn } = placeCgroup(ctx, spec, id, host);
  const intelRdt = spec.linux?.intelRdt ? planIntelRdt(spec.linux.intelRdt, id, resctrlMountpoint(fs.readFileSync('/proc/self/mountinfo', 'utf8'))) : undefined;
  const plan = buildLaunchPlan(spec, {
    bundle,
    rootfs,
    execFifo: fifo,
    noPivot: options.noPivot ?? false,
    host,
    id,
    cgroupPath: cgroupPath ?? staysIn,
    preserveFds: options.preserveFds ?? 0,
    exactInteger: (pointer) => exactIntegers.get(pointer),
    seccomp: { ...nativeSeccomp, compile: cachingSeccompCompiler(store.cacheDir('seccomp')) },
  });
  for (const w of plan.warnings) log.warn(w);
  for (const d of plan.debug) log.debug(d);

  const terminal = spec.process?.terminal === true;
  if (terminal && options.consoleSocket === undefined) {
    throw new UsageError('process.terminal needs a console socket to send the pty master to (--console-socket)');
  }
  if (!terminal && options.consoleSocket !== undefined) {
    throw new UsageError('--console-socket is only allowed when config.json sets process.terminal');
  }
  store.createDir(id);
  const lock = lockNewDir(store, id);
  crashPoint('create:state-dir-made');
  // Without a mount namespace the container's mounts are ours: note what was there (host-mounts.ts).
  const hostMountsBefore = plan.noMountNamespace ? mountIdsUnder(rootfs) : undefined;
  const children = new Children();
  let syncFd: number | undefined;
  let consoleFd: number | undefined;
  let cgroups: CgroupManager | undefined;
  let resctrlMade: ResctrlMade | undefined;
  let netUndo: NetDevicesUndo | undefined;
  try {
    if (typeof options.consoleSocket === 'string') consoleFd = native().connectUnix(options.consoleSocket);
    native().mkfifo(fifo, 0o622);
    // mkfifo applies the umask; the init may write through a mapped uid.
    fs.chmodSync(fifo, 0o622);
    crashPoint('create:gate-made');
    const spawned = native().spawnInit(
      initHelperPath(),
      encodePlan(plan),
      consoleFd ?? (typeof options.consoleSocket === 'number' ? options.consoleSocket : -1),
      plan.preserveFds,
    );
    children.add(spawned.pid);
    syncFd = spawned.syncFd;
    crashPoint('create:helper-spawned');

    const state: StoredState = {
      ociVersion: OCI_VERSION,
      id,
      pid: 0,
      bundle,
      rootfs,
      created: new Date().toISOString(),
      owner: '',
      phase: 'creating',
      initStartTime: '',
      config: spec,
      cgroupPath,
    };
    if (spec.annotations) state.annotations = spec.annotations;
    if (hostMountsBefore) state.hostMountsBefore = hostMountsBefore;
    if (plan.seccomp) state.seccomp = { program: plan.seccomp.program.toString('base64'), flags: plan.seccomp.flags };
    // Before the cgroups exist: a crash from here on leaves a state that names them (and the mounts
    // noted above), so delete --force finds what to remove.
    store.write(state);
    crashPoint('create:state-recorded');

    // Limits in place before GO; the init joins the cgroups as soon as its pid is known, before it
    // goes on (the helper's stage 1 never does: only the container's own processes are charged).
    // Ours to remove (and kill in) on failure only once made: a refused create leaves another
    // container's cgroup (the same cgroupsPath) alone.
    if (cgroupPath !== undefined) {
      const made = openCgroups(cgroupPath);
      made.create();
      cgroups = made;
      crashPoint('create:cgroups-made');
      const cgroupWarnings: string[] = [];
      // Every container gets a device allowlist, as with runc: without rules of its own, deny all
      // then runc's defaults (null, zero, tty, pts…), never the host's every device. Rootless, the
      // user namespace is the allowlist (only nodes bound from the host, with the user's access),
      // and the kernel lets no unprivileged user set device rules.
      const resources = spec.linux?.resources ?? {};
      cgroups.apply({ ...resources, devices: ctx.rootless ? undefined : (resources.devices ?? []) }, cgroupWarnings);
      for (const w of cgroupWarnings) log.warn(w);
      crashPoint('create:limits-applied');
      const owner = cgroupOwner(spec, host.cgroups.kind);
      if (owner !== undefined && ctx.rootless && owner !== process.geteuid?.()) {
        log.warn(`rootless: the container's cgroup is not handed to host uid ${owner}: only root may give a file away (config-linux.md Cgroup ownership)`);
      } else if (owner !== undefined) cgroups.delegate(owner, delegateFiles(readDelegateList()));
      state.cgroupParents = cgroups.madeParents();
    }
    if (intelRdt) {
      // Recorded before the init joins: a failure from here on takes back what was made.
      state.resctrl = resctrlMade = prepareResctrl(intelRdt);
      store.write(state);
    }
    const containerCgroups = cgroups;
    const listenerPath = spec.linux?.seccomp?.listenerPath;

    const runRuntimeHooks = () => {
      // prestart then createRuntime, in the runtime namespace, before the init's pivot_root.
      const hookState = hookStateJson(spec, { bundle, id }, state.pid, 'created');
      runHooks(spec, 'prestart', hookState);
      runHooks(spec, 'createRuntime', hookState);
    };
    const handoff: SeccompHandoff = (fd) => {
      const listener = { path: listenerPath!, metadata: spec.linux?.seccomp?.listenerMetadata };
      sendToSeccompListener(listener, fd, state.pid, { ...hookStateJson(spec, { bundle, id }, state.pid, 'creating') });
    };
    runHandshake(
      'create',
      syncFd,
      spawned.pid,
      plan,
      children,
      runRuntimeHooks,
      (initPid) => {
        // Recorded at once, so even a crash of this process leaves the init findable by delete --force.
        state.pid = initPid;
        state.initStartTime = readProcStat(initPid)?.startTime ?? '';
        const exe = exeIdentity(initPid);
        if (exe) state.initExe = exe;
        store.write(state);
        crashPoint('create:init-recorded');
        log.debug(`init pid ${initPid}`);
        containerCgroups?.addProcess(initPid);
        if (intelRdt) joinResctrl(intelRdt, initPid);
        crashPoint('create:init-placed');
      },
      handoff,
      (pid, fd) => {
        netUndo = moveNetDevicesThrough(pid, fd, plan.netDevices ?? [], log, plan.joins.some((j) => j.nstype === CLONE_NEW.network));
        crashPoint('create:net-devices-moved');
      },
    );

    crashPoint('create:init-ready');
    state.phase = 'created';
    store.write(state);
    crashPoint('create:created-recorded');
    if (options.pidFile) writeFileAtomic(path.resolve(options.pidFile), String(state.pid));
    return toContainerState(state, 'created');
  } catch (e) {
    children.killAll();
    // Each undone on its own: a cgroup that will not go must not keep the resctrl group.
    for (const undo of [() => netUndo && undoNetDevices(netUndo, log), () => cgroups?.destroy({ kill: true }), () => resctrlMade && removeResctrl(resctrlMade)]) {
      try {
        undo();
      } catch (cleanup) {
        log.warn(`cleanup after a failed create: ${(cleanup as Error).message}`);
      }
    }
    if (hostMountsBefore) {
      for (const left of unmountAddedUnder(rootfs, hostMountsBefore)) log.warn(`cleanup after a failed create: could not unmount ${left}`);
    }
    store.remove(id);
    // runtime.md: a failing prestart, createRuntime or createContainer hook stops the container and
    // continues the lifecycle at step 12 (destroyed, above) and 13: the poststop hooks.
    if (e instanceof HookError) runHooks(spec, 'poststop', hookStateJson(spec, { bundle, id }, 0, 'stopped'), (err) => log.warn(err.message));
    throw e;
  } finally {
    if (netUndo) fs.closeSync(netUndo.socket);
    if (syncFd !== undefined) fs.closeSync(syncFd);
    if (consoleFd !== undefined) fs.closeSync(consoleFd);
    lock.release();
  }
}

/**
 * The container's cgroup: cgroupsPath resolved, or, rootless, where the user may make one (its
 * delegated cgroup v2 subtree, or a cgroupsPath it may write). Where it may not, a config without
 * limits runs with no cgroup of its own, its processes staying in the caller's cgroups (`staysIn`,
 * for the cgroup mount), as runc does; a config with limits is refused, saying what is missing.
 */
function placeCgroup(ctx: RuntimeContext, spec: Spec, id: string, host: HostInfo): { cgroupPath?: string; staysIn?: ReadonlyMap<string, string> } {
  const cgroupsPath = spec.linux?.cgroupsPath;
  if (!ctx.rootless) return { cgroupPath: resolveCgroupPath(cgroupsPath, id) };
  const own = parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
  const euid = process.geteuid?.() ?? 0;
  const owner = (dir: string) => {
    try {
      return fs.statSync(dir).uid;
    } catch {
      return undefined;
    }
  };
  let candidate: string | undefined;
  let why: string;
  if (cgroupsPath?.startsWith('/')) {
    candidate = resolveCgroupPath(cgroupsPath, id);
    why = `uid ${euid} may not make or write cgroup ${candidate} (linux.cgroupsPath)`;
  } else {
    const parent = rootlessCgroupParent(host.cgroups, host.cgroups.kind === 'v2' ? own.get('') : undefined, euid, { owner });
    if (parent.kind === 'own') candidate = resolveCgroupPath(cgroupsPath, id, parent.parent);
    why = parent.kind === 'own' ? `uid ${euid} may not make cgroup ${candidate} in its delegated subtree` : parent.why;
  }
  if (candidate !== undefined && mayMakeCgroup(candidate, host.cgroups)) return { cgroupPath: candidate };
  const asked = limitsAsked(spec.linux?.resources ?? {});
  if (asked.length) {
    throw new ConfigError('config.json', asked[0]!, `rootless: a limit needs a cgroup of the container's own, and ${why}`, 'config-linux.md#configLinuxControlGroups');
  }
  ctx.log.debug(`rootless: no cgroup of its own (${why}); no limit asks for one, so the container's processes stay in the caller's cgroups`);
  return { staysIn: own };
}

/**
 * Locks the directory createDir just made. A `delete --force` of the id may slip in between the
 * two and remove it, and another create may then make the id again: the directory is ours only if
 * it is still there and still empty.
 */
function lockNewDir(store: StateStore, id: string): ContainerLock {
  let lock: ContainerLock;
  try {
    lock = store.lock(id);
  } catch (e) {
    if (e instanceof NotFoundError) throw new StateError(`container ${id} was deleted while it was being created`);
    throw e;
  }
  if (fs.readdirSync(store.dir(id)).length > 0) {
    lock.release();
    throw new StateError(`container with id exists: ${id}`);
  }
  return lock;
}

/** Gives the seccomp listener fd (a copy, closed by the caller afterwards) to the agent. */
export type SeccompHandoff = (fd: number) => void;

/**
 * Plays the runtime's side of sync.h until READY; returns nothing. onInitPid gets the init's pid
 * and runs before the init goes on (it places it in its cgroups); onSeccompFd gets the seccomp
 * listener; onNetnsSocket gets the process (stage 1) and fd number of the socket lent for
 * linux.netDevices, and runs before it goes on.
 */
export function runHandshake(
  command: 'create' | 'exec',
  syncFd: number,
  helperPid: number,
  plan: LaunchPlan,
  children: Children,
  onHooks: () => void,
  onInitPid: (pid: number) => void,
  onSeccompFd: SeccompHandoff = () => {
    throw new TsruncError('the init sent a seccomp listener nobody asked for');
  },
  onNetnsSocket: (pid: number, fd: number) => void = () => {
    throw new TsruncError('the init lent a network namespace socket nobody asked for');
  },
): void {
  const n = native();
  let initPid = 0;
  // A peer that is gone (killed: a delete --force of the container meanwhile) is an exit, not a socket error.
  const send = (type: number) => {
    try {
      n.syncSend(syncFd, type, 0);
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'EPIPE' || code === 'ECONNRESET') throw exitedError(command, children.reap(initPid || helperPid));
      throw e;
    }
  };
  send(SyncType.GO);
  crashPoint(`${command}:sync-GO-sent`);
  for (;;) {
    const msg = n.syncRecv(syncFd, SYNC_TIMEOUT_MS);
    if (!msg) throw exitedError(command, children.reap(initPid || helperPid));
    // Every message of the protocol is a crash point on receipt (faults.test.ts lists them from SyncType).
    crashPoint(`${command}:sync-${syncTypeName(msg.type)}-received`);
    switch (msg.type) {
      case SyncType.USERNS_MAP:
        if (!plan.userNamespaceMaps) throw new TsruncError('the init asked for id maps of a user namespace the plan does not create');
        writeIdMaps(msg.value, plan.userNamespaceMaps);
        send(SyncType.ACK);
        break;
      case SyncType.INIT_PID:
        initPid = msg.value;
        if (initPid !== helperPid) {
          // Stage 1 forked the init (CLONE_PARENT, so it is our child too) and exits: reap it now.
          children.add(initPid);
          children.reap(helperPid);
        }
        // The init waits for this ACK: whatever onInitPid does (its cgroups) is done before it goes on.
        onInitPid(initPid);
        send(SyncType.ACK);
        break;
      case SyncType.HOOKS:
        onHooks();
        send(SyncType.ACK);
        break;
      case SyncType.SECCOMP_FD: {
        // A copy of the listener is ours: the init may go on (and close its own) at once; were it
        // to hit a notifying syscall first, it waits for the agent that is about to get the fd.
        const fd = takeSeccompFd(initPid, msg.value);
        try {
          send(SyncType.ACK);
          onSeccompFd(fd);
        } finally {
          fs.closeSync(fd);
        }
        break;
      }
      case SyncType.NETNS_SOCKET:
        // Stage 1 (still the helper: it lends the socket before it forks the init) waits for the
        // ACK, so the devices are in place before anything runs in their namespace.
        onNetnsSocket(helperPid, msg.value);
        send(SyncType.ACK);
        break;
      case SyncType.READY:
        return;
      case SyncType.ERROR:
        throw initStepError(msg, plan);
      default:
        throw new TsruncError(`init sent an unexpected message (type ${msg.type})`);
    }
  }
}

/** Sync message names by number, for the crash point named after each message received. */
const SYNC_TYPE_NAMES = new Map<number, string>(Object.entries(SyncType).map(([name, value]) => [value, name]));

function syncTypeName(type: number): string {
  return SYNC_TYPE_NAMES.get(type) ?? String(type);
}

/** The error for an init (or an exec's helper) that vanished without saying why (it crashed or was killed). */
function exitedError(command: 'create' | 'exec', status: ExitStatus | undefined): TsruncError {
  const how = !status ? '' : status.signal !== null ? ` (killed by ${signalName(status.signal)})` : ` (exit status ${status.exitCode})`;
  const who = command === 'create' ? 'container init' : 'the process being exec’d';
  return new TsruncError(`${who} exited unexpectedly${how}`);
}

/**
 * The helper and init processes, children of this process until reaped. Only unreaped pids are
 * ever signalled: a reaped pid may already belong to someone else.
 */
export class Children {
  private readonly pids = new Set<number>();

  add(pid: number): void {
    this.pids.add(pid);
  }

  /** Waits for `pid` to exit (it is known to be exiting) and forgets it. */
  reap(pid: number): ExitStatus | undefined {
    if (!this.pids.delete(pid)) return undefined;
    try {
      return native().waitPid(pid, false) ?? undefined;
    } catch {
      return undefined;
    }
  }

  killAll(): void {
    for (const pid of this.pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // already exited; reaped below
      }
    }
    for (const pid of [...this.pids]) this.reap(pid);
  }
}
