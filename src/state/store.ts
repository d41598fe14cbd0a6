/**
 * On-disk container state: `<root>/<id>/state.json`, the start gate `exec.fifo` beside it, and a
 * per-container lock (flock on the container directory).
 *
 * Crash safety: state.json is replaced atomically (temp file + rename), so a reader sees the old or
 * the new state, never half of one, whatever process dies when. A directory without state.json is a create that has
 * not reached the init yet (or died before it did).
 */
import fs from 'node:fs';
import path from 'node:path';
import { CorruptStateError, fromNodeError, NotFoundError, StateError, UsageError } from '../errors.js';
import { native } from '../native.js';
import type { Spec } from '../spec/generated/config.js';

/** What state.json holds: runtime.md's state plus what tsrunc needs to act on the container later. */
export interface StoredState {
  ociVersion: string;
  id: string;
  /** The init's pid in the runtime's pid namespace. */
  pid: number;
  bundle: string;
  rootfs: string;
  /** RFC 3339 creation time. */
  created: string;
  owner: string;
  annotations?: Record<string, string>;
  /** `creating` until the init waits at the start gate, then `created`. */
  phase: 'creating' | 'created';
  /** starttime of the init (/proc/<pid>/stat field 22): guards every later signal against pid reuse. */
  initStartTime: string;
  /**
   * `dev:ino` of the init's executable (the helper's memfd) while it waits at the start gate: once it
   * differs, the init has exec'd the container's process, whatever the gate's file says.
   */
  initExe?: string;
  /** config.json as it was at create: later changes to the file must not affect the container. */
  config: Spec;
  /** The container's cgroup (relative to each hierarchy's root), when tsrunc made one. */
  cgroupPath?: string;
  /** Ancestor cgroup directories (absolute) this container's create made: its delete removes them once empty. */
  cgroupParents?: string[];
  /**
   * No mount namespace of its own: the ids of the mounts that were at or under the rootfs before
   * create. Every other mount there is the container's, and delete removes it.
   */
  hostMountsBefore?: number[];
  /** The resctrl groups create made for linux.intelRdt: delete removes them. */
  resctrl?: { group?: string; monGroup?: string };
  /** linux.seccomp as create compiled it (base64 cBPF, seccomp(2) flags): exec loads the same filter. */
  seccomp?: { program: string; flags: number };
}

/** runc's rule for ids: they become a directory name, so no slashes, no "." or "..". */
const ID_PATTERN = /^[\w+\-.]+$/;

/** Throws a UsageError unless `id` can name a container. */
export function validateId(id: string): void {
  if (!ID_PATTERN.test(id) || id === '.' || id === '..' || id.length > 1024) {
    throw new UsageError(`invalid container id ${JSON.stringify(id)}: use letters, digits, and _ + - .`);
  }
}

/** A held per-container lock. */
export interface ContainerLock {
  release(): void;
}

export class StateStore {
  constructor(readonly root: string) {}

  /** The container's directory; an id that could name another path is refused here, for every command. */
  dir(id: string): string {
    validateId(id);
    return path.join(this.root, id);
  }

  fifoPath(id: string): string {
    return path.join(this.dir(id), 'exec.fifo');
  }

  /**
   * Makes the container's directory; it must not exist yet (runtime.md: a create with an id in use
   * MUST fail and create nothing).
   */
  createDir(id: string): string {
    validateId(id);
    try {
      fs.mkdirSync(this.root, { recursive: true, mode: 0o700 });
    } catch (e) {
      // A recursive mkdir says ENOENT for what is EROFS (or EACCES) at the last level: ask again for the real reason.
      let cause = e;
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        try {
          fs.mkdirSync(this.root, { mode: 0o700 });
        } catch (again) {
          cause = again;
        }
      }
      throw fromNodeError('create state root', this.root, cause);
    }
    this.checkRootOwnership();
    const dir = this.dir(id);
    try {
      // 0711: a process of the container (a mapped uid) may need to reach files inside by path.
      fs.mkdirSync(dir, { mode: 0o711 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new StateError(`container with id exists: ${id}`);
      throw fromNodeError('create state directory', dir, e);
    }
    return dir;
  }

  /**
   * The state root holds what later commands act on as root (pids to signal, cgroups to remove):
   * a root that someone else owns or may write could be filled with forged state, so it is refused.
   */
  private checkRootOwnership(): void {
    const st = fs.statSync(this.root);
    const uid = process.geteuid?.() ?? 0;
    if (st.uid !== uid) throw new StateError(`state root ${this.root} belongs to uid ${st.uid}, not to this user (uid ${uid}): use a directory of your own (--root)`);
    if ((st.mode & 0o022) !== 0) {
      throw new StateError(`state root ${this.root} is writable by other users (mode ${(st.mode & 0o7777).toString(8).padStart(4, '0')}): use a directory only its owner can write (--root)`);
    }
  }

  /**
   * A cache directory under the state root (`~` keeps it apart from container ids), or undefined
   * when the root does not exist yet or is not ours alone: a cache others can write is not used.
   */
  cacheDir(name: string): string | undefined {
    try {
      this.checkRootOwnership();
    } catch {
      return undefined;
    }
    return path.join(this.root, '~cache', name);
  }

  /** Takes the container's lock, waiting for other tsrunc processes that hold it. */
  lock(id: string): ContainerLock {
    validateId(id);
    const dir = this.dir(id);
    let fd: number;
    try {
      fd = fs.openSync(dir, fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') throw new NotFoundError(id);
      throw fromNodeError('open state directory', dir, e);
    }
    try {
      native().flock(fd, true, false);
      // A delete may have removed the directory while we waited for its lock.
      if (fs.fstatSync(fd).nlink === 0) throw new NotFoundError(id);
    } catch (e) {
      fs.closeSync(fd);
      throw e;
    }
    let held = true;
    return {
      release() {
        if (held) fs.closeSync(fd);
        held = false;
      },
    };
  }

  /** Another process holds the container's lock right now (a create or another operation runs). */
  isLocked(id: string): boolean {
    let fd: number;
    try {
      fd = fs.openSync(this.dir(id), fs.constants.O_RDONLY | fs.constants.O_DIRECTORY);
    } catch {
      return false;
    }
    try {
      return !native().flock(fd, true, true);
    } finally {
      fs.closeSync(fd);
    }
  }

  /**
   * The stored state, or undefined while the create has not recorded an init yet. A state.json
   * that is not a state (truncated, garbage, the wrong shape) throws a CorruptStateError.
   */
  read(id: string): StoredState | undefined {
    const file = path.join(this.dir(id), 'state.json');
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' && fs.existsSync(this.dir(id))) return undefined;
      if (code === 'ENOENT' || code === 'ENOTDIR') throw new NotFoundError(id);
      throw fromNodeError('read', file, e);
    }
    return parseState(id, text);
  }

  /** Replaces state.json atomically. */
  write(state: StoredState): void {
    const file = path.join(this.dir(state.id), 'state.json');
    writeFileAtomic(file, serializeState(state), 0o600);
  }

  /** Removes everything the store holds for the container. */
  remove(id: string): void {
    fs.rmSync(this.dir(id), { recursive: true, force: true });
  }

  /** Ids of every container in the store, sorted. */
  ids(): string[] {
    try {
      return fs
        .readdirSync(this.root, { withFileTypes: true })
        .filter((d) => d.isDirectory() && ID_PATTERN.test(d.name))
        .map((d) => d.name)
        .sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw fromNodeError('read state root', this.root, e);
    }
  }
}

/**
 * The fields delete needs to find what a container holds come first, the config (the bulk) last: a
 * state.json cut short (a full disk, a torn copy) still names the init and the cgroups.
 */
const KEY_ORDER: ReadonlyArray<keyof StoredState> = ['id', 'pid', 'initStartTime', 'initExe', 'phase', 'cgroupPath', 'cgroupParents', 'hostMountsBefore', 'rootfs', 'bundle'];

export function serializeState(state: StoredState): string {
  const ordered: Record<string, unknown> = {};
  for (const key of KEY_ORDER) if (state[key] !== undefined) ordered[key] = state[key];
  for (const [key, value] of Object.entries(state)) if (!(key in ordered) && key !== 'config') ordered[key] = value;
  ordered.config = state.config;
  return JSON.stringify(ordered);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isCount = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Each field's check: what a state.json written by tsrunc holds (`?`: may be absent). */
const FIELD_CHECKS: Record<string, [(v: unknown) => boolean, string, boolean]> = {
  ociVersion: [isString, 'a string', true],
  id: [isString, 'a string', true],
  pid: [isCount, 'a pid', true],
  bundle: [isString, 'a string', true],
  rootfs: [isString, 'a string', true],
  created: [isString, 'a string', true],
  owner: [isString, 'a string', true],
  phase: [(v) => v === 'creating' || v === 'created', '"creating" or "created"', true],
  initStartTime: [(v) => isString(v) && /^\d*$/.test(v), 'a start time', true],
  config: [isObject, 'an object', true],
  initExe: [(v) => isString(v) && /^\d+:\d+$/.test(v), 'dev:ino', false],
  annotations: [isObject, 'an object', false],
  cgroupPath: [(v) => isString(v) && v.startsWith('/') && !v.split('/').includes('..'), 'an absolute cgroup path', false],
  cgroupParents: [(v) => isStringArray(v) && v.every((p) => p.startsWith('/') && !p.split('/').includes('..')), 'cgroup directories', false],
  hostMountsBefore: [(v) => Array.isArray(v) && v.every(isCount), 'mount ids', false],
  seccomp: [(v) => isObject(v) && isString(v.program) && isCount(v.flags), 'a compiled filter', false],
};

/**
 * state.json's text → the state, checked field by field; anything else is a CorruptStateError
 * carrying the fields that still pass their check (for delete --force).
 */
export function parseState(id: string, text: string): StoredState {
  let doc: unknown;
  let reason: string | undefined;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    reason = text.trim() === '' ? 'it is empty' : `not JSON (${(e as Error).message})`;
  }
  if (reason === undefined) {
    if (!isObject(doc)) reason = 'not a JSON object';
    else {
      for (const [key, [check, expected, required]] of Object.entries(FIELD_CHECKS)) {
        const value = doc[key];
        if (value === undefined ? required : !check(value)) {
          reason = `/${key}: ${value === undefined ? 'is missing' : `is not ${expected}`}`;
          break;
        }
      }
      if (reason === undefined && doc.id !== id) reason = `/id: names ${JSON.stringify(doc.id)}, not this container`;
      if (reason === undefined) return doc as unknown as StoredState;
    }
  }
  // Another container's state names its processes and cgroups, not this one's: nothing is salvaged.
  const fields = isObject(doc) ? doc : scrapeFields(text);
  const foreign = isObject(doc) && doc.id !== undefined && doc.id !== id;
  throw new CorruptStateError(id, reason!, foreign ? {} : salvageState(fields));
}

/** Fields of a state.json that is not JSON (cut short, most likely), found by their text. */
function scrapeFields(text: string): Record<string, unknown> {
  const found: Record<string, unknown> = {};
  const json = (pattern: RegExp) => {
    const m = pattern.exec(text);
    if (!m) return undefined;
    try {
      return JSON.parse(m[1]!) as unknown;
    } catch {
      return undefined;
    }
  };
  found.pid = json(/"pid":(\d+)/);
  found.initStartTime = json(/"initStartTime":("\d*")/);
  found.cgroupPath = json(/"cgroupPath":("(?:[^"\\]|\\.)*")/);
  found.cgroupParents = json(/"cgroupParents":(\[(?:"(?:[^"\\]|\\.)*",?)*\])/);
  found.hostMountsBefore = json(/"hostMountsBefore":(\[[\d,]*\])/);
  found.rootfs = json(/"rootfs":("(?:[^"\\]|\\.)*")/);
  return found;
}

/** The fields that find what a container holds: delete acts on them, and salvages them from a corrupt state. */
export const SALVAGED_FIELDS = ['pid', 'initStartTime', 'cgroupPath', 'cgroupParents', 'hostMountsBefore', 'rootfs'] as const;
export type Remains = Partial<Pick<StoredState, (typeof SALVAGED_FIELDS)[number]>>;

/** The fields delete can act on, each only if it passes its check. */
function salvageState(doc: Record<string, unknown>): Remains {
  const out: Record<string, unknown> = {};
  for (const key of SALVAGED_FIELDS) {
    const value = doc[key];
    if (value !== undefined && FIELD_CHECKS[key]![0](value)) out[key] = value;
  }
  return out;
}

/**
 * Writes `data` to a temp file next to `file` and renames it over `file`. No fsync (as runc): the
 * state describes processes that a power loss ends anyway, and it cost a start 0.5 ms a write on
 * a disk-backed /run.
 */
export function writeFileAtomic(file: string, data: string, mode = 0o644): void {
  const tmp = path.join(path.dirname(file), `.${path.basename(file)}.${process.pid}.tmp`);
  // A new file of ours only: a symlink (or anything) planted at the temp name in a shared
  // directory (a pid file in /tmp) is never written through. rename(2) then replaces the name
  // itself, so a symlink at `file` is replaced, not followed.
  const flags = fs.constants.O_WRONLY | fs.constants.O_CREAT | fs.constants.O_EXCL | fs.constants.O_NOFOLLOW;
  let created = false;
  try {
    let fd: number;
    try {
      fd = fs.openSync(tmp, flags, mode);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      // Left by a process of the same pid that died mid-write (unlink never follows a symlink).
      fs.unlinkSync(tmp);
      fd = fs.openSync(tmp, flags, mode);
    }
    created = true;
    try {
      fs.writeSync(fd, data);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } catch (e) {
    if (created) fs.rmSync(tmp, { force: true });
    throw fromNodeError('write', file, e);
  }
}
