#!/usr/bin/env node
// What seccomp costs at create, with podman's default profile (test/fixtures/seccomp): compiling it
// (libseccomp through the addon, plus runc's ENOSYS stub), a hit of the compile cache, and whole
// `run`s with and without the profile, against runc in the same run. Needs root and a built tree.
// Usage: sudo node bench/seccomp.mjs [iterations]
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = fileURLToPath(new URL('..', import.meta.url));
const iterations = Number(process.argv[2] ?? 20);
const { planSeccomp } = await import(path.join(repo, 'dist/src/plan/seccomp.js'));
const { nativeSeccomp } = await import(path.join(repo, 'dist/src/plan/build.js'));
const { cachingSeccompCompiler } = await import(path.join(repo, 'dist/src/runtime/seccomp-cache.js'));
const profile = JSON.parse(fs.readFileSync(path.join(repo, 'test/fixtures/seccomp/podman-default.json'), 'utf8'));

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const msOf = (fn) => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1e6;
};

const work = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-bench-seccomp-'));
const context = (compile) => ({ ...nativeSeccomp, compile, exactInteger: () => undefined, debug: [] });
const cold = [];
const hit = [];
let instructions = 0;
for (let i = 0; i <= iterations; i++) {
  const t = msOf(() => (instructions = planSeccomp(profile, context(nativeSeccomp.compile)).program.length / 8));
  if (i > 0) cold.push(t);
}
const cacheDir = path.join(work, 'cache');
planSeccomp(profile, context(cachingSeccompCompiler(cacheDir))); // fills the cache
for (let i = 0; i < iterations; i++) hit.push(msOf(() => planSeccomp(profile, context(cachingSeccompCompiler(cacheDir)))));

// Whole runs of a bundle whose process exits at once, with and without the profile.
const bundle = (name, seccomp) => {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  const config = JSON.parse(fs.readFileSync(path.join(repo, 'bundles/busybox/config.json'), 'utf8'));
  config.root = { path: path.join(repo, 'bundles/busybox/rootfs'), readonly: true };
  config.process.args = ['/bin/true'];
  config.process.terminal = false;
  config.ociVersion = '1.0.2';
  if (seccomp) config.linux.seccomp = seccomp;
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config));
  return dir;
};
const bundles = { plain: bundle('plain'), podman: bundle('podman', profile) };
const runtimes = { tsrunc: [process.execPath, path.join(repo, 'dist/src/cli/bin.js')], runc: ['runc'] };
const runs = {};
for (let i = -1; i < iterations; i++) {
  for (const [rt, argv] of Object.entries(runtimes)) {
    for (const [name, dir] of Object.entries(bundles)) {
      const t = msOf(() => {
        const r = spawnSync(argv[0], [...argv.slice(1), '--root', path.join(work, `root-${rt}`), 'run', '--bundle', dir, `b-${name}-${i + 1}`], { stdio: 'ignore' });
        if (r.status !== 0) throw new Error(`${rt} run ${name} failed (${r.status})`);
      });
      if (i >= 0) (runs[`${rt} run, ${name}`] ??= []).push(t);
    }
  }
}

console.log(`medians of ${iterations}, ${os.cpus().length} cpus, node ${process.version}, kernel ${os.release()}`);
console.log(`podman's default profile: ${profile.syscalls.length} rules, ${instructions} BPF instructions`);
console.log(`compile (libseccomp + ENOSYS stub)  ${median(cold).toFixed(2)} ms`);
console.log(`compile cache hit                   ${median(hit).toFixed(2)} ms`);
for (const [name, times] of Object.entries(runs)) console.log(`${name.padEnd(36)}${median(times).toFixed(1)} ms`);
const ratio = (a, b) => (median(runs[a]) / median(runs[b])).toFixed(2);
console.log(`tsrunc/runc with the profile: ${ratio('tsrunc run, podman', 'runc run, podman')}; without: ${ratio('tsrunc run, plain', 'runc run, plain')}`);
fs.rmSync(work, { recursive: true, force: true });
