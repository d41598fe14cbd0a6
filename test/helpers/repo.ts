/** Paths inside the repository, from compiled tests in dist/test/… as from sources. */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string {
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'schemas'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no repository root above ${start}`);
  }
}

export const repoRoot = findRoot(path.dirname(fileURLToPath(import.meta.url)));
export const repoPath = (...parts: string[]) => path.join(repoRoot, ...parts);
