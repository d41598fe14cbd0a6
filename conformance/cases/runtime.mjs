// runtime.md and runtime-linux.md: the state, the lifecycle, the operations, hooks, and the
// /dev symlinks. Each case names the statements (conformance/statements.json) it checks.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect } from '../harness.mjs';

const STATUSES = ['creating', 'created', 'running', 'stopped'];

/** state.json's required shape (runtime.md "State", schema/state-schema.json), checked field by field. */
function checkStateShape(state, id, bundle) {
  expect(state && typeof state === 'object', 'state is a JSON object');
  expect(typeof state.ociVersion === 'string' && /^\d+\.\d+\.\d+/.test(state.ociVersion), `ociVersion is a SemVer string (${JSON.stringify(state.ociVersion)})`);
  expect(state.id === id, `id is the container's id (${JSON.stringify(state.id)})`);
  expect(typeof state.status === 'string', `status is a string (${JSON.stringify(state.status)})`);
  expect(typeof state.bundle === 'string' && path.isAbsolute(state.bundle), `bundle is an absolute path (${JSON.stringify(state.bundle)})`);
  expect(fs.realpathSync(state.bundle) === fs.realpathSync(bundle), `bundle names the bundle directory (${state.bundle})`);
  if (state.status === 'created' || state.status === 'running') expect(Number.isInteger(state.pid) && state.pid > 0, `pid is a positive integer while ${state.status} (${state.pid})`);
  if (state.annotations !== undefined) expect(typeof state.annotations === 'object' && Object.values(state.annotations).every((v) => typeof v === 'string'), 'annotations map strings to strings');
}

const alive = (pid) => {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
};

/** A running container that holds (the checker waits): its id, out dir and state. */
async function running(w, probes = []) {
  const out = w.out();
  const bundle = w.checkerBundle(out, ['up', ...probes, '--hold']);
  const id = w.id();
  const c = await w.run(['create', '--bundle', bundle, id]);
  expect(c.status === 0, `create succeeds (${c.stderr.trim()})`);
  const s = await w.run(['start', id]);
  expect(s.status === 0, `start succeeds (${s.stderr.trim()})`);
  const up = await w.result(out, 'up');
  return { id, out, bundle, up };
}

const failed = (r) => r.status !== 0 && r.status !== null;

export const cases = [
  {
    name: 'every operation of runtime.md (state, create, start, kill, delete) is supported, each doing what it says',
    statements: ['runtime.md#runtimeOperations/1'],
    async run(w) {
      const { id } = await running(w);
      expect((await w.state(id))?.status === 'running', 'state: the started container is running');
      const k = await w.run(['kill', id, 'KILL']);
      expect(k.status === 0, `kill succeeds (${k.stderr.trim()})`);
      expect(await w.waitFor(async () => (await w.state(id))?.status === 'stopped'), 'state: after kill, it is stopped');
      const d = await w.run(['delete', id]);
      expect(d.status === 0, `delete succeeds (${d.stderr.trim()})`);
      expect((await w.run(['state', id])).status !== 0, 'state: after delete, the container is gone');
    },
  },
  {
    name: 'state of a created container has every required field, with the right values',
    statements: ['runtime.md#runtimeState/1', 'runtime.md#runtimeState/2', 'runtime.md#runtimeState/4', 'runtime.md#runtimeState/6', 'runtime.md#runtimeState/7', 'runtime.md#runtimeState/8', 'runtime.md#runtimeQueryState/3', 'runtime.md#runtimeCreate/3', 'runtime.md#runtimeScopeContainer/1'],
    async run(w) {
      const bundle = w.bundle();
      const id = w.id();
      const c = await w.run(['create', '--bundle', bundle, id]);
      expect(c.status === 0, `create succeeds (${c.stderr.trim()})`);
      const state = await w.state(id);
      checkStateShape(state, id, bundle);
      expect(state.status === 'created', `status is created (${state.status})`);
      expect(alive(state.pid), `pid ${state.pid} is a live process`);
    },
  },
  {
    name: 'the program does not run at create, and runs at start',
    statements: ['runtime.md#runtimeLifecycle/3', 'runtime.md#runtimeCreate/4', 'runtime.md#runtimeStart/3', 'runtime.md#runtimeLifecycle/13'],
    async run(w) {
      const out = w.out();
      const bundle = w.checkerBundle(out, ['ran', "pid1=tr '\\0' ' ' < /proc/1/cmdline"]);
      const id = w.id();
      expect((await w.run(['create', '--bundle', bundle, id])).status === 0, 'create succeeds');
      await new Promise((r) => setTimeout(r, 500));
      expect(!fs.existsSync(path.join(out, 'ran.json')), 'nothing of the program ran between create and start');
      const s = await w.run(['start', id]);
      expect(s.status === 0, `start succeeds (${s.stderr.trim()})`);
      const ran = await w.result(out, 'ran');
      expect(/checker\.sh ran/.test(ran.pid1.out), `the program ran, as PID 1 of its pid namespace (PID 1 is ${JSON.stringify(ran.pid1.out)})`);
    },
  },
  {
    name: 'config.json is applied at create (namespaces, hostname), before start',
    statements: ['runtime.md#runtimeLifecycle/1', 'runtime.md#runtimeCreate/4'],
    async run(w) {
      const bundle = w.bundle((c) => (c.hostname = 'applied-at-create'));
      const id = w.id();
      expect((await w.run(['create', '--bundle', bundle, id])).status === 0, 'create succeeds');
      const { pid } = await w.state(id);
      for (const ns of ['uts', 'pid', 'mnt', 'net', 'ipc']) {
        expect(fs.readlinkSync(`/proc/${pid}/ns/${ns}`) !== fs.readlinkSync(`/proc/self/ns/${ns}`), `the container has its own ${ns} namespace after create`);
      }
      const h = spawnSync('nsenter', ['-t', String(pid), '-u', 'hostname'], { encoding: 'utf8' });
      expect(h.stdout.trim() === 'applied-at-create', `its hostname is set after create (${h.stdout.trim() || h.stderr.trim()})`);
    },
  },
  {
    name: 'changing config.json after create does not affect the container',
    statements: ['runtime.md#runtimeLifecycle/4'],
    async run(w) {
      const out = w.out();
      const bundle = w.checkerBundle(out, ['ran', 'host=hostname'], (c) => (c.hostname = 'before'));
      const id = w.id();
      expect((await w.run(['create', '--bundle', bundle, id])).status === 0, 'create succeeds');
      const config = JSON.parse(fs.readFileSync(path.join(bundle, 'config.json'), 'utf8'));
      config.hostname = 'after';
      config.process.args = ['sh', '/checker.sh', 'ran', 'host=echo changed'];
      fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(config));
      expect((await w.run(['start', id])).status === 0, 'start succeeds');
      const ran = await w.result(out, 'ran');
      expect(ran.host.out === 'before', `the process and hostname are those of create time (${ran.host.out})`);
    },
  },
  {
    name: 'a second create with the same id is an error and leaves the first container alone',
    statements: ['runtime.md#runtimeCreate/2', 'runtime.md#runtimeState/3'],
    async run(w) {
      const bundle = w.bundle();
      const id = w.id();
      expect((await w.run(['create', '--bundle', bundle, id])).status === 0, 'create succeeds');
      const before = await w.state(id);
      const again = await w.run(['create', '--bundle', w.bundle((c) => (c.hostname = 'other')), id]);
      expect(failed(again), 'the second create is an error');
      const after = await w.state(id);
      expect(after?.status === 'created' && after.pid === before.pid, 'the first container is unchanged');
    },
  },
  {
    name: 'create refuses an invalid id (a "/" in it) and creates nothing',
    statements: ['runtime.md#runtimeCreate/2'],
    async run(w) {
      const r = await w.run(['create', '--bundle', w.bundle(), 'a/b']);
      expect(failed(r), 'create is an error');
      expect(w.leftoverProcesses().length === 0, 'no container process exists');
      const list = fs.existsSync(w.root) ? fs.readdirSync(w.root, { recursive: true }).filter((f) => String(f).includes('a/b') || String(f) === 'a') : [];
      expect(list.length === 0, `no state under the root (${list.join(', ')})`);
    },
  },
  {
    name: 'create without an id, or where there is no bundle, is an error and creates nothing',
    statements: ['runtime.md#runtimeCreate/1'],
    async run(w) {
      expect(failed(await w.run(['create', '--bundle', w.bundle()])), 'create without an id is an error');
      const empty = w.out();
      const r = await w.run(['create', '--bundle', empty, w.id()]);
      expect(failed(r), 'create with a directory that holds no config.json is an error');
      expect(w.leftoverProcesses().length === 0, 'no container process exists');
    },
  },
  {
    name: 'a config the runtime cannot apply (missing root.path) is an error, and no container exists after',
    statements: ['runtime.md#runtimeLifecycle/2', 'runtime.md#runtimeCreate/5', 'runtime.md#runtimeErrors/1'],
    async run(w) {
      const id = w.id();
      const r = await w.run(['create', '--bundle', w.bundle((c) => (c.root.path = '/nonexistent/rootfs')), id]);
      expect(failed(r), 'create is an error');
      expect((await w.state(id)) === undefined, 'state of that id is an error: no container was created');
      expect(w.leftoverProcesses().length === 0, 'no process of it is left');
    },
  },
  {
    name: 'state without an id, or of an unknown container, is an error',
    statements: ['runtime.md#runtimeQueryState/1', 'runtime.md#runtimeQueryState/2'],
    async run(w) {
      expect(failed(await w.run(['state'])), 'state without an id is an error');
      expect(failed(await w.run(['state', 'no-such-container'])), 'state of an unknown id is an error');
    },
  },
  {
    name: 'start without an id, or of a container that is not created, is an error with no effect',
    statements: ['runtime.md#runtimeStart/1', 'runtime.md#runtimeStart/2'],
    async run(w) {
      expect(failed(await w.run(['start'])), 'start without an id is an error');
      const { id, out } = await running(w);
      const before = await w.state(id);
      expect(failed(await w.run(['start', id])), 'start of a running container is an error');
      const after = await w.state(id);
      expect(after.status === 'running' && after.pid === before.pid, 'the running container is unchanged');
      expect(fs.readdirSync(out).filter((f) => f.endsWith('.json')).length === 1, 'its program did not run a second time');
    },
  },
  {
    name: 'start of a config without process is an error',
    statements: ['runtime.md#runtimeStart/4'],
    async run(w) {
      const id = w.id();
      const c = await w.run(['create', '--bundle', w.bundle((c) => delete c.process), id]);
      // A runtime may already refuse at create (the container could never start).
      if (failed(c)) return;
      expect(failed(await w.run(['start', id])), 'start is an error');
      expect((await w.state(id))?.status === 'created', 'and the container is still created');
    },
  },
  {
    name: 'kill sends the signal to the container process',
    statements: ['runtime.md#runtimeKill/3'],
    async run(w) {
      const { id } = await running(w);
      const k = await w.run(['kill', id, 'TERM']);
      expect(k.status === 0, `kill succeeds (${k.stderr.trim()})`);
      expect(await w.waitFor(async () => (await w.state(id))?.status === 'stopped'), 'the process ended on SIGTERM (its trap) and the container is stopped');
    },
  },
  {
    name: 'kill without an id, or of a stopped container, is an error with no effect',
    statements: ['runtime.md#runtimeKill/1', 'runtime.md#runtimeKill/2'],
    async run(w) {
      expect(failed(await w.run(['kill'])), 'kill without an id is an error');
      const { id } = await running(w);
      expect((await w.run(['kill', id, 'KILL'])).status === 0, 'kill succeeds');
      expect(await w.waitFor(async () => (await w.state(id))?.status === 'stopped'), 'the container stopped');
      expect(failed(await w.run(['kill', id, 'KILL'])), 'kill of a stopped container is an error');
      expect((await w.state(id))?.status === 'stopped', 'it is still there, stopped');
    },
  },
  {
    name: 'delete without an id, or of a running container, is an error with no effect',
    statements: ['runtime.md#runtimeDelete/1', 'runtime.md#runtimeDelete/2'],
    async run(w) {
      expect(failed(await w.run(['delete'])), 'delete without an id is an error');
      const { id } = await running(w);
      const before = await w.state(id);
      expect(failed(await w.run(['delete', id])), 'delete of a running container is an error');
      const after = await w.state(id);
      expect(after?.status === 'running' && alive(after.pid) && after.pid === before.pid, 'the container is still running, unchanged');
    },
  },
  {
    name: 'delete of a stopped container removes what create made, and nothing else',
    statements: ['runtime.md#runtimeDelete/3', 'runtime.md#runtimeDelete/4', 'runtime.md#runtimeLifecycle/16'],
    async run(w) {
      const { id, out } = await running(w);
      const { pid } = await w.state(id);
      const netns = fs.readlinkSync(`/proc/${pid}/ns/net`);
      expect((await w.run(['kill', id, 'KILL'])).status === 0, 'kill succeeds');
      expect(await w.waitFor(async () => (await w.state(id))?.status === 'stopped'), 'the container stopped');
      const d = await w.run(['delete', id]);
      expect(d.status === 0, `delete succeeds (${d.stderr.trim()})`);
      expect((await w.state(id)) === undefined, 'the container is gone: state is an error');
      expect(!alive(pid), 'its process is gone');
      const stillThere = fs.readdirSync('/proc').some((p) => /^\d+$/.test(p) && (() => { try { return fs.readlinkSync(`/proc/${p}/ns/net`) === netns; } catch { return false; } })());
      expect(!stillThere, 'no process is left in its network namespace');
      expect(fs.existsSync(path.join(out, 'up.json')), 'the bind-mounted host directory and its files, not created by the container, remain');
    },
  },
  {
    name: 'every hook kind is invoked, in lifecycle order',
    statements: ['runtime.md#runtimeLifecycle/5', 'runtime.md#runtimeLifecycle/7', 'runtime.md#runtimeLifecycle/9', 'runtime.md#runtimeLifecycle/11', 'runtime.md#runtimeLifecycle/14', 'runtime.md#runtimeLifecycle/17'],
    async run(w) {
      const out = w.out();
      const log = path.join(out, 'hooks.log');
      const host = (name) => ({ path: '/bin/sh', args: ['sh', '-c', `echo ${name} >> ${log}`] });
      const inContainer = (name) => ({ path: '/bin/sh', args: ['sh', '-c', `echo ${name} >> /out/hooks.log`] });
      const bundle = w.checkerBundle(out, ['ran', 'mark=echo process >> /out/hooks.log'], (c) => {
        c.hooks = { prestart: [host('prestart')], createRuntime: [host('createRuntime')], createContainer: [host('createContainer')], startContainer: [inContainer('startContainer')], poststart: [host('poststart')], poststop: [host('poststop')] };
      });
      const id = w.id();
      const c = await w.run(['create', '--bundle', bundle, id]);
      expect(c.status === 0, `create succeeds (${c.stderr.trim()})`);
      expect((await w.run(['start', id])).status === 0, 'start succeeds');
      await w.result(out, 'ran');
      expect(await w.waitFor(async () => (await w.state(id))?.status === 'stopped'), 'the process ended');
      expect((await w.run(['delete', id])).status === 0, 'delete succeeds');
      const order = fs.readFileSync(log, 'utf8').trim().split('\n');
      for (const name of ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'process', 'poststart', 'poststop']) expect(order.includes(name), `${name} ran (order seen: ${order.join(' ')})`);
      const at = (n) => order.indexOf(n);
      expect(at('createRuntime') < at('createContainer') && at('createContainer') < at('startContainer') && at('startContainer') < at('process'), `create-time hooks before startContainer, before the process (${order.join(' ')})`);
      expect(at('poststop') === order.length - 1, `poststop last (${order.join(' ')})`);
    },
  },
  ...['prestart', 'createRuntime', 'createContainer'].map((kind, i) => ({
    name: `a failing ${kind} hook: create is an error, the container is destroyed, poststop hooks run`,
    statements: [`runtime.md#runtimeLifecycle/${6 + 2 * i}`],
    async run(w) {
      const out = w.out();
      const bundle = w.bundle((c) => {
        c.mounts.push({ destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
        c.hooks = { [kind]: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }], poststop: [{ path: '/bin/sh', args: ['sh', '-c', `echo poststop >> ${out}/hooks.log`] }] };
      });
      const id = w.id();
      expect(failed(await w.run(['create', '--bundle', bundle, id])), 'create is an error');
      const state = await w.state(id);
      expect(state === undefined || state.status === 'stopped', `the container is not left created or running (${state?.status})`);
      if (state) await w.run(['delete', id]);
      expect(w.leftoverProcesses().length === 0, 'no process of it is left');
      expect(fs.existsSync(path.join(out, 'hooks.log')), 'the poststop hook ran (lifecycle step 13)');
    },
  })),
  {
    name: 'a failing startContainer hook: start is an error and the program does not run',
    statements: ['runtime.md#runtimeLifecycle/12'],
    async run(w) {
      const out = w.out();
      const bundle = w.checkerBundle(out, ['ran'], (c) => (c.hooks = { startContainer: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }] }));
      const id = w.id();
      expect((await w.run(['create', '--bundle', bundle, id])).status === 0, 'create succeeds');
      expect(failed(await w.run(['start', id])), 'start is an error');
      await new Promise((r) => setTimeout(r, 300));
      expect(!fs.existsSync(path.join(out, 'ran.json')), 'the program did not run');
      const state = await w.state(id);
      expect(state === undefined || state.status === 'stopped', `the container is stopped (${state?.status})`);
    },
  },
  {
    name: 'a failing poststart hook: start is an error and the container is stopped',
    statements: ['runtime.md#runtimeLifecycle/15'],
    async run(w) {
      const out = w.out();
      const bundle = w.checkerBundle(out, ['up', '--hold'], (c) => (c.hooks = { poststart: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }] }));
      const id = w.id();
      expect((await w.run(['create', '--bundle', bundle, id])).status === 0, 'create succeeds');
      expect(failed(await w.run(['start', id])), 'start is an error');
      expect(await w.waitFor(async () => { const s = await w.state(id); return s === undefined || s.status === 'stopped'; }), 'the container is stopped');
    },
  },
  {
    name: 'a failing poststop hook is a warning: delete succeeds, later hooks still run',
    statements: ['runtime.md#runtimeLifecycle/18', 'runtime.md#runtimeWarnings/1'],
    async run(w) {
      const out = w.out();
      const bundle = w.bundle((c) => (c.hooks = { poststop: [{ path: '/bin/sh', args: ['sh', '-c', 'exit 3'] }, { path: '/bin/sh', args: ['sh', '-c', `echo second >> ${out}/hooks.log`] }] }));
      const id = w.id();
      expect((await w.run(['create', '--bundle', bundle, id])).status === 0, 'create succeeds');
      expect((await w.run(['start', id])).status === 0, 'start succeeds');
      expect(await w.waitFor(async () => (await w.state(id))?.status === 'stopped'), 'the process ended');
      const d = await w.run(['delete', id]);
      expect(d.status === 0, `delete succeeds despite the failing hook (${d.stderr.trim()})`);
      expect((await w.state(id)) === undefined, 'the container is gone');
      expect(fs.existsSync(path.join(out, 'hooks.log')), 'the next poststop hook ran');
    },
  },
  {
    name: 'the /dev symlinks of runtime-linux.md exist in the container',
    statements: ['runtime-linux.md#runtimeLinuxDevSymbolicLinks/1'],
    async run(w) {
      const out = w.out();
      const links = { fd: '/proc/self/fd', stdin: '/proc/self/fd/0', stdout: '/proc/self/fd/1', stderr: '/proc/self/fd/2' };
      const bundle = w.checkerBundle(out, ['links', ...Object.keys(links).map((l) => `${l}=readlink /dev/${l}`)]);
      const id = w.id();
      expect((await w.run(['create', '--bundle', bundle, id])).status === 0, 'create succeeds');
      expect((await w.run(['start', id])).status === 0, 'start succeeds');
      const seen = await w.result(out, 'links');
      for (const [l, target] of Object.entries(links)) expect(seen[l].out === target, `/dev/${l} -> ${target} (${seen[l].out})`);
    },
  },
];
