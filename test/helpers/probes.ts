/**
 * Small static C programs that run inside test containers where busybox cannot do the job (handles,
 * open flags). Built once per test process from test/fixtures/probes/<name>.c into a temp directory,
 * which a test binds into its container.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const sources = fileURLToPath(new URL('../../../test/fixtures/probes/', import.meta.url));
let dir: string | undefined;

/** The directory holding the built probe `name` (removed when the process exits). */
export function buildProbe(name: string): string {
  if (!dir) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-probes-'));
    const made = dir;
    fs.chmodSync(made, 0o755);
    process.on('exit', () => fs.rmSync(made, { recursive: true, force: true }));
  }
  const binary = path.join(dir, name);
  if (!fs.existsSync(binary)) {
    const r = spawnSync('cc', ['-static', '-O2', '-Wall', '-o', binary, path.join(sources, `${name}.c`)], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`building probe ${name}: ${r.stderr || r.error}`);
  }
  return dir;
}
