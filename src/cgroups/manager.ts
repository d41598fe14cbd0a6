/**
 * The container's cgroups: one driver per host layout behind one interface. v1 (and hybrid) keep a
 * directory per hierarchy, v2 one directory with its controllers enabled down the tree. Paths are
 * cgroupsPath resolved by ./path.ts; all policy (which file, which value) is in ./resources.ts.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fromNodeError, TsruncError } from '../errors.js';
import type { Resources } from '../spec/generated/config.js';
import { type CgroupLayout, detectCgroupLayout, parseProcCgroup } from './detect.js';
import { native } from '../native.js';
import { deviceProgram } from './device-program.js';
import { CGROUP_PARENT } from './path.js';
import { type CgroupWrite, type CurrentValues, v1Writes, v2Writes } from './resources.js';
import { hugepageSizes, oomKills, type Stats, statsV1, statsV2 } from './stats.js';
import { raiseRtBudget, type RtFiles } from './rt-budget.js';

export interface CgroupManager {
  /** The container's cgroup path, relative to each hierarchy's root (e.g. /tsrunc/web). */
  readonly path: string;
  readonly version: 1 | 2;
  /** Creates the directories (a non-empty existing cgroup is refused: config-linux.md). */
  create(): void;
  /** Writes `resources`; what the kernel lacks but may be ignored is pushed to `warnings`. */
  apply(resources: Resources, warnings: string[]): void;
  /** Usage counters in runc's `events` shape. */
  stats(): Stats;
  /** OOM kills in the cgroup so far (0 where the kernel does not count them). */
  oomKills(): number;
  /** Bytes of memory the container uses now (memory.usage_in_bytes, memory.current). */
  memoryUsage(): number | undefined;
  addProcess(pid: number): void;
  /** Pids in the cgroup (all hierarchies agree; the first one is read). */
  pids(): number[];
  freeze(): void;
  thaw(): void;
  frozen(): boolean;
  /** SIGKILL to every process in the cgroup, frozen ones included (they die once thawed). */
  killAll(): void;
  /** Removes the directories; processes still inside make it fail unless `kill` is set. */
  destroy(options?: DestroyOptions): void;
  /** The ancestor directories create() made (absolute), recorded so a later delete removes them once empty. */
  madeParents(): string[];
  /**
   * Hands the cgroup's directory and `files` (./delegation.ts) to host `uid` (v2 only: the plan
   * never asks for it on v1); files the cgroup lacks are passed over, as config-linux.md says.
   */
  delegate(uid: number, files: string[]): void;
}

export interface DestroyOptions {
  /** SIGKILL what is still inside first. */
  kill?: boolean;
  /**
   * Ancestors to remove once empty: those create() made. Parents someone else made (a pod's cgroup)
   * stay, even empty; below our own /tsrunc parent everything empty goes.
   */
  parents?: string[];
}

let factory: ((cgroupPath: string) => CgroupManager) | undefined;

/** The container's cgroups on this host (the layout is detected on each call: it is cheap). */
export function openCgroups(cgroupPath: string): CgroupManager {
  return factory ? factory(cgroupPath) : cgroupManager(detectCgroupLayout(), cgroupPath);
}

/**
 * Takes the kernel's wait for the first cgroup migration off the critical path. A migration takes
 * cgroup_threadgroup_rwsem for writing, and the first writer after a quiet spell waits for an RCU
 * grace period (8-20 ms here) before anything moves; writers within a grace period of the last
 * one pass at once (kernel/rcu/sync.c). So a create or exec, as it starts, writes our own pid to
 * the cgroup we are already in (a migration that moves nothing) from a thread-pool thread: by the
 * time it moves the container's process, which waits for that, the wait is over (the first write
 * to cgroup.procs in `run`: 12-19 ms before, 0.1 ms after). runc hides the same wait behind its
 * child's re-exec. Best effort: a failure only costs the wait.
 */
export function primeCgroupMigration(): void {
  if (factory) return;
  let fd: number;
  try {
    const layout = detectCgroupLayout();
    const own = parseProcCgroup(fs.readFileSync('/proc/self/cgroup', 'utf8'));
    const hierarchy = layout.unified !== undefined && own.has('') ? { mountpoint: layout.unified, controllers: '' } : layout.v1.find((h) => own.has(h.controllers));
    if (!hierarchy) return;
    fd = fs.openSync(path.join(hierarchy.mountpoint, own.get(hierarchy.controllers)!, 'cgroup.procs'), 'r+');
  } catch {
    return; // no cgroup of ours to write: nothing to prime
  }
  // Opened here and written on the pool: one request, so it runs while a create blocks the loop.
  fs.write(fd, String(process.pid), () => fs.close(fd, () => {}));
}

/**
 * The cgroup path (as a cgroupsPath) process `pid` is in: its v2 cgroup on a pure v2 host, else its
 * memory (or first) v1 hierarchy's. Undefined for the root cgroup or an unreadable process.
 */
export function cgroupPathOf(pid: number): string | undefined {
  try {
    const layout = detectCgroupLayout();
    const own = parseProcCgroup(fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8'));
    const v1 = layout.v1.find((h) => h.controllers.split(',').includes('memory')) ?? layout.v1[0];
    const found = layout.kind === 'v2' ? own.get('') : v1 && own.get(v1.controllers);
    return found && found !== '/' ? found : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Whether this process may make (or use) cgroup `rel` in each hierarchy the driver writes: the
 * directory itself where it exists, else its nearest existing ancestor, is writable by it.
 */
export function mayMakeCgroup(rel: string, layout: CgroupLayout = detectCgroupLayout()): boolean {
  if (factory) return true;
  const mountpoints = layout.kind === 'v2' ? [layout.unified!] : layout.v1.map((h) => h.mountpoint);
  if (mountpoints.length === 0) return false;
  const writable = (p: string) => {
    try {
      fs.accessSync(p, fs.constants.W_OK);
      return true;
    } catch {
      return false;
    }
  };
  return mountpoints.every((mp) => {
    const target = path.join(mp, rel);
    if (fs.existsSync(target)) return writable(path.join(target, 'cgroup.procs'));
    let dir = path.dirname(target);
    while (!fs.existsSync(dir) && dir.startsWith(`${mp}/`)) dir = path.dirname(dir);
    return writable(dir);
  });
}

/** Unit tests run the lifecycle with a fake native addon: they must never touch real cgroups. */
export function setCgroupsForTesting(fake: ((cgroupPath: string) => CgroupManager) | undefined): void {
  factory = fake;
}

/** The driver for a layout. */
export function cgroupManager(layout: CgroupLayout, cgroupPath: string): CgroupManager {
  if (layout.kind === 'v2') return new V2Manager(layout.unified!, cgroupPath);
  if (layout.kind === 'none') throw new TsruncError('no cgroup hierarchy is mounted on this host');
  return new V1Manager(layout, cgroupPath);
}

function write(file: string, value: string): void {
  try {
    fs.writeFileSync(file, value);
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    // The file is the kernel's interface: its absence means the controller or knob is missing.
    if (err.code === 'ENOENT') throw new TsruncError(`cgroup: ${path.basename(file)} does not exist on this host (its controller or kernel option is missing)`);
    throw fromNodeError(`cgroup: write ${JSON.stringify(value)} to`, file, e);
  }
}

/** One planned write into `dir`: its fallback file when the first is missing, warnings where allowed. */
function carryOut(dir: string, w: CgroupWrite, warnings: string[]): void {
  // Only ever a file of the container's own cgroup (checkResources refuses such keys first).
  if (w.file.includes('/') || w.file.startsWith('.')) throw new TsruncError(`cgroup: refusing to write ${JSON.stringify(w.file)}: not a file name of the cgroup`);
  const target = path.join(dir, w.file);
  if (!fs.existsSync(target)) {
    if (w.orElse) return carryOut(dir, w.orElse, warnings);
    if (w.missing !== undefined) {
      if (w.missing) warnings.push(w.missing);
      return;
    }
    // Said before writing: cgroupfs answers a write to a missing file with EACCES, not ENOENT.
    throw new TsruncError(`cgroup: ${w.file} does not exist in ${dir}${w.absent ? `: ${w.absent}` : ' (its controller or kernel option is missing)'}`);
  }
  write(target, w.value);
  // Still "unlimited" after a finite limit was accepted: the kernel ignores this knob.
  if (w.verify && Number(w.value) >= 0 && (readNumber(target) ?? 0) >= 2 ** 62) warnings.push(w.verify);
}

/** The child cgroups of `dir` (absolute); none when it is gone or unreadable. */
function subCgroups(dir: string): string[] {
  try {
    return fs.readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => path.join(dir, e.name));
  } catch {
    return [];
  }
}

const cgroupFiles: RtFiles = {
  read: (dir, file) => readNumber(path.join(dir, file)),
  // Raw: rt-budget words the error itself, with the errno the kernel gave.
  write: (dir, file, value) => fs.writeFileSync(path.join(dir, file), String(value)),
  children: subCgroups,
};

function readFile(file: string): string | undefined {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function hostHugepages(): string[] {
  try {
    return hugepageSizes(fs.readdirSync('/sys/kernel/mm/hugepages'));
  } catch {
    return [];
  }
}

function readNumber(file: string): number | undefined {
  try {
    const n = Number(fs.readFileSync(file, 'utf8').trim());
    return Number.isFinite(n) ? n : undefined;
  } catch {
    return undefined;
  }
}

/**
 * A new cpuset starts with no cpus and no mems, and nothing can join it: `dir` gets its parent's.
 * A parent another create has just made may still be empty itself, so every empty level from the
 * top down is filled from the nearest level above that has them.
 */
function inheritCpuset(mountpoint: string, dir: string): void {
  const levels: string[] = [];
  for (let d = dir; d !== mountpoint && d.startsWith(`${mountpoint}/`); d = path.dirname(d)) levels.unshift(d);
  for (const f of ['cpuset.cpus', 'cpuset.mems']) {
    let value = fs.readFileSync(path.join(mountpoint, f), 'utf8').trim();
    for (const level of levels) {
      const own = fs.readFileSync(path.join(level, f), 'utf8').trim();
      if (own) value = own;
      else write(path.join(level, f), value || '\n');
    }
  }
}

/** A cgroup with processes in it belongs to someone else (another container, with the same cgroupsPath). */
function assertUnused(dir: string): void {
  if (readPids(dir).length) throw new TsruncError(`cgroup ${dir} is not empty: another container uses this cgroupsPath`);
}

function readPids(dir: string): number[] {
  try {
    return fs.readFileSync(path.join(dir, 'cgroup.procs'), 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** mkdir -p, each level created by us reported (so destroy removes exactly those). */
function makeDirs(root: string, rel: string, onLevel: (dir: string, parent: string) => void = () => {}): void {
  let dir = root;
  for (const part of rel.split('/').filter(Boolean)) {
    const parent = dir;
    dir = path.join(dir, part);
    try {
      fs.mkdirSync(dir);
      onLevel(dir, parent);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Another container's delete removed the shared empty parent (/tsrunc) under us: again.
      if (code === 'ENOENT') return makeDirs(root, rel, onLevel);
      if (code !== 'EEXIST') throw fromNodeError('cgroup: create', dir, e);
    }
  }
}

/** The ancestors of `rel` under hierarchy `root` that destroy removes when empty: those create
 * made there (`made`: absolute directories), and our parent with everything below it (/tsrunc, or
 * a rootless user's <delegated subtree>/tsrunc: the first level of that name). Deepest first. */
export function parentsToRemove(root: string, rel: string, made: readonly string[]): string[] {
  const parts = rel.split('/').filter(Boolean);
  const ours = parts.indexOf(path.basename(CGROUP_PARENT));
  const ancestors = parts.slice(0, -1).map((_, i) => ({ dir: `/${parts.slice(0, i + 1).join('/')}`, below: ours >= 0 && i >= ours }));
  return ancestors
    .filter((a) => made.includes(path.join(root, a.dir)) || a.below)
    .map((a) => a.dir)
    .reverse()
    .map((a) => path.join(root, a));
}

/**
 * rmdir, retried while the last processes finish exiting; ENOENT is success. Sub-cgroups go first,
 * deepest first (as runc's RemovePath): a container's own (exec --cgroup, a delegated subtree).
 */
function removeDir(dir: string): void {
  // A dir gone or unreadable has none: the rmdir below says which.
  for (const sub of subCgroups(dir)) removeDir(sub);
  for (let attempt = 0; ; attempt++) {
    try {
      fs.rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return;
      if (code !== 'EBUSY' || attempt >= 50) throw fromNodeError('cgroup: remove', dir, e);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}

/** Removes `dirs` (deepest first) where they are empty; one in use ends it. */
function removeParents(dirs: readonly string[]): void {
  for (const dir of dirs) {
    try {
      fs.rmdirSync(dir);
    } catch {
      return; // in use by another container
    }
  }
}

function signalAll(pids: number[]): void {
  for (const pid of pids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

function killAll(dirOf: () => string): void {
  for (let round = 0; round < 100; round++) {
    const pids = readPids(dirOf());
    if (pids.length === 0) return;
    for (const pid of pids) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // gone
      }
    }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
  }
}

class V1Manager implements CgroupManager {
  readonly version = 1;
  /** controller (as in CgroupWrite) → hierarchy mount point. */
  private readonly mounts = new Map<string, string>();
  private readonly hierarchies: string[];
  /** Hybrid hosts: the cgroup2 hierarchy, which holds the controllers no v1 hierarchy has (hugetlb here). */
  private readonly unified: V2Manager | undefined;

  constructor(
    layout: CgroupLayout,
    readonly path: string,
  ) {
    this.hierarchies = layout.v1.map((h) => h.mountpoint);
    for (const h of layout.v1) for (const c of h.controllers.split(',')) this.mounts.set(c, h.mountpoint);
    if (layout.unified) this.unified = new V2Manager(layout.unified, path, false);
  }

  private dir(mountpoint: string): string {
    return path.join(mountpoint, this.path);
  }

  create(): void {
    // Refused before anything is made or joined: a failed create must not touch another container.
    for (const m of this.hierarchies) assertUnused(this.dir(m));
    this.unified?.assertUnused();
    for (const m of this.hierarchies) {
      makeDirs(m, this.path, (dir) => {
        if (dir !== this.dir(m)) this.made.push(dir);
        if (m === this.mounts.get('cpuset')) inheritCpuset(m, dir);
      });
    }
    this.unified?.make();
  }

  apply(resources: Resources, warnings: string[]): void {
    const writes = v1Writes(resources, warnings, this.current(resources));
    const cpu = this.mounts.get('cpu');
    const rt = resources.cpu?.realtimeRuntime;
    if (cpu && rt !== undefined && rt > 0) raiseRtBudget(cpu, CGROUP_PARENT, this.path, rt, resources.cpu?.realtimePeriod, cgroupFiles);
    // Controllers only the hybrid host's cgroup2 hierarchy has are applied there, the v2 way.
    const onUnified = new Set(writes.map((w) => w.controller).filter((c) => !this.mounts.has(c) && this.unified?.offers(c)));
    for (const w of writes) {
      if (onUnified.has(w.controller)) continue;
      const mount = this.mounts.get(w.controller);
      if (!mount) throw new TsruncError(`cgroup: the ${w.controller} controller is not mounted on this host (needed for ${w.file})`);
      carryOut(this.dir(mount), w, warnings);
    }
    if (onUnified.size) this.unified!.applyOnly(resources, onUnified, warnings);
  }

  private current(resources: Resources): CurrentValues {
    const memory = this.mounts.get('memory');
    if (!resources.memory || !memory) return {};
    return { memoryLimit: readNumber(path.join(this.dir(memory), 'memory.limit_in_bytes')) };
  }

  stats(): Stats {
    return statsV1((controller, file) => {
      const mount = this.mounts.get(controller);
      return mount ? readFile(path.join(this.dir(mount), file)) : undefined;
    }, hostHugepages());
  }

  oomKills(): number {
    const memory = this.mounts.get('memory');
    return memory ? oomKills(readFile(path.join(this.dir(memory), 'memory.oom_control'))) : 0;
  }

  memoryUsage(): number | undefined {
    const memory = this.mounts.get('memory');
    return memory ? readNumber(path.join(this.dir(memory), 'memory.usage_in_bytes')) : undefined;
  }

  addProcess(pid: number): void {
    for (const m of this.hierarchies) write(path.join(this.dir(m), 'cgroup.procs'), String(pid));
    this.unified?.addProcess(pid);
  }

  pids(): number[] {
    const m = this.mounts.get('pids') ?? this.mounts.get('freezer') ?? this.hierarchies[0]!;
    return readPids(this.dir(m));
  }

  private freezer(): string {
    const m = this.mounts.get('freezer');
    if (!m) throw new TsruncError('cgroup: the freezer controller is not mounted on this host');
    return path.join(this.dir(m), 'freezer.state');
  }

  freeze(): void {
    write(this.freezer(), 'FROZEN');
    for (let i = 0; i < 500 && !this.frozen(); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    if (!this.frozen()) throw new TsruncError('cgroup: the container did not freeze');
  }

  thaw(): void {
    write(this.freezer(), 'THAWED');
  }

  frozen(): boolean {
    try {
      return fs.readFileSync(this.freezer(), 'utf8').trim() === 'FROZEN';
    } catch {
      return false;
    }
  }

  killAll(): void {
    const dir = () => this.dir(this.mounts.get('pids') ?? this.hierarchies[0]!);
    signalAll(readPids(dir()));
    // A frozen process holds the signal until it runs again.
    if (this.mounts.has('freezer') && this.frozen()) this.thaw();
    killAll(dir);
  }

  private readonly made: string[] = [];

  madeParents(): string[] {
    return [...this.made, ...(this.unified?.madeParents() ?? [])];
  }

  delegate(): void {
    throw new TsruncError('cgroup: delegation is for cgroup v2 only (config-linux.md: not secure on v1)');
  }

  destroy(options: DestroyOptions = {}): void {
    if (options.kill) this.killAll();
    const made = options.parents ?? this.madeParents();
    for (const m of this.hierarchies) {
      removeDir(this.dir(m));
      removeParents(parentsToRemove(m, this.path, made));
    }
    this.unified?.destroy({ parents: made });
  }
}

class V2Manager implements CgroupManager {
  readonly version = 2;
  private readonly dir: string;
  readonly path: string;

  /**
   * `enableAll`: on a pure v2 host every controller the root offers is enabled down to our parent
   * (runc does the same); a hybrid host's cgroup2 side enables only what {@link applyOnly} needs.
   */
  constructor(
    private readonly root: string,
    cgroupPath: string,
    private readonly enableAll = true,
  ) {
    this.path = cgroupPath;
    this.dir = path.join(root, cgroupPath);
  }

  create(): void {
    this.assertUnused();
    this.make();
  }

  assertUnused(): void {
    assertUnused(this.dir);
  }

  /** Makes the directories (and enables the controllers) without the check: V1Manager checks first. */
  make(): void {
    if (this.enableAll) this.enable(this.available(this.root));
    else makeDirs(this.root, this.path, (dir) => this.noteMade(dir));
  }

  private available(dir: string): string[] {
    try {
      return fs.readFileSync(path.join(dir, 'cgroup.controllers'), 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return [];
    }
  }

  private subtreeControl(dir: string): string[] {
    return (readFile(path.join(dir, 'cgroup.subtree_control')) ?? '').trim().split(/\s+/).filter(Boolean);
  }

  /** Whether the hierarchy has `controller` at all. */
  offers(controller: string): boolean {
    return this.available(this.root).includes(controller);
  }

  /** Enables `controllers` in every ancestor's subtree_control, creating the path on the way. */
  private enable(controllers: string[]): void {
    let dir = this.root;
    for (const part of this.path.split('/').filter(Boolean)) {
      // Only what is not enabled yet. Above a rootless user's delegated subtree the levels are not
      // its to change: what their owner enabled is what it has (a limit needing more fails clearly
      // in apply: "the … controller is not available here").
      const enabled = this.subtreeControl(dir);
      const missing = controllers.filter((c) => this.available(dir).includes(c) && !enabled.includes(c));
      if (missing.length) {
        try {
          fs.writeFileSync(path.join(dir, 'cgroup.subtree_control'), missing.map((c) => `+${c}`).join(' '));
        } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (!((code === 'EACCES' || code === 'EPERM') && process.geteuid?.() !== 0)) throw fromNodeError('cgroup: enable controllers in', path.join(dir, 'cgroup.subtree_control'), e);
        }
      }
      makeDirs(dir, part, (made) => this.noteMade(made));
      dir = path.join(dir, part);
    }
  }

  apply(resources: Resources, warnings: string[]): void {
    this.carryOutAll(v2Writes(resources, warnings), warnings);
    // No devices files on v2: the rules become an eBPF program on the cgroup (./device-program.ts).
    if (resources.devices) {
      try {
        native().replaceDeviceProgram(this.dir, deviceProgram(resources.devices));
      } catch (e) {
        // The verifier's last lines say why it refused the program (a bug of ours, never of the config).
        const log = ((e as Error).cause as { verifierLog?: string } | undefined)?.verifierLog;
        if (!log) throw e;
        throw new TsruncError(`${(e as Error).message}; the verifier said: ${log.trim().split('\n').slice(-3).join(' | ')}`);
      }
    }
  }

  /** The writes of `controllers` only (a hybrid host's v1 side does the rest); warnings are the v1 side's. */
  applyOnly(resources: Resources, controllers: Set<string>, warnings: string[]): void {
    this.enable([...controllers]);
    this.carryOutAll(v2Writes(resources, []).filter((w) => controllers.has(w.controller)), warnings);
  }

  private carryOutAll(writes: CgroupWrite[], warnings: string[]): void {
    const enabled = new Set(this.available(this.dir));
    for (const w of writes) {
      if (!enabled.has(w.controller)) throw new TsruncError(`cgroup: the ${w.controller} controller is not available here (needed for ${w.file})`);
      carryOut(this.dir, w, warnings);
    }
  }

  stats(): Stats {
    return statsV2((file) => readFile(path.join(this.dir, file)), hostHugepages());
  }

  oomKills(): number {
    return oomKills(readFile(path.join(this.dir, 'memory.events')));
  }

  memoryUsage(): number | undefined {
    return readNumber(path.join(this.dir, 'memory.current'));
  }

  addProcess(pid: number): void {
    write(path.join(this.dir, 'cgroup.procs'), String(pid));
  }

  pids(): number[] {
    return readPids(this.dir);
  }

  freeze(): void {
    write(path.join(this.dir, 'cgroup.freeze'), '1');
    for (let i = 0; i < 500 && !this.frozen(); i++) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 2);
    if (!this.frozen()) throw new TsruncError('cgroup: the container did not freeze');
  }

  thaw(): void {
    write(path.join(this.dir, 'cgroup.freeze'), '0');
  }

  frozen(): boolean {
    try {
      return /^frozen 1$/m.test(fs.readFileSync(path.join(this.dir, 'cgroup.events'), 'utf8'));
    } catch {
      return false;
    }
  }

  killAll(): void {
    // cgroup.kill (5.14+) kills everything at once, frozen or not; older kernels get the loop.
    try {
      fs.writeFileSync(path.join(this.dir, 'cgroup.kill'), '1');
    } catch {
      signalAll(readPids(this.dir));
      if (this.frozen()) this.thaw();
    }
    killAll(() => this.dir);
  }

  private readonly made: string[] = [];

  private noteMade(dir: string): void {
    if (dir !== this.dir) this.made.push(dir);
  }

  madeParents(): string[] {
    return [...this.made];
  }

  delegate(uid: number, files: string[]): void {
    for (const f of files) {
      try {
        // The owner only, as runc: the group stays root's.
        fs.chownSync(path.join(this.dir, f), uid, -1);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw fromNodeError('cgroup: delegate', path.join(this.dir, f), e);
      }
    }
  }

  destroy(options: DestroyOptions = {}): void {
    if (options.kill) this.killAll();
    removeDir(this.dir);
    removeParents(parentsToRemove(this.root, this.path, options.parents ?? this.madeParents()));
  }
}
