// The generated types and validators (src/spec/generated) must be what schemas/ produce today.
import { spawnSync } from 'node:child_process';
import t from 'tap';
import { repoPath } from '../helpers/repo.js';

t.test('src/spec/generated is up to date with schemas/', async (t) => {
  const r = spawnSync(process.execPath, [repoPath('schemas/generate.mjs'), '--check'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr || 'generate.mjs --check');
});
