// `features` output: valid for our features schema and the official one, and truthful.
import fs from 'node:fs';
import path from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import t from 'tap';
import { parseMountOptions } from '../../src/plan/mounts.js';
import { features } from '../../src/runtime/features.js';
import { validateFeaturesDocument } from '../../src/spec/validate.js';
import { repoPath } from '../helpers/repo.js';

const officialDir = repoPath('test/fixtures/official-schema');
const official = new AjvDraft04.default({ strict: false, validateFormats: false });
for (const f of fs.readdirSync(officialDir).filter((f) => f.endsWith('.json'))) official.addSchema(JSON.parse(fs.readFileSync(path.join(officialDir, f), 'utf8')), f);

t.test('valid for both schemas', async (t) => {
  const doc = features();
  t.doesNotThrow(() => validateFeaturesDocument(doc));
  const validate = official.getSchema('features-schema.json')!;
  t.ok(validate(doc), JSON.stringify(validate.errors));
});

t.test('truthful about this build', async (t) => {
  const seccomp = { version: '2.5.4', archs: ['SCMP_ARCH_X86', 'SCMP_ARCH_X86_64'], supportedFlags: ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG'] };
  const doc = features({ namespaceAvailable: (k) => k !== 'time', capLastCap: 40, seccomp });
  t.equal(doc.ociVersionMax, '1.3.0');
  t.same(doc.hooks, ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'], 'all six hook kinds run');
  t.notOk(doc.linux!.namespaces!.includes('time'), 'a namespace the kernel lacks is not listed');
  t.equal(doc.linux!.capabilities!.length, 41);
  t.equal(doc.linux!.mountExtensions!.idmap!.enabled, true, 'idmapped mounts are recognised (uidMappings/gidMappings, idmap, ridmap)');
  t.equal(doc.linux!.apparmor!.enabled, true, 'AppArmor profiles are applied where the host runs AppArmor');
  t.same(doc.linux!.memoryPolicy, { modes: ['MPOL_DEFAULT', 'MPOL_PREFERRED', 'MPOL_BIND', 'MPOL_INTERLEAVE', 'MPOL_LOCAL', 'MPOL_PREFERRED_MANY', 'MPOL_WEIGHTED_INTERLEAVE'], flags: ['MPOL_F_NUMA_BALANCING', 'MPOL_F_RELATIVE_NODES', 'MPOL_F_STATIC_NODES'] });
  t.match(doc.linux!.seccomp, { enabled: true, archs: seccomp.archs, supportedFlags: seccomp.supportedFlags }, 'seccomp: what libseccomp and the kernel have');
  t.same(doc.linux!.seccomp!.actions, ['SCMP_ACT_ALLOW', 'SCMP_ACT_ERRNO', 'SCMP_ACT_KILL', 'SCMP_ACT_KILL_PROCESS', 'SCMP_ACT_KILL_THREAD', 'SCMP_ACT_LOG', 'SCMP_ACT_NOTIFY', 'SCMP_ACT_TRACE', 'SCMP_ACT_TRAP']);
  t.same(doc.linux!.seccomp!.knownFlags, ['SECCOMP_FILTER_FLAG_TSYNC', 'SECCOMP_FILTER_FLAG_LOG', 'SECCOMP_FILTER_FLAG_SPEC_ALLOW', 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV']);
  t.equal(doc.annotations!['io.github.seccomp.libseccomp.version'], '2.5.4');
  t.ok(['idmap', 'ridmap', 'tmpcopyup'].every((o) => doc.mountOptions!.includes(o)), 'idmap, ridmap and tmpcopyup are listed');
  for (const option of doc.mountOptions!) t.doesNotThrow(() => parseMountOptions([option]), `advertised ${option} is accepted`);
});

t.test('`tsrunc features` prints it, with no global flags needed', async (t) => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(repoPath('dist/tsrunc'), ['features'], { encoding: 'utf8' });
  t.equal(r.status, 0, r.stderr);
  t.same(JSON.parse(r.stdout), features());
});
