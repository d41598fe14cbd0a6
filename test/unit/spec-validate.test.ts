// Schema errors become one ConfigError: file, JSON pointer, plain-English expectation, spec section.
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { sectionFor, validateFeaturesDocument, validateSpec, validateStateDocument } from '../../src/spec/validate.js';
import { baseSpec } from '../helpers/specs.js';

function messageFor(mutate: (s: Record<string, any>) => void): string {
  const s = baseSpec() as Record<string, any>;
  mutate(s);
  try {
    validateSpec(s);
  } catch (e) {
    if (e instanceof ConfigError) return e.message;
    throw e;
  }
  return 'valid';
}

t.test('a valid spec passes through', async (t) => {
  t.equal(messageFor(() => {}), 'valid');
});

t.test('messages: pointer, expectation, section', async (t) => {
  t.equal(messageFor((s) => (s.process.args = 'sh')), 'config.json: /process/args: must be an array (config.md#configProcess)');
  t.equal(messageFor((s) => delete s.ociVersion), 'config.json: /ociVersion: is required (config.md#configSpecificationVersion)');
  t.equal(messageFor((s) => s.mounts.push({ type: 'tmpfs' })), `config.json: /mounts/${baseSpec().mounts!.length}/destination: is required (config.md#configMounts)`);
  t.equal(
    messageFor((s) => s.linux.namespaces.push({ type: 'bogus' })),
    `config.json: /linux/namespaces/${baseSpec().linux!.namespaces!.length}/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time (config-linux.md#configLinuxNamespaces)`,
  );
  t.equal(messageFor((s) => (s.process.user.uid = -1)), 'config.json: /process/user/uid: must be ≥ 0 (config.md#configUser)');
  t.equal(messageFor((s) => (s.process.rlimits[0].type = 'nofile')), 'config.json: /process/rlimits/0/type: must match ^RLIMIT_[A-Z]+$ (config.md#configPOSIXProcess)');
  t.equal(messageFor((s) => (s.linux.rootfsPropagation = 'rshared')), 'config.json: /linux/rootfsPropagation: must be one of private, shared, slave, unbindable (config-linux.md#configLinuxRootfsMountPropagation)');
  t.equal(messageFor((s) => (s.annotations = { a: 1 })), 'config.json: /annotations/a: must be a string (config.md#configAnnotations)');
  t.equal(messageFor((s) => (s.linux.resources = { memory: { limit: 'lots' } })), 'config.json: /linux/resources/memory/limit: must be an integer (config-linux.md#configLinuxMemory)');
  t.equal(messageFor((s) => (s.root = {})), 'config.json: /root/path: is required (config.md#configRoot)');
  t.equal(messageFor(() => {}), 'valid');
});

t.test('sections come from the deepest x-spec on the path', async (t) => {
  t.equal(sectionFor('config.schema.json', '/linux/seccomp/syscalls/0/names'), 'config-linux.md#configLinuxSeccomp');
  t.equal(sectionFor('config.schema.json', '/hooks/prestart/0/path'), 'config.md#configHooks');
  t.equal(sectionFor('config.schema.json', '/linux/uidMappings/0/size'), 'config-linux.md#configLinuxUserNamespaceMappings');
  t.equal(sectionFor('config.schema.json', ''), 'config.md#configuration');
});

t.test('state and features documents', async (t) => {
  t.doesNotThrow(() => validateStateDocument({ ociVersion: '1.3.0', id: 'a', status: 'running', pid: 4, bundle: '/b' }));
  t.throws(() => validateStateDocument({ ociVersion: '1.3.0', id: 'a', status: 'paused', bundle: '/b' }), /state\.json: \/status: must be one of creating, created, running, stopped \(runtime\.md#runtimeState\)/);
  t.doesNotThrow(() => validateFeaturesDocument({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { namespaces: ['pid'] } }));
  t.throws(() => validateFeaturesDocument({ ociVersionMin: '1.0.0' }), /features\.json: \/ociVersionMax: is required \(features\.md#featuresSpecificationVersion\)/);
});
