// Loading a bundle: JSON errors located, the version range, and the spec's MUSTs beyond the schema.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { ConfigError, SyscallError } from '../../src/errors.js';
import type { Spec } from '../../src/spec/generated/config.js';
import { checkSpec, jsonErrorOffset, loadBundle, parseJson } from '../../src/spec/load.js';
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
  t.throws(() => parseJson(''), { message: /^config\.json: invalid JSON at line 1, column 1: Unexpected end of JSON input$/ });
  // Node 20 gives no position for these ("Unexpected token ']', "[1,]" is not valid JSON"): found by our scan.
  t.throws(() => parseJson('[1,]'), { message: "config.json: invalid JSON at line 1, column 4: Unexpected token ']'" });
  // V8 quotes only part of a longer text ("Unexpected token ']', ..."9, 10, 11,]}" is not valid JSON").
  const long = `{"args": [${Array.from({ length: 30 }, (_, i) => `"a${i}"`).join(', ')},]}`;
  t.throws(() => parseJson(long), { message: `config.json: invalid JSON at line 1, column ${long.length - 1}: Unexpected token ']'` });
  t.throws(() => parseJson(`]${' '.repeat(40)}1`), { message: "config.json: invalid JSON at line 1, column 1: Unexpected token ']'" });
  t.throws(() => parseJson('{\n  "args": [\n    "sh",\n  ]\n}', 'process.json'), { message: /^process\.json: invalid JSON at line 4, column 3: / });
  t.throws(() => parseJson('{"a": tru}'), { message: /^config\.json: invalid JSON at line 1, column 10: / });
  t.throws(() => parseJson('{"a": 1}}'), { message: 'config.json: invalid JSON at line 1, column 9: Unexpected non-whitespace character after JSON' });
  t.throws(() => parseJson('{\r\n"a": "x\ny"}'), { message: /^config\.json: invalid JSON at line 2, column 8: Bad control character in string literal$/ });
  t.same(parseJson('{"a": [1, "x", null]}'), { a: [1, 'x', null] });
});

t.test('jsonErrorOffset finds the first bad character', async (t) => {
  const cases: Array<[string, number]> = [
    ['{"a": 1}', 8], // valid: the length
    ['', 0],
    ['   ', 3],
    ['[1,]', 3],
    ['{"a" 1}', 5],
    ['{"a":01}', 6],
    ['{"a":-}', 6],
    ['{"a":"\\q"}', 7],
    ['{"a":"\\u12G4"}', 10],
    ['{"a":"x', 7],
    ['{,}', 1],
    ['[1 2]', 3],
    ['nul', 3],
    ['truex', 4],
    ['{"a":[{"b":[true,false,null,1.5e3,"\\u00e9"]}]}', 46], // valid
  ];
  for (const [text, offset] of cases) t.equal(jsonErrorOffset(text), offset, JSON.stringify(text));
});

t.test('missing bundle and missing config.json are named', async (t) => {
  const dir = bundleDir(t, undefined);
  t.throws(() => loadBundle(path.join(dir, 'nope')), SyscallError);
  t.throws(() => loadBundle(path.join(dir, 'nope')), { message: /open bundle `.*\/nope`: No such file or directory \(ENOENT\)/ });
  t.throws(() => loadBundle(dir), { message: /read config\.json `.*config\.json`: No such file or directory \(ENOENT\)/ });
  t.throws(() => loadBundle('/nonexistent-tsrunc-bundle'), { message: 'open bundle `/nonexistent-tsrunc-bundle`: No such file or directory (ENOENT)' });
  const file = path.join(dir, 'a-file');
  fs.writeFileSync(file, '');
  t.throws(() => loadBundle(file), { message: `open bundle \`${fs.realpathSync(dir)}/a-file\`: Not a directory (ENOTDIR)` });
});

t.test('loadBundle: the bundle through a symlink, errors from each layer', async (t) => {
  const dir = bundleDir(t, spec());
  const link = `${dir}-link`;
  fs.symlinkSync(dir, link);
  t.teardown(() => fs.rmSync(link, { force: true }));
  t.equal(loadBundle(link).bundle, fs.realpathSync(dir), 'bundle is the real path');
  t.throws(() => loadBundle(bundleDir(t, '{"ociVersion": "1.0.0",}')), { message: /^config\.json: invalid JSON at line 1, column 24: / });
  t.throws(() => loadBundle(bundleDir(t, spec((s) => (s.process!.user!.uid = -1)))), { message: 'config.json: /process/user/uid: must be an integer ≥ 0 (config.md#configUser)' });
  t.throws(() => loadBundle(bundleDir(t, spec((s) => (s.process!.args = [])))), { message: 'config.json: /process/args: must be a non-empty array (config.md#configProcess)' });
  t.throws(() => loadBundle(bundleDir(t, spec((s) => (s.ociVersion = '2.0.0')))), ConfigError);
  t.throws(() => loadBundle(bundleDir(t, spec((s) => (s.root = { path: 'other' })))), { message: /^config\.json: \/root\/path: \/.*\/other does not exist \(config\.md#configRoot\)$/ });
  const absolute = bundleDir(t, undefined, 'abs-rootfs');
  const withAbsoluteRoot = bundleDir(t, spec((s) => (s.root = { path: path.join(absolute, 'abs-rootfs') })));
  t.equal(loadBundle(withAbsoluteRoot).spec.root!.path, path.join(absolute, 'abs-rootfs'), 'an absolute root.path may be anywhere');
  const notDir = bundleDir(t, spec((s) => (s.root = { path: 'config.json' })));
  t.throws(() => loadBundle(notDir), { message: /\/root\/path: .*config\.json is not a directory \(config\.md#configRoot\)$/ });
});

t.test('ociVersion: 1.0.0 through 1.3.x', async (t) => {
  for (const v of ['1.0.0', '1.0.2-dev', '1.1.0', '1.2.0', '1.3.0', '1.3.7', '1.3.0-rc.1', '1.3.0+dev']) t.equal(problem(t, (s) => (s.ociVersion = v)), 'ok', v);
  t.equal(problem(t, (s) => (s.ociVersion = '2.0.0')), 'config.json: /ociVersion: unsupported major version 2 (tsrunc implements runtime-spec 1.0.0 to 1.3.x) (config.md#configSpecificationVersion)');
  t.match(problem(t, (s) => (s.ociVersion = '0.9.0')), /major version 0/);
  t.match(problem(t, (s) => (s.ociVersion = '1.4.0')), /1\.4\.0 is newer than 1\.3\.x/);
  t.match(problem(t, (s) => (s.ociVersion = '1.10.0')), /1\.10\.0 is newer than 1\.3\.x/);
  t.match(problem(t, (s) => (s.ociVersion = '1.0')), /\/ociVersion: must be a SemVer/);
  t.match(problem(t, (s) => (s.ociVersion = 'one')), /\/ociVersion: must be a SemVer/);
});

t.test('the spec’s rules beyond the schema', async (t) => {
  t.equal(problem(t, (s) => (s.process!.args = [])), 'config.json: /process/args: must be a non-empty array (config.md#configProcess)');
  t.equal(problem(t, (s) => delete s.process!.args), 'config.json: /process/args: must be a non-empty array (config.md#configProcess)');
  t.equal(problem(t, (s) => (s.process!.cwd = 'tmp')), 'config.json: /process/cwd: must be an absolute path (config.md#configProcess)');
  t.equal(problem(t, (s) => delete s.process), 'ok', 'no process: config.md requires one only when start is called');
  t.equal(problem(t, (s) => delete s.root), 'config.json: /root: is required on Linux (config.md#configRoot)');
  t.match(problem(t, (s) => (s.root = { path: '../../etc' })), /^config\.json: \/root\/path: must stay inside the bundle .*\(config\.md#configRoot\)$/);
  t.match(problem(t, (s) => (s.root = { path: 'missing' })), /^config\.json: \/root\/path: .*missing does not exist \(config\.md#configRoot\)$/);
  t.equal(problem(t, (s) => s.linux!.namespaces!.push({ type: 'pid' })), `config.json: /linux/namespaces/${spec().linux!.namespaces!.length}: duplicate pid namespace (config-linux.md#configLinuxNamespaces)`);
  t.equal(problem(t, (s) => s.linux!.namespaces!.push({ type: 'user' })), 'config.json: /linux/uidMappings: required with a new user namespace (config-linux.md#configLinuxUserNamespaceMappings)');
  t.equal(problem(t, (s) => (s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])), 'config.json: /linux/uidMappings: only allowed with a user namespace (config-linux.md#configLinuxUserNamespaceMappings)');
  t.equal(problem(t, (s) => (s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }])), 'config.json: /linux/gidMappings: only allowed with a user namespace (config-linux.md#configLinuxUserNamespaceMappings)');
  t.equal(problem(t, (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  }), 'config.json: /linux/gidMappings: required with a new user namespace (config-linux.md#configLinuxUserNamespaceMappings)');
  t.equal(problem(t, (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  }), 'ok', 'a new user namespace with both mappings');
  t.equal(problem(t, (s) => s.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' })), 'ok', 'a joined user namespace needs no mappings');
  t.equal(problem(t, (s) => {
    s.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
  }), 'ok', 'nor refuses them (they are its own, as runc reads it)');
  t.equal(problem(t, (s) => s.process!.rlimits!.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 })), 'config.json: /process/rlimits/1: duplicate RLIMIT_NOFILE (config.md#configPOSIXProcess)');
  t.match(problem(t, (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOPE', soft: 1, hard: 1 }])), /^config\.json: \/process\/rlimits\/0\/type: RLIMIT_NOPE is not a Linux resource limit/);
  t.match(problem(t, (s) => (s.process!.rlimits = [{ type: 'RLIMIT_CORE', soft: 2, hard: 1 }])), /^config\.json: \/process\/rlimits\/0\/soft: must not exceed hard/);
  t.equal(problem(t, (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts'))), 'config.json: /hostname: requires a uts namespace (new or joined by path) (config.md#configHostname)');
  t.equal(problem(t, (s) => (s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'uts' ? { type: 'uts', path: '/proc/1/ns/uts' } : n)))), 'ok', 'a uts namespace joined by path takes a hostname (runc’s reading)');
  t.equal(problem(t, (s) => (s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'uts' ? { type: 'uts', path: '' } : n)))), 'ok', 'an empty path asks for a new namespace');
  t.equal(problem(t, (s) => (s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: 'netns/x' } : n)))), 'config.json: /linux/namespaces/1/path: must be an absolute path (config-linux.md#configLinuxNamespaces)');
  t.equal(problem(t, (s) => {
    delete s.hostname;
    s.domainname = 'example.org';
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts');
  }), 'config.json: /domainname: requires a uts namespace (new or joined by path) (config.md#configDomainname)');
  t.equal(problem(t, (s) => {
    delete s.hostname;
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts');
  }), 'ok', 'no hostname, no uts namespace needed');
  t.equal(problem(t, (s) => (s.linux!.timeOffsets = { monotonic: { secs: 5 } })), 'config.json: /linux/timeOffsets: requires a new time namespace (config-linux.md#configLinuxTimeOffset)');
  t.equal(problem(t, (s) => {
    s.linux!.namespaces!.push({ type: 'time', path: '/proc/1/ns/time' });
    s.linux!.timeOffsets = { boottime: { secs: 5 } };
  }), 'config.json: /linux/timeOffsets: requires a new time namespace (config-linux.md#configLinuxTimeOffset)');
  t.equal(problem(t, (s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { boottime: { secs: 5 }, monotonic: { secs: -5, nanosecs: 10 } };
  }), 'ok');
  t.equal(problem(t, (s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { realtime: { secs: 5 } } as never;
  }), 'config.json: /linux/timeOffsets/realtime: is not a clock with an offset (boottime or monotonic) (config-linux.md#configLinuxTimeOffset)');
  t.equal(problem(t, (s) => {
    s.linux!.namespaces!.push({ type: 'time', path: '' });
    s.linux!.timeOffsets = { 1: { secs: 5 }, 7: { secs: 6 } } as never;
  }), 'ok', 'the kernel also names the clocks by id (CLOCK_MONOTONIC 1, CLOCK_BOOTTIME 7); an empty path is a new namespace');
  t.equal(problem(t, (s) => {
    s.linux!.namespaces!.push({ type: 'time' });
    s.linux!.timeOffsets = { 'a/b': { secs: 5 } } as never;
  }), 'config.json: /linux/timeOffsets/a~1b: is not a clock with an offset (boottime or monotonic) (config-linux.md#configLinuxTimeOffset)');
  t.equal(problem(t, (s) => s.mounts!.push({ destination: 'relative/dir', type: 'tmpfs', source: 'tmpfs' })), 'ok', 'a relative mount destination is deprecated, not refused');
  t.equal(problem(t, (s) => s.mounts!.push({ destination: '', type: 'tmpfs', source: 'tmpfs' })), `config.json: /mounts/${spec().mounts!.length}/destination: must not be empty (config.md#configMounts)`);
  t.equal(problem(t, (s) => s.process!.rlimits!.push({ type: 'RLIMIT_CORE', soft: 0, hard: 0 })), 'ok', 'distinct rlimits');
  t.equal(problem(t, (s) => s.linux!.namespaces!.push({ type: 'network', path: 'relative' } as never)), `config.json: /linux/namespaces/${spec().linux!.namespaces!.length}: duplicate network namespace (config-linux.md#configLinuxNamespaces)`);
});

t.test('rules the conformance suite found unchecked: hook paths, empty annotation keys, user ids, masked paths, device numbers', async (t) => {
  t.equal(problem(t, (s) => (s.hooks = { prestart: [{ path: 'sh' }] })), 'config.json: /hooks/prestart/0/path: must be an absolute path, not "sh" (config.md#configHooks)');
  t.equal(problem(t, (s) => (s.annotations = { '': 'x' })), 'config.json: /annotations: a key must not be an empty string (config.md#configAnnotations)');
  t.equal(problem(t, (s) => delete s.process!.user!.gid), 'config.json: /process/user/gid: is required (config.md#configPOSIXUser)');
  t.equal(problem(t, (s) => (s.linux!.maskedPaths = ['proc/kcore'])), 'config.json: /linux/maskedPaths/0: must be an absolute path, not "proc/kcore" (config-linux.md#configLinuxMaskedPaths)');
  t.equal(problem(t, (s) => (s.linux!.readonlyPaths = ['/proc/sys', 'x'])), 'config.json: /linux/readonlyPaths/1: must be an absolute path, not "x" (config-linux.md#configLinuxReadonlyPaths)');
  t.equal(problem(t, (s) => (s.linux!.devices = [{ path: '/dev/fuse', type: 'c', minor: 229 }])), 'config.json: /linux/devices/0/major: is required for a device of type c (config-linux.md#configLinuxDevices)');
  t.equal(problem(t, (s) => (s.linux!.devices = [{ path: '/dev/pipe', type: 'p' }])), 'ok', 'a fifo needs no numbers');
});
