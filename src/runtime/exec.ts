/**
 * exec: start another process in a running container (runc exec). The init helper joins the
 * container's namespaces (the init's /proc/<pid>/ns links) after the runtime has put it in the
 * init's cgroups, applies the process's user, capabilities, rlimits, env, cwd and noNewPrivileges,
 * and execs at once: there is no start gate.
 */
import fs from 'node:fs';
import { constants } from 'node:os';
import { StateError, UsageError, fromNodeError } from '../errors.js';
import { initHelperPath, native } from '../native.js';
import { detectCgroupLayout, parseProcCgroup } from '../cgroups/detect.js';
import { primeCgroupMigration } from '../cgroups/manager.js';
import { encodePlan } from '../plan/encode.js';
import { buildExecPlan } from '../plan/exec.js';
import { apparmorEnabled, selinuxEnabled } from '../plan/host.js';
import { planIntelRdt, resctrlMountpoint } from '../plan/intel-rdt.js';
import { joinResctrl } from './resctrl.js';
import { readCapabilityHost } from '../plan/process.js';
import type { Process } from '../spec/generated/config.js';
import { deriveStatus } from '../state/status.js';
import { writeFileAtomic } from '../state/store.js';
import type { RuntimeContext } from './container.js';
import { Children, runHandshake } from './create.js';
import { hookStateJson } from '../plan/build.js';
import { sendToSeccompListener } from './seccomp-listener.js';
import { attachTerminal } from './run.js';
import { signalName } from './signals.js';
import { crashPoint } from './faults.js';

export interface ExecOptions {
  /** The process to run (config.md "Process"): args, env, cwd, user, capabilities, terminal, … */
  process: Process;
  /** Return once the process runs (with its pid) instead of waiting for it. */
  detach?: boolean;
  /** Write the process's pid here (atomically, digits only). */
  pidFile?: string;
  /** With process.terminal: where the pty master goes (a socket path or a connected fd). */
  consoleSocket?: string | number;
  /** Pass this process's fds 3..3+n-1 on as the process's 3..3+n-1 (runc's --preserve-fds). */
  preserveFds?: number;
  /**
   * Existing sub-cgroups of the container's to run in (runc's exec --cgroup): controller list → path
   * relative to the container's cgroup, '' for every hierarchy (cgroups/path.ts parseSubCgroups).
   */
  subCgroups?: ReadonlyMap<string, string>;
}

export interface ExecResult {
  pid: number;
  /** Foreground only: the exit code, or 128 + signal number. */
  exitStatus?: number;
  signal?: string;
}

const FORWARDED: NodeJS.Signals[] = ['SIGHUP', 'SIGINT', 'SIGQUIT', 'SIGTERM', 'SIGUSR1', 'SIGUSR2', 'SIGALRM', 'SIGCONT'];

export async function execProcess(ctx: RuntimeContext, id: string, options: ExecOptions): Promise<ExecResult> {
  // The grace period of the process's migration runs while it is planned (manager.ts).
  primeCgroupMigration();
  const { store } = ctx;
  const state = store.read(id);
  const status = deriveStatus(state, store.fifoPath(id), state?.phase === 'creating' && store.isLocked(id));
  if (!state || (status !== 'running' && status !== 'created')) throw new StateError(`cannot exec in a ${status} container`);
  let proc = options.process;
  if (!proc.args?.length) throw new UsageError('exec: a command is required (arguments or --process)');
  const attach = proc.terminal === true && options.consoleSocket === undefined && !options.detach;
  if (proc.terminal && options.consoleSocket === undefined && options.detach) {
    throw new UsageError('cannot allocate a terminal for a detached exec without --console-socket');
  }
  if (!proc.terminal && options.consoleSocket !== undefined) throw new UsageError('--console-socket is only allowed with a terminal (--tty)');
  // The size of the terminal we attach is set by the init before exec: a resize sent after the
  // master arrives could come after the program has already read a 0x0 size.
  if (attach && !proc.consoleSize && process.stdout.isTTY) proc = { ...proc, consoleSize: { height: process.stdout.rows, width: process.stdout.columns } };
  const caps = readCapabilityHost((p) => fs.readFileSync(p, 'utf8'));
  const seccomp = state.seccomp && { program: Buffer.from(state.seccomp.program, 'base64'), flags: state.seccomp.flags };
  const plan = buildExecPlan(state.config, proc, state.pid, caps, options.preserveFds ?? 0, seccomp, { apparmor: apparmorEnabled(), selinux: selinuxEnabled() });
  for (const w of plan.warnings) ctx.log.warn(w);

  const n = native();
  const pair = attach ? n.socketPair() : undefined;
  const consoleFd = typeof options.consoleSocket === 'string' ? n.connectUnix(options.consoleSocket) : undefined;
  const children = new Children();
  let syncFd: number | undefined;
  let pid = 0;
  try {
    const consoleArg = pair?.[1] ?? consoleFd ?? (typeof options.consoleSocket === 'number' ? options.consoleSocket : -1);
    const spawned = n.spawnInit(initHelperPath(), encodePlan(plan), consoleArg, plan.preserveFds);
    children.add(spawned.pid);
    syncFd = spawned.syncFd;
    crashPoint('exec:helper-spawned');
    const listenerPath = state.config.linux?.seccomp?.listenerPath;
    // The process joins the container's cgroups once its pid is known, before it goes on (the
    // helper that joined the namespaces for it never does).
    const onPid = (p: number) => {
      pid = p;
      // A rootless container without a cgroup of its own has none to join (as runc).
      if (state.cgroupPath) joinCgroups(p, state.pid, options.subCgroups);
      // As runc: every process of the container is in its resctrl group.
      const rdt = state.config.linux?.intelRdt;
      if (rdt) joinResctrl(planIntelRdt(rdt, id, resctrlMountpoint(fs.readFileSync('/proc/self/mountinfo', 'utf8')))!, p);
    };
    runHandshake('exec', syncFd, spawned.pid, plan, children, () => {}, onPid, (fd) => {
      // As runc: the container's state is `running`, its pid the init's; the process is this one.
      const containerState = { ...hookStateJson(state.config, { bundle: state.bundle, id }, state.pid, 'running') };
      sendToSeccompListener({ path: listenerPath!, metadata: state.config.linux?.seccomp?.listenerMetadata }, fd, pid, containerState);
    });
  } catch (e) {
    children.killAll();
    throw e;
  } finally {
    if (syncFd !== undefined) fs.closeSync(syncFd);
    if (consoleFd !== undefined) fs.closeSync(consoleFd);
    if (pair) fs.closeSync(pair[1]);
  }
  crashPoint('exec:process-started');
  if (options.pidFile) writeFileAtomic(options.pidFile, String(pid));
  if (options.detach) return { pid };

  const terminal = pair ? attachTerminal(pair[0]) : undefined;
  const forward = (sig: NodeJS.Signals) => {
    try {
      process.kill(pid, constants.signals[sig]);
    } catch {
      // exited; the wait below returns
    }
  };
  for (const sig of FORWARDED) process.on(sig, forward);
  try {
    // Our child (CLONE_PARENT from the helper), so waitpid sees its real status.
    const st = await n.waitPidAsync(pid);
    await terminal?.drained();
    if (st.signal !== null) return { pid, exitStatus: 128 + st.signal, signal: signalName(st.signal) };
    return { pid, exitStatus: st.exitCode ?? 0 };
  } finally {
    terminal?.close();
    for (const sig of FORWARDED) process.off(sig, forward);
  }
}

/**
 * Moves `pid` into every cgroup the container's init is in (cgroups(7) /proc/<pid>/cgroup), or the
 * sub-cgroup of it `sub` names for that hierarchy (its controllers, or '' for all).
 */
function joinCgroups(pid: number, initPid: number, sub: ReadonlyMap<string, string> = new Map()): void {
  let text: string;
  try {
    text = fs.readFileSync(`/proc/${initPid}/cgroup`, 'utf8');
  } catch (e) {
    throw fromNodeError('read cgroups of', `/proc/${initPid}/cgroup`, e);
  }
  const own = parseProcCgroup(text);
  const layout = detectCgroupLayout();
  const subOf = (controllers: string) => sub.get('') ?? controllers.split(',').map((c) => sub.get(c)).find((s) => s !== undefined);
  const targets: Array<[string, string | undefined, string | undefined]> = layout.v1.map((h) => [h.mountpoint, own.get(h.controllers), subOf(h.controllers)]);
  // A hybrid host's cgroup2 side holds no limits of the container's here: no sub-cgroup there.
  if (layout.unified) targets.push([layout.unified, own.get(''), layout.kind === 'v2' ? sub.get('') : undefined]);
  // Every named controller a hierarchy of this host, every sub-cgroup there, before anything moves.
  for (const c of sub.keys()) {
    if (c !== '' && !layout.v1.some((h) => h.controllers.split(',').includes(c))) throw new UsageError(`--cgroup: this host has no ${c} hierarchy`);
  }
  const dirs = targets
    .filter(([, path]) => path !== undefined)
    .map(([mountpoint, path, subPath]) => {
      const dir = `${mountpoint}${path === '/' ? '' : path}${subPath ? `/${subPath}` : ''}`;
      if (subPath !== undefined && !fs.existsSync(dir)) throw new UsageError(`--cgroup: ${dir} does not exist (exec joins an existing sub-cgroup of the container's)`);
      return dir;
    });
  for (const dir of dirs) {
    const file = `${dir}/cgroup.procs`;
    try {
      fs.writeFileSync(file, String(pid));
    } catch (e) {
      throw fromNodeError('join cgroup', file, e);
    }
  }
}
