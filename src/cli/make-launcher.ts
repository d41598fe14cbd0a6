/**
 * Run by `npm run build`: writes dist/tsrunc, the command a manager is configured with.
 *
 * containerd and conmon exec their runtime with a minimal environment, so `#!/usr/bin/env node`
 * (which needs PATH) will not do: the launcher names the Node binary that built the tree, by its
 * absolute path, and imports the CLI next to it. `npm link` / `npm install -g` put it on PATH
 * (package.json "bin"). Beside it, dist/build-info.json records the commit for `--version`.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../', import.meta.url));
const launcher = path.join(dist, 'tsrunc');
fs.writeFileSync(
  launcher,
  [
    `#!${process.execPath}`,
    '// Written by src/cli/make-launcher.ts at build time: the absolute Node path keeps working with no PATH.',
    "import('./src/cli/bin.js');",
    '',
  ].join('\n'),
);
fs.chmodSync(launcher, 0o755);

const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: path.join(dist, '..'), encoding: 'utf8' });
const commit = git.status === 0 ? git.stdout.trim() : 'unknown';
fs.writeFileSync(path.join(dist, 'build-info.json'), `${JSON.stringify({ commit })}\n`);
