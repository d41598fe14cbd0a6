// Schema errors become one ConfigError: file, JSON pointer, plain-English expectation, spec section.
import fs from 'node:fs';
import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { describe, sectionFor, validateFeaturesDocument, validateSpec, validateStateDocument } from '../../src/spec/validate.js';
import { repoPath } from '../helpers/repo.js';
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
  t.equal(messageFor((s) => (s.process.user.gid = 1.5)), 'config.json: /process/user/gid: must be an integer (config.md#configUser)');
  t.equal(messageFor((s) => (s.process.user.uid = 2 ** 32)), 'config.json: /process/user/uid: must be an integer ≤ 4294967295 (config.md#configUser)');
  t.equal(messageFor((s) => (s.process.args = [])), 'valid', 'an empty args is the semantic check’s to refuse (with a bundle)');
  t.equal(messageFor((s) => (s.hooks = { poststop: [{ path: '/bin/true', timeout: 0 }] })), 'config.json: /hooks/poststop/0/timeout: must be an integer ≥ 1 (config.md#configHooks)');
  t.equal(messageFor((s) => (s.mounts[1] = 'tmpfs')), 'config.json: /mounts/1: must be an object (config.md#configMounts)');
  t.equal(messageFor((s) => (s.linux.uidMappings = [{ containerID: 0, hostID: 1000 }])), 'config.json: /linux/uidMappings/0/size: is required (config-linux.md#configLinuxUserNamespaceMappings)');
  t.equal(messageFor((s) => (s.mounts[0].uidMappings = [{ containerID: 0, hostID: -1, size: 1 }])), 'config.json: /mounts/0/uidMappings/0/hostID: must be an integer ≥ 0 (config-linux.md#configLinuxUserNamespaceMappings)');
  t.equal(messageFor((s) => (s.linux.sysctl = { 'net.ipv4.ip_forward': 1 })), 'config.json: /linux/sysctl/net.ipv4.ip_forward: must be a string (config-linux.md#configLinuxSysctl)');
  t.equal(messageFor((s) => (s.linux.timeOffsets = { monotonic: { secs: '5' } })), 'config.json: /linux/timeOffsets/monotonic/secs: must be an integer (config-linux.md#configLinuxTimeOffset)');
  t.equal(messageFor((s) => (s.linux.netDevices = { eth0: { name: 0 } })), 'config.json: /linux/netDevices/eth0/name: must be a string (config-linux.md#configLinuxNetworkDevices)');
  t.equal(messageFor((s) => (s.linux.resources = { rdma: { mlx5_0: { hcaHandles: -1 } } })), 'config.json: /linux/resources/rdma/mlx5_0/hcaHandles: must be an integer ≥ 0 (config-linux.md#configLinuxRDMA)');
  t.equal(messageFor((s) => (s.linux.resources = { blockIO: { weightDevice: [{ major: 8 }] } })), 'config.json: /linux/resources/blockIO/weightDevice/0/minor: is required (config-linux.md#configLinuxBlockIO)');
  t.equal(messageFor((s) => (s.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] })), 'config.json: /linux/seccomp/syscalls/0/names: must be a non-empty array (config-linux.md#configLinuxSeccomp)');
  t.match(messageFor((s) => (s.linux.seccomp = { defaultAction: 'ALLOW' })), /^config\.json: \/linux\/seccomp\/defaultAction: must be one of SCMP_ACT_KILL, .* \(config-linux\.md#configLinuxSeccomp\)$/);
  t.equal(messageFor((s) => (s.linux.memoryPolicy = { mode: 'MPOL_NOPE' })), 'config.json: /linux/memoryPolicy/mode: must be one of MPOL_DEFAULT, MPOL_BIND, MPOL_INTERLEAVE, MPOL_WEIGHTED_INTERLEAVE, MPOL_PREFERRED, MPOL_PREFERRED_MANY, MPOL_LOCAL (config-linux.md#configLinuxMemoryPolicy)');
  t.equal(messageFor((s) => (s.linux.intelRdt = { enableMonitoring: 'yes' })), 'config.json: /linux/intelRdt/enableMonitoring: must be a boolean (config-linux.md#configLinuxIntelRdt)');
  t.equal(messageFor((s) => (s.linux.personality = { domain: 'LINUX64' })), 'config.json: /linux/personality/domain: must be one of LINUX, LINUX32 (config-linux.md#configLinuxPersonality)');
  t.equal(messageFor((s) => (s.process.scheduler = { policy: 'SCHED_OTHER', nice: 2 ** 31 })), 'config.json: /process/scheduler/nice: must be an integer ≤ 2147483647 (config.md#configLinuxProcess)');
  t.equal(messageFor((s) => (s.process.ioPriority = { priority: 1 })), 'config.json: /process/ioPriority/class: is required (config.md#configLinuxProcess)');
  t.equal(messageFor((s) => (s.process.rlimits[0].soft = -1)), 'config.json: /process/rlimits/0/soft: must be an integer ≥ 0 (config.md#configPOSIXProcess)');
  t.equal(messageFor((s) => (s.windows = 'x')), 'config.json: /windows: must be an object (config.md#configPlatformSpecificConfiguration)');
  t.equal(messageFor((s) => (s.windows = { anything: ['goes'] })), 'valid', 'other platforms are not validated');
  t.equal(messageFor((s) => (s.anExtension = { x: 1 })), 'valid', 'unknown top-level properties are allowed (config.md#configExtensibility)');
  t.equal(messageFor(() => {}), 'valid');
});

t.test('the document as a whole', async (t) => {
  t.throws(() => validateSpec([]), { message: 'config.json: /: must be an object (config.md#configuration)' });
  t.throws(() => validateSpec(null, 'process.json'), { message: 'process.json: /: must be an object (config.md#configuration)' });
  const e = (() => {
    try {
      validateSpec({ ociVersion: 1 });
    } catch (e) {
      return e as ConfigError;
    }
  })();
  t.ok(e instanceof ConfigError);
  t.same([e?.file, e?.pointer, e?.expected, e?.section], ['config.json', '/ociVersion', 'must be a string', 'config.md#configSpecificationVersion']);
});

t.test('describe() phrases', async (t) => {
  const err = (keyword: string, params: Record<string, unknown>) => ({ instancePath: '', keyword, params, message: 'ajv says' });
  t.equal(describe(err('additionalProperties', { additionalProperty: 'x' })), 'is not allowed (unknown property)');
  t.equal(describe(err('minimum', { comparison: '>=', limit: 0 })), 'must be ≥ 0');
  t.equal(describe(err('minimum', { comparison: '>=', limit: 0 }), { type: 'integer' }), 'must be an integer ≥ 0');
  t.equal(describe(err('minItems', { limit: 2 })), 'must have at least 2 items');
  t.equal(describe(err('type', { type: 'object' })), 'must be an object');
  t.equal(describe(err('type', { type: 'array' })), 'must be an array');
  t.equal(describe(err('oneOf', {})), 'ajv says');
});

t.test('messages: pointer, expectation, section', async (t) => {
  t.equal(messageFor((s) => (s.process.args = 'sh')), 'config.json: /process/args: must be an array (config.md#configProcess)');
  t.equal(messageFor((s) => delete s.ociVersion), 'config.json: /ociVersion: is required (config.md#configSpecificationVersion)');
  t.equal(messageFor((s) => s.mounts.push({ type: 'tmpfs' })), `config.json: /mounts/${baseSpec().mounts!.length}/destination: is required (config.md#configMounts)`);
  t.equal(
    messageFor((s) => s.linux.namespaces.push({ type: 'bogus' })),
    `config.json: /linux/namespaces/${baseSpec().linux!.namespaces!.length}/type: must be one of pid, network, mount, ipc, uts, user, cgroup, time (config-linux.md#configLinuxNamespaces)`,
  );
  t.equal(messageFor((s) => (s.process.user.uid = -1)), 'config.json: /process/user/uid: must be an integer ≥ 0 (config.md#configUser)');
  t.equal(messageFor((s) => (s.process.rlimits[0].type = 'nofile')), 'config.json: /process/rlimits/0/type: must match ^RLIMIT_[A-Z]+$ (config.md#configPOSIXProcess)');
  t.equal(messageFor((s) => (s.linux.rootfsPropagation = 'rbogus')), 'config.json: /linux/rootfsPropagation: must be one of private, shared, slave, unbindable, rprivate, rshared, rslave, runbindable (config-linux.md#configLinuxRootfsMountPropagation)');
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
  t.equal(sectionFor('config.schema.json', '/linux/resources/blockIO/throttleReadBpsDevice/0/rate'), 'config-linux.md#configLinuxBlockIO');
  t.equal(sectionFor('config.schema.json', '/linux/netDevices/eth0'), 'config-linux.md#configLinuxNetworkDevices');
  t.equal(sectionFor('config.schema.json', '/mounts/3/options/0'), 'config.md#configLinuxMountOptions');
  t.equal(sectionFor('config.schema.json', '/process/rlimits/0/type'), 'config.md#configPOSIXProcess');
  t.equal(sectionFor('config.schema.json', '/process/user/additionalGids/2'), 'config.md#configUser');
  t.equal(sectionFor('config.schema.json', '/no/such/place'), 'config.md#configuration');
  t.equal(sectionFor('features.schema.json', '/linux/seccomp/archs/0'), 'features-linux.md#linuxFeaturesSeccomp');
  t.equal(sectionFor('features.schema.json', '/linux/netDevices/enabled'), 'features-linux.md#linuxFeaturesNetDevices');
  t.equal(sectionFor('features.schema.json', '/linux/mountExtensions/idmap/enabled'), 'features-linux.md#linuxFeaturesMountExtensions');
});

t.test('state and features documents', async (t) => {
  t.doesNotThrow(() => validateStateDocument({ ociVersion: '1.3.0', id: 'a', status: 'running', pid: 4, bundle: '/b' }));
  t.doesNotThrow(() => validateStateDocument({ ociVersion: '1.3.0', id: 'a', status: 'paused', pid: 4, bundle: '/b' }), 'paused, as runc reports it');
  t.throws(() => validateStateDocument({ ociVersion: '1.3.0', id: 'a', status: 'frozen', bundle: '/b' }), { message: 'state.json: /status: must be one of creating, created, running, paused, stopped (runtime.md#runtimeState)' });
  t.throws(() => validateStateDocument({ ociVersion: '1.3.0', id: 'a', status: 'running', pid: -4, bundle: '/b' }, 'state'), { message: 'state: /pid: must be an integer ≥ 0 (runtime.md#runtimeState)' });
  t.doesNotThrow(() => validateFeaturesDocument({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { namespaces: ['pid'] } }));
  t.throws(() => validateFeaturesDocument({ ociVersionMin: '1.0.0' }), { message: 'features.json: /ociVersionMax: is required (features.md#featuresSpecificationVersion)' });
  t.throws(() => validateFeaturesDocument({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { intelRdt: { schemata: 1 } } }), { message: 'features.json: /linux/intelRdt/schemata: must be a boolean (features-linux.md#linuxFeaturesIntelRdt)' });
  t.throws(() => validateFeaturesDocument({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { memoryPolicy: { modes: [1] } } }), { message: 'features.json: /linux/memoryPolicy/modes/0: must be a string (features-linux.md#linuxFeaturesMemoryPolicy)' });
  t.throws(() => validateFeaturesDocument({ ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { seccomp: { archs: ['SCMP_ARCH_Z80'] } } }), { message: /^features\.json: \/linux\/seccomp\/archs\/0: must be one of SCMP_ARCH_X86, .* \(features-linux\.md#linuxFeaturesSeccomp\)$/ });
});

// spec-anchors.txt: every `<a name>` of the runtime-spec documents that apply to Linux (those of other platforms left out),
// at the commit of official-schema/ (SOURCE.txt), one `file#anchor` a line, sorted.
t.test('every x-spec names a real anchor, every titled schema has one', async (t) => {
  const anchors = new Set(fs.readFileSync(repoPath('test/fixtures/spec-anchors.txt'), 'utf8').split('\n').filter(Boolean));
  for (const file of ['config.schema.json', 'state.schema.json', 'features.schema.json']) {
    const seen: string[] = [];
    const untitled: string[] = [];
    const walk = (node: unknown, pointer: string): void => {
      if (Array.isArray(node)) return node.forEach((n, i) => walk(n, `${pointer}/${i}`));
      if (!node || typeof node !== 'object') return;
      const o = node as Record<string, unknown>;
      if (typeof o['x-spec'] === 'string') seen.push(o['x-spec']);
      if (o.title && !o['x-spec']) untitled.push(pointer);
      for (const [k, v] of Object.entries(o)) walk(v, `${pointer}/${k}`);
    };
    walk(JSON.parse(fs.readFileSync(repoPath('schemas', file), 'utf8')), '');
    t.ok(seen.length > 0, `${file}: ${seen.length} annotations`);
    t.same(seen.filter((a) => !anchors.has(a)), [], `${file}: no unknown anchor`);
    t.same(untitled, [], `${file}: every titled schema names its section`);
  }
});

t.test('a NUL byte anywhere but in annotations is refused where it is; oomScoreAdj in the kernel’s range', async (t) => {
  t.equal(messageFor((s) => (s.mounts[0].destination = '/proc\u0000x')), 'config.json: /mounts/0/destination: must not contain a NUL byte (paths, arguments and names reach the kernel as C strings) (config.md#configMounts)');
  t.equal(messageFor((s) => (s.process.env = ['A=1', 'B=\u0000'])), 'config.json: /process/env/1: must not contain a NUL byte (paths, arguments and names reach the kernel as C strings) (config.md#configProcess)');
  t.match(messageFor((s) => (s.linux.sysctl = { 'kernel.x\u0000': '1' })), /^config\.json: \/linux\/sysctl\/kernel\.x\u0000: must not contain a NUL byte/);
  t.equal(messageFor((s) => (s.annotations = { a: 'b\u0000c' })), 'valid', 'annotations only travel as JSON');
  t.equal(messageFor((s) => (s.process.oomScoreAdj = 1001)), 'config.json: /process/oomScoreAdj: must be an integer ≤ 1000 (config.md#configLinuxProcess)');
  t.equal(messageFor((s) => (s.process.oomScoreAdj = -1000)), 'valid');
});
