// The typed library API drives a real container, with no CLI in between.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { NotFoundError, Runtime, StateError } from '../../src/index.js';
import { alive, makeBundle, rootSkipReason, stateRoot, tempDir, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

t.test('create, start, state, kill, delete through Runtime', async (t) => {
  const warnings: string[] = [];
  const rt = new Runtime({ root: stateRoot(t), logger: { warn: (m) => warnings.push(m), debug() {} } });
  const shared = tempDir(t);
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', 'trap "exit 3" TERM; echo up > /shared/up; while :; do sleep 0.05; done'];
    s.mounts!.push({ destination: '/shared', source: shared, options: ['bind'] });
    s.process!.capabilities!.bounding!.push('CAP_NOT_A_CAP');
  });
  const id = uniqueId('lib');
  const created = await rt.create(id, { bundle });
  t.match(created, { id, status: 'created', bundle: fs.realpathSync(bundle) });
  t.match(warnings, [/CAP_NOT_A_CAP/], 'spec-mandated warnings reach the logger');
  await t.rejects(rt.create(id, { bundle }), StateError);
  await rt.start(id);
  t.ok(await waitFor(() => fs.existsSync(path.join(shared, 'up'))));
  t.equal((await rt.state(id)).status, 'running');
  await rt.kill(id, 'TERM');
  t.ok(await waitFor(() => !alive(created.pid)));
  t.equal((await rt.state(id)).status, 'stopped');
  await rt.delete(id);
  await t.rejects(rt.state(id), NotFoundError);
  t.same(await rt.list(), []);
});

t.test('run resolves with the exit status', async (t) => {
  const rt = new Runtime({ root: stateRoot(t) });
  const result = await rt.run(uniqueId('librun'), { bundle: makeBundle(t, (s) => (s.process!.args = ['sh', '-c', 'exit 42'])) });
  t.same(result, { exitStatus: 42 });
});
