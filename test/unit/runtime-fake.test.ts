// The whole lifecycle library over a recording fake of the native addon: no root, no real
// container, but the real bundle loading, planning, state store, status derivation and cleanup.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { NotFoundError, Runtime, StateError, SyscallError } from '../../src/index.js';
import { setNativeForTesting } from '../../src/native.js';
import { SyncType } from '../../src/runtime/init-steps.js';
import { FakeCgroups, FakeNative } from '../helpers/native-fake.js';
import { setCgroupsForTesting } from '../../src/cgroups/manager.js';
import { baseSpec } from '../helpers/specs.js';

// Never the real cgroups: the fake init pid is this test process.
setCgroupsForTesting((p) => new FakeCgroups(p));
t.teardown(() => {
  setNativeForTesting(undefined);
  setCgroupsForTesting(undefined);
});

function setup(t: Test) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-fake-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const bundle = path.join(dir, 'bundle');
  fs.mkdirSync(path.join(bundle, 'rootfs'), { recursive: true });
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(baseSpec()));
  return { root: path.join(dir, 'state'), bundle, pidFile: path.join(dir, 'init.pid') };
}

t.test('create → start → kill → delete --force', async (t) => {
  const fake = new FakeNative();
  setNativeForTesting(fake);
  const { root, bundle, pidFile } = setup(t);
  const rt = new Runtime({ root });

  const state = await rt.create('c1', { bundle, pidFile });
  t.match(state, { id: 'c1', pid: process.pid, status: 'created', bundle: fs.realpathSync(bundle), ociVersion: '1.3.0' });
  t.equal(fs.readFileSync(pidFile, 'utf8'), String(process.pid));
  t.same(fake.calls.filter((c) => c.name === 'syncSend').map((c) => c.args), [[SyncType.GO, 0], [SyncType.ACK, 0]], 'GO, the ACK of the init’s pid (once it is in its cgroups), then only listening');
  t.ok(fake.plan && fake.plan.readUInt32LE(0) === 0x50525354, 'an encoded plan was handed over');
  t.equal((await rt.state('c1')).status, 'created');

  await rt.start('c1');
  t.equal((await rt.state('c1')).status, 'running', 'the gate is gone, the init alive');
  await t.rejects(rt.start('c1'), /cannot start an already running container/);

  await rt.kill('c1', 'USR1');
  t.same(fake.calls.filter((c) => c.name === 'pidfdSendSignal').map((c) => c.args), [[10]]);
  await t.rejects(rt.delete('c1'), StateError);
  await rt.delete('c1', { force: true });
  t.same(fake.calls.filter((c) => c.name === 'pidfdSendSignal').map((c) => c.args), [[10], [9]]);
  await t.rejects(rt.state('c1'), NotFoundError);
  await rt.delete('c1', { force: true });
});

t.test('an init failure becomes a SyscallError and create leaves nothing', async (t) => {
  const child = spawn('sleep', ['30']);
  t.teardown(() => child.kill('SIGKILL'));
  const fake = new FakeNative({
    initPid: child.pid!,
    script: [
      { type: SyncType.INIT_PID, value: child.pid! },
      { type: SyncType.ERROR, err: 1, step: 12, text: '`proc` on `/proc`' },
    ],
  });
  setNativeForTesting(fake);
  const { root, bundle } = setup(t);
  const err = await new Runtime({ root }).create('c2', { bundle }).catch((e: unknown) => e);
  t.type(err, SyscallError);
  t.equal((err as Error).message, 'mount `proc` on `/proc`: Operation not permitted (EPERM)');
  t.same(fs.readdirSync(root), [], 'the state directory is removed');
  t.equal(await new Promise((r) => child.on('exit', (_c, sig) => r(sig))), 'SIGKILL', 'the half-made init is killed');
});

t.test('an init that dies without a word is reported, not waited for', async (t) => {
  setNativeForTesting(new FakeNative({ initPid: 0x3ffffff0, script: [] }));
  const { root, bundle } = setup(t);
  await t.rejects(new Runtime({ root }).create('c3', { bundle }), /container init exited unexpectedly \(exit status 0\)/);
  t.same(fs.readdirSync(root), []);
});

t.test('a config error touches nothing', async (t) => {
  const fake = new FakeNative();
  setNativeForTesting(fake);
  const { root, bundle } = setup(t);
  fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(baseSpec((s) => (s.process!.args = []))));
  await t.rejects(new Runtime({ root }).create('c4', { bundle }), /\/process\/args/);
  t.notOk(fs.existsSync(root), 'not even the state root was made');
  t.same(fake.names(), [], 'the addon was never called');
});
