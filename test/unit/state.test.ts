import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { CorruptStateError, NotFoundError, StateError, UsageError } from '../../src/errors.js';
import { setNativeForTesting } from '../../src/native.js';
import { assertTransition, deriveStatus, exeIdentity, initAlive, readProcStat } from '../../src/state/status.js';
import { parseState, serializeState, StateStore, type StoredState, validateId, writeFileAtomic } from '../../src/state/store.js';
import { FakeNative } from '../helpers/native-fake.js';
import { baseSpec } from '../helpers/specs.js';

setNativeForTesting(new FakeNative());
t.teardown(() => setNativeForTesting(undefined));

function tempRoot(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-state-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return path.join(dir, 'root');
}

function stored(id: string, over: Partial<StoredState> = {}): StoredState {
  return {
    ociVersion: '1.3.0',
    id,
    pid: process.pid,
    bundle: '/b',
    rootfs: '/b/rootfs',
    created: new Date().toISOString(),
    owner: '',
    phase: 'created',
    initStartTime: readProcStat(process.pid)!.startTime,
    config: baseSpec(),
    ...over,
  };
}

t.test('ids follow runc rules', async (t) => {
  for (const ok of ['a', 'web-1', 'x_y.z+1']) t.doesNotThrow(() => validateId(ok), ok);
  for (const bad of ['', '.', '..', 'a/b', 'a b', '../x', 'é']) t.throws(() => validateId(bad), UsageError, JSON.stringify(bad));
});

t.test('the store creates, refuses duplicates, writes atomically, lists and removes', async (t) => {
  const store = new StateStore(tempRoot(t));
  t.same(store.ids(), [], 'a missing root lists nothing');
  store.createDir('b');
  store.createDir('a');
  t.throws(() => store.createDir('a'), new StateError('container with id exists: a'));
  t.equal(fs.statSync(store.root).mode & 0o777, 0o700, 'the root is private');
  t.equal(store.read('a'), undefined, 'no state.json yet');
  store.write(stored('a'));
  t.equal(store.read('a')!.id, 'a');
  t.same(fs.readdirSync(store.dir('a')), ['state.json'], 'no temp file is left behind');
  t.same(store.ids(), ['a', 'b']);
  store.remove('a');
  t.throws(() => store.read('a'), NotFoundError);
  t.throws(() => store.lock('a'), new NotFoundError('a'));
});

t.test('writeFileAtomic replaces a file in one step', async (t) => {
  const dir = tempRoot(t);
  fs.mkdirSync(dir);
  const f = path.join(dir, 'pid');
  writeFileAtomic(f, '123');
  writeFileAtomic(f, '456');
  t.equal(fs.readFileSync(f, 'utf8'), '456');
  t.same(fs.readdirSync(dir), ['pid']);
});

t.test('status is derived from the live process and the gate', async (t) => {
  const dir = tempRoot(t);
  fs.mkdirSync(dir);
  const fifo = path.join(dir, 'exec.fifo');
  t.equal(deriveStatus(undefined, fifo, true), 'creating');
  t.equal(deriveStatus(undefined, fifo, false), 'stopped', 'debris of a dead create');
  t.equal(deriveStatus(stored('x', { phase: 'creating' }), fifo, true), 'creating', 'a create that still runs');
  t.equal(deriveStatus(stored('x', { phase: 'creating' }), fifo, false), 'stopped', 'a create that died: delete clears it');
  fs.writeFileSync(fifo, '');
  t.equal(deriveStatus(stored('x'), fifo), 'created');
  t.equal(deriveStatus(stored('x', { initExe: exeIdentity(process.pid) }), fifo), 'created', 'the init still runs the helper it started as');
  t.equal(deriveStatus(stored('x', { initExe: '1:1' }), fifo), 'running', 'the init exec’d (a start died before removing the gate)');
  fs.rmSync(fifo);
  t.equal(deriveStatus(stored('x'), fifo), 'running');
  t.equal(deriveStatus(stored('x', { initStartTime: '1' }), fifo), 'stopped', 'a reused pid is not our init');
  t.equal(deriveStatus(stored('x', { pid: 0x3fffffff }), fifo), 'stopped', 'a missing process');
  t.notOk(initAlive({ pid: 0, initStartTime: '' }));
});

t.test('readProcStat copes with spaces and parentheses in comm', async (t) => {
  const stat = readProcStat(process.pid)!;
  t.match(stat.startTime, /^\d+$/);
  t.equal(stat.state, 'R');
});

t.test('transitions use runc wording', async (t) => {
  t.doesNotThrow(() => assertTransition('start', 'created', 'x'));
  t.throws(() => assertTransition('start', 'stopped', 'x'), /cannot start a container that has stopped/);
  t.throws(() => assertTransition('start', 'running', 'x'), /cannot start an already running container/);
  t.throws(() => assertTransition('kill', 'stopped', 'x'), /^container not running$/);
  t.doesNotThrow(() => assertTransition('kill', 'created', 'x'));
  t.throws(() => assertTransition('delete', 'running', 'x'), /cannot delete container x that is not stopped: running/);
  t.doesNotThrow(() => assertTransition('delete', 'stopped', 'x'));
  t.doesNotThrow(() => assertTransition('pause', 'created', 'x'), 'a created container may be paused, as with runc');
  t.doesNotThrow(() => assertTransition('pause', 'running', 'x'));
  t.throws(() => assertTransition('pause', 'stopped', 'x'), /^container not running$/);
  t.throws(() => assertTransition('pause', 'paused', 'x'), /^container already paused$/);
  t.throws(() => assertTransition('start', 'paused', 'x'), /^cannot start a container in the paused state$/);
});

t.test('writeFileAtomic never writes through a symlink: not at the file, not at its temp name', async (t) => {
  const dir = path.dirname(tempRoot(t));
  fs.mkdirSync(dir, { recursive: true });
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  const pidFile = path.join(dir, 'pid');
  fs.symlinkSync(victim, pidFile);
  writeFileAtomic(pidFile, '123');
  t.equal(fs.readFileSync(victim, 'utf8'), 'precious', 'the symlink’s target is untouched');
  t.notOk(fs.lstatSync(pidFile).isSymbolicLink(), 'the name now holds our file');
  t.equal(fs.readFileSync(pidFile, 'utf8'), '123');

  // A symlink planted at the temp name (a shared /tmp) is unlinked, never followed.
  const other = path.join(dir, 'other');
  fs.symlinkSync(victim, path.join(dir, `.other.${process.pid}.tmp`));
  writeFileAtomic(other, '456');
  t.equal(fs.readFileSync(victim, 'utf8'), 'precious');
  t.equal(fs.readFileSync(other, 'utf8'), '456');
});

t.test('a state root that others may write, or that someone else owns, is refused', async (t) => {
  const root = tempRoot(t);
  fs.mkdirSync(root, { recursive: true, mode: 0o700 });
  fs.chmodSync(root, 0o777);
  t.throws(() => new StateStore(root).createDir('a'), /state root .* is writable by other users \(mode 0777\): use a directory only its owner can write \(--root\)/);
  fs.chmodSync(root, 0o1733);
  t.throws(() => new StateStore(root).createDir('a'), /is writable by other users \(mode 1733\)/);
  fs.chmodSync(root, 0o711);
  t.doesNotThrow(() => new StateStore(root).createDir('a'), '0711 is fine');
  if (process.getuid?.() === 0) {
    fs.chownSync(root, 65534, 65534);
    t.throws(() => new StateStore(root).createDir('b'), /state root .* belongs to uid 65534, not to this user \(uid 0\)/);
  }
  t.notOk(fs.existsSync(path.join(root, 'b')), 'nothing made in a refused root');
});

t.test('state.json: the fields delete needs first, the config last; every field checked on read', async (t) => {
  const state = stored('x', { cgroupPath: '/tsrunc/x', cgroupParents: ['/sys/fs/cgroup/pids/tsrunc'], initExe: '5:7' });
  const text = serializeState(state);
  t.same(Object.keys(JSON.parse(text)).slice(0, 6), ['id', 'pid', 'initStartTime', 'initExe', 'phase', 'cgroupPath']);
  t.equal(Object.keys(JSON.parse(text)).at(-1), 'config');
  t.same(parseState('x', text), JSON.parse(text), 'round trip');

  const corrupt = (id: string, body: string) => {
    try {
      parseState(id, body);
    } catch (e) {
      t.type(e, CorruptStateError);
      return e as CorruptStateError;
    }
    throw new Error('accepted');
  };
  t.match(corrupt('x', '').message, /^container x: state\.json is corrupt: it is empty$/);
  t.match(corrupt('x', '[1]').message, /: not a JSON object$/);
  t.match(corrupt('x', JSON.stringify({ ...state, pid: -1 })).message, /: \/pid: is not a pid$/);
  t.match(corrupt('x', JSON.stringify({ ...state, cgroupPath: '/a/../../b' })).message, /: \/cgroupPath: is not an absolute cgroup path$/);
  t.match(corrupt('y', text).message, /: \/id: names "x", not this container$/);
  t.same(corrupt('y', text).salvaged, {}, 'nothing is taken from another container’s state');

  const cut = corrupt('x', text.slice(0, text.indexOf('"rootfs"') + 3));
  t.match(cut.message, /: not JSON \(/);
  t.same(cut.salvaged, { pid: state.pid, initStartTime: state.initStartTime, cgroupPath: '/tsrunc/x', cgroupParents: ['/sys/fs/cgroup/pids/tsrunc'] }, 'a cut file still names the init and the cgroups');
  t.same(corrupt('x', JSON.stringify({ id: 'x', pid: 'one', cgroupPath: '/tsrunc/x' })).salvaged, { cgroupPath: '/tsrunc/x' }, 'a wrong shape: only the fields that pass');
});
