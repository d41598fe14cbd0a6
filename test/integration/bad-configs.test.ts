// Bad configs are refused with `config.json: <pointer>: <expected> (<section>)`, and failures in the
// container's init with `<step> <path>: <strerror> (<ERRNO>)`; neither leaves state, a process or
// a mount behind.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import type { Spec } from '../../src/spec/generated/config.js';
import { containersIn, hostMounts, makeBundle, rootSkipReason, stateRoot, tempDir, tsrunc, uniqueId } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

/** Processes running the sealed init helper (an init that was never started or cleaned up). */
function helperProcesses(): number[] {
  return fs.readdirSync('/proc').filter((e) => /^\d+$/.test(e)).map(Number).filter((pid) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/exe`).startsWith('/memfd:tsrunc-init');
    } catch {
      return false;
    }
  });
}

function expectRefused(t: Test, name: string, bundle: string, message: RegExp): void {
  const root = stateRoot(t);
  const mountsBefore = hostMounts();
  const helpersBefore = helperProcesses();
  const r = tsrunc(root, ['create', '--bundle', bundle, uniqueId('bad')]);
  t.equal(r.status, 1, `${name}: exit status 1`);
  t.match(r.stderr, message, `${name}: message`);
  t.same(containersIn(root), [], `${name}: no state left`);
  t.same(hostMounts(), mountsBefore, `${name}: no mount left`);
  t.same(helperProcesses(), helpersBefore, `${name}: no process left`);
}

const configCases: Array<[string, (s: Spec) => void, RegExp]> = [
  ['missing process.args', (s) => delete s.process!.args, /^tsrunc: config\.json: \/process\/args: .+ \(config\.md#/m],
  ['empty process.args', (s) => (s.process!.args = []), /^tsrunc: config\.json: \/process\/args: must be a non-empty array \(config\.md#/m],
  ['unknown namespace type', (s) => s.linux!.namespaces!.push({ type: 'bogus' as never }), /^tsrunc: config\.json: \/linux\/namespaces\/5\/type: must be one of .* \(config-linux\.md#configLinuxNamespaces\)/m],
  ['duplicate namespace', (s) => s.linux!.namespaces!.push({ type: 'pid' }), /^tsrunc: config\.json: \/linux\/namespaces\/5: .*pid.* \(config-linux\.md#configLinuxNamespaces\)/m],
  ['mount without destination', (s) => s.mounts!.push({ type: 'tmpfs', source: 'tmpfs' } as never), /^tsrunc: config\.json: \/mounts\/7\/destination: .* \(config\.md#configMounts\)/m],
  ['ociVersion of an unknown major', (s) => (s.ociVersion = '2.0.0'), /^tsrunc: config\.json: \/ociVersion: .*major version 2/m],
  ['negative uid', (s) => (s.process!.user!.uid = -1), /^tsrunc: config\.json: \/process\/user\/uid: .+ \(config\.md#/m],
  ['relative cwd', (s) => (s.process!.cwd = 'tmp'), /^tsrunc: config\.json: \/process\/cwd: .*absolute/m],
  ['user namespace without mappings', (s) => s.linux!.namespaces!.push({ type: 'user' }), /^tsrunc: config\.json: \/linux\/uidMappings: .+ \(config-linux\.md#/m],
  ['duplicate rlimits', (s) => s.process!.rlimits!.push({ type: 'RLIMIT_NOFILE', soft: 1, hard: 1 }), /^tsrunc: config\.json: \/process\/rlimits\/1: .+ \(config\.md#configPOSIXProcess\)/m],
  ['unknown rlimit', (s) => (s.process!.rlimits = [{ type: 'RLIMIT_NOPE', soft: 1, hard: 1 }]), /^tsrunc: config\.json: \/process\/rlimits\/0\/type: .+/m],
  ['hostname without a uts namespace', (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts')), /^tsrunc: config\.json: \/hostname: .+ \(config\.md#configHostname\)/m],
  ['no mount namespace, with masked paths', (s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount')), /^tsrunc: config\.json: \/linux\/maskedPaths: masking paths needs a mount namespace/m],
  ['a host sysctl', (s) => (s.linux!.sysctl = { 'vm.swappiness': '0' }), /^tsrunc: config\.json: \/linux\/sysctl\/vm\.swappiness: /m],
  ['intelRdt on a host without resctrl', (s) => (s.linux!.intelRdt = { closID: 'x' }), /^tsrunc: config\.json: \/linux\/intelRdt: no resctrl filesystem is mounted in the runtime's mount namespace/m],
  ['a personality flag', (s) => (s.linux!.personality = { domain: 'LINUX', flags: ['ADDR_NO_RANDOMIZE'] }), /^tsrunc: config\.json: \/linux\/personality\/flags\/0: .+ \(config-linux\.md#configLinuxPersonality\)/m],
  ['a deadline scheduler out of order', (s) => (s.process!.scheduler = { policy: 'SCHED_DEADLINE', runtime: 5000, deadline: 100 }), /^tsrunc: config\.json: \/process\/scheduler\/deadline: .+ \(config\.md#configLinuxProcess\)/m],
];

t.test('schema and semantic errors', async (t) => {
  for (const [name, mutate, message] of configCases) expectRefused(t, name, makeBundle(t, mutate), message);
});

t.test('bundle errors', async (t) => {
  const noConfig = tempDir(t);
  expectRefused(t, 'no config.json', noConfig, /config\.json/);
  const badJson = tempDir(t);
  fs.writeFileSync(path.join(badJson, 'config.json'), '{\n  "ociVersion": "1.0.0",\n  oops\n}');
  expectRefused(t, 'invalid JSON', badJson, /^tsrunc: config\.json: invalid JSON at line 3, column 3/m);
  const escaping = makeBundle(t, (s) => (s.root = { path: '../../../../etc' }));
  expectRefused(t, 'relative root.path escaping the bundle', escaping, /^tsrunc: config\.json: \/root\/path: .+ \(config\.md#configRoot\)/m);
  const missingRoot = makeBundle(t, (s) => (s.root = { path: 'nope' }));
  expectRefused(t, 'root.path missing', missingRoot, /^tsrunc: config\.json: \/root\/path: .+/m);
  expectRefused(t, 'bundle directory missing', path.join(noConfig, 'nope'), /nope/);
});

t.test('failures inside the container’s init name the step, the path and the errno', async (t) => {
  expectRefused(t, 'unknown filesystem type', makeBundle(t, (s) => s.mounts!.push({ destination: '/x', type: 'nosuchfs', source: 'none' })), /^tsrunc: mount `none` on `\/x`: No such device \(ENODEV\)$/m);
  expectRefused(t, 'cwd missing', makeBundle(t, (s) => (s.process!.cwd = '/no/such/dir')), /^tsrunc: chdir to cwd `\/no\/such\/dir`: No such file or directory \(ENOENT\)$/m);
  expectRefused(t, 'executable missing', makeBundle(t, (s) => (s.process!.args = ['no-such-program'])), /^tsrunc: exec: "no-such-program": executable file not found in \$PATH$/m);
  expectRefused(t, 'namespace path of the wrong type', makeBundle(t, (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
    s.linux!.namespaces!.push({ type: 'network', path: `/proc/${process.pid}/ns/uts` });
  }), /^tsrunc: join namespace `\/proc\/\d+\/ns\/uts`: Invalid argument \(EINVAL\)$/m);
  expectRefused(t, 'bind source missing', makeBundle(t, (s) => s.mounts!.push({ destination: '/x', source: '/no/such/source', options: ['bind'] })), /^tsrunc: config\.json: \/mounts\/7\/source: bind mount source \/no\/such\/source does not exist/m);
});
