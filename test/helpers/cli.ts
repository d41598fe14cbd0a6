/**
 * Integration-test helpers: run the built CLI against throwaway bundles and state roots, and check
 * that a test leaves nothing behind (state, processes, host mounts).
 */
import { execFileSync, spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Test } from 'tap';
import type { Spec } from '../../src/spec/generated/config.js';
import { baseSpec } from './specs.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
/** The command users and managers run (src/cli/make-launcher.ts). */
export const tsruncBin = path.join(repo, 'dist/tsrunc');
export const busyboxRootfs = path.join(repo, 'bundles/busybox/rootfs');

/** Integration tests need root; the reason is reported as the skip. */
export const rootSkipReason = process.getuid?.() === 0 ? undefined : 'integration tests create real containers and need root';

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs `tsrunc --root <root> args…` synchronously. Output goes through files, not pipes: a created
 * container inherits the CLI's stdio (as with runc), so a pipe would stay open until it exits.
 */
export function tsrunc(root: string, args: string[], options: SpawnSyncOptions = {}): CliResult {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-cli-'));
  const out = fs.openSync(path.join(dir, 'stdout'), 'w+');
  const err = fs.openSync(path.join(dir, 'stderr'), 'w+');
  try {
    const stdin = options.input === undefined ? 'ignore' : 'pipe';
    const r = spawnSync(tsruncBin, ['--root', root, ...args], { stdio: [stdin, out, err], timeout: 60_000, ...options });
    const read = (fd: number) => fs.readFileSync(fd === out ? path.join(dir, 'stdout') : path.join(dir, 'stderr'), 'utf8');
    return { status: r.status, stdout: read(out), stderr: read(err) };
  } finally {
    fs.closeSync(out);
    fs.closeSync(err);
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The container directories in a state root (not its `~cache`); [] when the root does not exist. */
export function containersIn(root: string): string[] {
  return fs.existsSync(root) ? fs.readdirSync(root).filter((name) => !name.startsWith('~')) : [];
}

/** A temp dir removed at teardown. */
export function tempDir(t: Test, prefix = 'tsrunc-it-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * A state root for one test. At teardown every container left in it is force-deleted; a leftover is
 * a leak, and since a teardown can no longer assert, it fails the whole test file instead.
 */
export function stateRoot(t: Test): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-root-'));
  const root = path.join(dir, 'state');
  t.teardown(() => {
    const left = containersIn(root);
    for (const id of left) tsrunc(root, ['delete', '--force', id]);
    fs.rmSync(dir, { recursive: true, force: true });
    if (left.length) {
      console.error(`# LEAK in "${t.fullname}": containers left behind in ${root}: ${left.join(', ')}`);
      process.exitCode = 1;
    }
  });
  return root;
}

/** A bundle dir whose config is the busybox default changed by `mutate`; root.path points at the shared rootfs. */
export function makeBundle(t: Test, mutate: (s: Spec) => void = () => {}): string {
  const dir = tempDir(t, 'tsrunc-bundle-');
  const spec = baseSpec((s) => {
    s.root = { path: busyboxRootfs, readonly: true };
    s.process!.args = ['sh', '-c', 'true'];
    mutate(s);
  });
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(spec, null, 2));
  return dir;
}

/** Runs `sh -c script` in a foreground container; returns the CLI result. */
export function runScript(t: Test, root: string, script: string, mutate: (s: Spec) => void = () => {}): CliResult {
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', script];
    mutate(s);
  });
  return tsrunc(root, ['run', '--bundle', bundle, `t${process.pid}-${Math.random().toString(36).slice(2, 8)}`]);
}

/** The host's mount table, to compare before and after. */
export function hostMounts(): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ').slice(4, 5).join(' '))
    .filter(Boolean)
    .sort();
}

/** True while process `pid` exists (not a zombie). */
export function alive(pid: number): boolean {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) [ZX] /.test(stat);
  } catch {
    return false;
  }
}

/** Polls `check` every 50 ms until it holds or `ms` pass. */
export async function waitFor(check: () => boolean, ms = 5000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return check();
}

/** A unique container id for this test process. */
export function uniqueId(name: string): string {
  return `${name}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
}

/** A private, writable copy of the busybox rootfs (for planting symlinks), removed at teardown. */
export function privateRootfs(t: Test): string {
  const rootfs = path.join(tempDir(t), 'rootfs');
  execFileSync('cp', ['-a', busyboxRootfs, rootfs]);
  return rootfs;
}

/** Creates from a bundle that must be refused: the message matches, and no state or mount is left. */
export function expectCreateRefused(t: Test, root: string, mutate: (s: Spec) => void, message: RegExp, what: string): void {
  const before = hostMounts();
  const r = tsrunc(root, ['create', '--bundle', makeBundle(t, mutate), uniqueId('refused')]);
  t.equal(r.status, 1, `${what}: refused`);
  t.match(r.stderr, message, `${what}: the error says why`);
  t.same(containersIn(root), [], `${what}: no state left`);
  t.same(hostMounts(), before, `${what}: no mount left`);
}
