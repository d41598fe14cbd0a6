// A corrupt state.json (truncated by a full disk, emptied, garbage, JSON of the wrong shape, or a
// pid that now names another process): every command says so clearly, list still lists the rest,
// and `delete --force` removes what is left of the container: its init, its cgroups, its state.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { alive, containersIn, makeBundle, rootSkipReason, stateRoot, tsrunc, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

/** The container's cgroup directories (cgroupsPath given in the config, or tsrunc's default). */
function cgroupDirs(rel: string): string[] {
  return fs
    .readdirSync('/sys/fs/cgroup')
    .map((h) => path.join('/sys/fs/cgroup', h, rel))
    .filter((d) => fs.existsSync(d));
}

interface Corruption {
  name: string;
  /** The new text of state.json from the old. */
  corrupt: (text: string) => string;
  /** A custom cgroupsPath: only a corruption that keeps the head of the file can still name it. */
  customCgroup?: boolean;
  /** Still a state (only the pid is wrong): commands read it. */
  readable?: boolean;
  /** The head of the file still names the init (pid and start time): kill signals it (kill.test below). */
  namesInit?: boolean;
}

const corruptions: Corruption[] = [
  { name: 'truncated at byte 19', corrupt: (s) => s.slice(0, 19) },
  { name: 'truncated halfway (a full disk)', corrupt: (s) => s.slice(0, Math.floor(s.length / 2)), customCgroup: true, namesInit: true },
  // The custom cgroup is no longer named: delete finds it through the init, still alive.
  { name: 'truncated before its cgroupPath', corrupt: (s) => s.slice(0, s.indexOf('"cgroupPath"')), customCgroup: true, namesInit: true },
  { name: 'empty', corrupt: () => '' },
  { name: 'garbage', corrupt: () => '\x00\x01{"id":\t"\x7f' },
  { name: 'valid JSON of the wrong shape', corrupt: () => JSON.stringify({ hello: 'world', pid: 'one' }) },
  // Its pid and cgroups are another container's: only the id's default cgroup is used.
  { name: 'another container’s state', corrupt: (s) => s.replace(/"id":"[^"]+"/, '"id":"someone-else"') },
  {
    // Our own pid, with the init's start time: the pid now belongs to another process, which must
    // never be signalled; the init is found through the cgroup instead.
    name: 'a pid that now belongs to another process',
    corrupt: (s) => s.replace(/"pid":\d+/, `"pid":${process.pid}`),
    customCgroup: true,
    readable: true,
  },
];

for (const c of corruptions) {
  t.test(`state.json ${c.name}: clear errors, and delete --force removes the rest`, async (t: Test) => {
    const root = stateRoot(t);
    const id = uniqueId('corrupt');
    const cgroupsPath = `/tsrunc-corrupt-test/${id}`;
    const bundle = makeBundle(t, (s) => {
      s.process!.args = ['sleep', '1000'];
      if (c.customCgroup) s.linux!.cgroupsPath = cgroupsPath;
    });
    t.equal(tsrunc(root, ['run', '--detach', '--bundle', bundle, id]).status, 0, 'a running container');
    const file = path.join(root, id, 'state.json');
    const good = JSON.parse(fs.readFileSync(file, 'utf8')) as { pid: number };
    const initPid = good.pid;
    const cgroupRel = c.customCgroup ? cgroupsPath : `/tsrunc/${id}`;
    t.ok(cgroupDirs(cgroupRel).length > 0, 'it has cgroups');
    fs.writeFileSync(file, c.corrupt(fs.readFileSync(file, 'utf8')));

    const message = new RegExp(`^tsrunc: container ${id}: state\\.json is corrupt: .+$`, 'm');
    if (c.readable) {
      const s = tsrunc(root, ['state', id]);
      t.equal(s.status, 0, s.stderr);
      t.match(JSON.parse(s.stdout), { status: 'stopped', pid: 0 }, 'the recorded init is gone (its pid is someone else’s): stopped');
    } else {
      const kill = c.namesInit ? [] : [['kill', id, 'KILL']];
      for (const args of [['state', id], ['start', id], ...kill, ['exec', id, 'true'], ['pause', id], ['delete', id], ['ps', id]]) {
        const r = tsrunc(root, args);
        t.equal(r.status, 1, `${args[0]} fails`);
        t.match(r.stderr, message, `${args[0]}: says the state is corrupt`);
        t.notMatch(r.stderr, /unexpected error|at .+\.js:\d+/, `${args[0]}: no stack, no "unexpected error"`);
      }
      const list = tsrunc(root, ['list']);
      t.equal(list.status, 0, 'list still works');
      t.match(list.stderr, new RegExp(`^tsrunc: warning: container ${id}: state\\.json is corrupt: .+ \\(delete --force removes it\\)$`, 'm'), 'list warns about it');
    }
    t.ok(alive(initPid), 'the init still runs so far');

    const del = tsrunc(root, ['delete', '--force', id]);
    t.equal(del.status, 0, `delete --force succeeds: ${del.stderr}`);
    t.notOk(alive(initPid), 'the init is gone (found through its cgroup)');
    t.ok(alive(process.pid), 'the process that reused the pid was not touched');
    t.same(cgroupDirs(cgroupRel), [], 'its cgroups are gone');
    t.same(containersIn(root), [], 'its state directory is gone');
    for (const d of cgroupDirs('/tsrunc-corrupt-test')) fs.rmdirSync(d);
  });
}

t.test('kill with a state cut short signals the init it still names (podman rm -f: kill, then delete --force)', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('corruptkill');
  t.equal(tsrunc(root, ['run', '--detach', '--bundle', makeBundle(t, (s) => (s.process!.args = ['sleep', '1000'])), id]).status, 0, 'a running container');
  const file = path.join(root, id, 'state.json');
  const text = fs.readFileSync(file, 'utf8');
  const initPid = (JSON.parse(text) as { pid: number }).pid;
  fs.writeFileSync(file, text.slice(0, text.indexOf('"cgroupPath"')));
  const k = tsrunc(root, ['kill', id, 'KILL']);
  t.equal(k.status, 0, `kill succeeds: ${k.stderr}`);
  t.match(k.stderr, new RegExp(`^tsrunc: warning: container ${id}: state\\.json is corrupt: .+; signalling the init it names \\(${initPid}\\)$`, 'm'), 'with a warning naming the corruption');
  t.ok(await waitFor(() => !alive(initPid)), 'the init got the signal');
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0, 'delete --force then succeeds');
  t.same(containersIn(root), [], 'nothing is left in the state root');
});
