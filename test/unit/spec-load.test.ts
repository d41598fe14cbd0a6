// Loading a bundle: JSON errors located, the version range, and the spec's MUSTs beyond the schema.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ConfigError, SyscallError } from '../../src/errors.js';
import type { Spec } from '../../src/spec/generated/config.js';
import { checkSpec, loadBundle, parseJson } from '../../src/spec/load.js';
import { baseSpec } from '../helpers/specs.js';

function bundleDir(t: Test, spec: Spec | string | undefined, rootfs = 'rootfs'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-load-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, rootfs), { recursive: true });
  if (spec !== undefined) fs.writeFileSync(path.join(dir, 'config.json'), typeof spec === 'string' ? spec : JSON.stringify(spec));
  return dir;
}

const spec = (mutate: (s: Spec) => void = () => {}) =>
  baseSpec((s) => {
    s.root = { path: 'rootfs' };
    mutate(s);
  });

function problem(t: Test, mutate: (s: Spec) => void): string {
  try {
    checkSpec(spec(mutate), bundleDir(t, undefined));
    return 'ok';
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
}

t.test('a good bundle loads, with its real path', async (t) => {
  const dir = bundleDir(t, spec());
  const loaded = loadBundle(dir);
  t.equal(loaded.bundle, fs.realpathSync(dir));
  t.equal(loaded.configPath, path.join(fs.realpathSync(dir), 'config.json'));
  t.equal(loaded.spec.process!.cwd, '/');
});

t.test('JSON errors name line and column', async (t) => {
  t.throws(() => parseJson('{\n  "ociVersion": "1.0.0",\n  oops\n}'), { message: /^config\.json: invalid JSON at line 3, column 3: / });
  t.throws(() => parseJson('{"a": 1'), { message: /^config\.json: invalid JSON at line 1, column 8/ });
  t.throws(() => parseJson(''), { message: /^config\.json: invalid JSON/ });
});

t.test('missing bundle and missing config.json are named', async (t) => {
  const dir = bundleDir(t, undefined);
  t.throws(() => loadBundle(path.join(dir, 'nope')), SyscallError);
  t.throws(() => loadBundle(path.join(dir, 'nope')), { message: /open bundle `.*\/nope`: No such file or directory \(ENOENT\)/ });
  t.throws(() => loadBundle(dir), { message: /read config\.json `.*config\.json`: No such file or directory \(ENOENT\)/ });
});

t.test('ociVersion: 1.0.0 through 1.3.x', async (t) => {
  for (const v of ['1.0.0', '1.0.2-dev', '1.1.0', '1.2.0', '1.3.0', '1.3.7', '1.3.0-rc.1']) t.equal(problem(t, (s) => (s.ociVersion = v)), 'ok', v);
  t.equal(problem(t, (s) => (s.ociVersion = '2.0.0')), 'config.json: /ociVersion: unsupported major version 2 (tsrunc implements runtime-spec 1.0.0 to 1.3.x) (config.md#configSpecificationVersion)');
  t.match(problem(t, (s) => (s.ociVersion = '0.9.0')), /major version 0/);
  t.match(problem(t, (s) => (s.ociVersion = '1.4.0')), /1\.4\.0 is newer than 1\.3\.x/);
  t.match(problem(t, (s) => (s.ociVersion = 'one')), /\/ociVersion: must be a SemVer/);
});

t.test('the spec’s rules beyond the schema', async (t) => {
  t.equal(problem(t, (s) => (s.process!.args = [])), 'config.json: /process/args: must be a non-empty array (config.md#configProcess)');
  t.equal(problem(t, (s) => delete s.process!.args), 'config.json: /process/args: must be a non-empty array (config.md#configProcess)');
  t.equal(problem(t, (s) => (s.process!.cwd = 'tmp')), 'config.json: /process/cwd: must be an absolute path (config.md#configProcess)');
  t.equal(problem(t, (s) => delete s.process), 'config.json: /process: is required to create a container (config.md#configProcess)');
  t.equal(problem(t, (s) => delete s.root), 'config.json: /root: is required on Linux (config.md#configRoot)');
  t.match(problem(t, (s) => (s.root = { path: '../../etc' })), /^config\.json: \/root\/path: must stay inside the bundle .*\(config\.md#configRoot\)$/);
  t.match(problem(t, (s) => (s.root = { path: 'missing' })), /^config\.json: \/root\/path: .*missing does not exist \(config\.md#configRoot\)$/);
  t.equal(problem(t, (s) => s.linux!.namespaces!.push({ type: 'pid' })), `config.json: /linux/namespaces/${spec().linux!.namespaces!.length}: duplicate pid namespace (config-linux.md#configLinuxNamespaces)`);
  t.equal(problem(t, (s) => s.linux!.namespaces!.push({ type: 'user' })), 'config.json: /linux/uidMappings: required with a new user namespace (config-linux.md#configLinuxUserNamespaceMappings)');
  t.equal(problem(t, (s) => (s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])), 'config.json: /linux/uidMappings: only allowed with a new user namespace (config-linux.md#configLinuxUserNamespaceMappings)');
  t.equal(problem(t, (s) => s.process!.rlimits!.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 })), 'config.json: /process/rlimits/1: duplicate RLIMIT_NOFILE (config.md#configPOSIXProcess)');
  t.match(problem(t, (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOPE', soft: 1, hard: 1 }])), /^config\.json: \/process\/rlimits\/0\/type: RLIMIT_NOPE is not a Linux resource limit/);
  t.match(problem(t, (s) => (s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 2, hard: 1 }])), /^config\.json: \/process\/rlimits\/0\/soft: must not exceed hard/);
  t.equal(problem(t, (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts'))), 'config.json: /hostname: requires a new uts namespace (config.md#configHostname)');
  t.equal(problem(t, (s) => (s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'uts' ? { type: 'uts', path: '/proc/1/ns/uts' } : n)))), 'config.json: /hostname: requires a new uts namespace (config.md#configHostname)');
  t.equal(problem(t, (s) => s.linux!.namespaces!.push({ type: 'network', path: 'relative' } as never)), `config.json: /linux/namespaces/${spec().linux!.namespaces!.length}: duplicate network namespace (config-linux.md#configLinuxNamespaces)`);
});
