// Our schemas (schemas/) against the official ones (test/fixtures/official-schema, a copy of the
// runtime-spec's schema directory): the same verdict on every official fixture, on a corpus of real
// configs, and on mutations of them. Where we differ on purpose, the case is listed with its reason.
import fs from 'node:fs';
import path from 'node:path';
import AjvDraft04 from 'ajv-draft-04';
import t from 'tap';
import { validateConfig, validateFeatures, validateState } from '../../src/spec/generated/validators.js';
import { repoPath } from '../helpers/repo.js';

const officialDir = repoPath('test/fixtures/official-schema');
const official = new AjvDraft04.default({ strict: false, allErrors: false, validateFormats: false });
for (const f of fs.readdirSync(officialDir).filter((f) => f.endsWith('.json'))) {
  official.addSchema(JSON.parse(fs.readFileSync(path.join(officialDir, f), 'utf8')), f);
}
const officialValidator = {
  config: official.getSchema('config-schema.json')!,
  state: official.getSchema('state-schema.json')!,
  features: official.getSchema('features-schema.json')!,
};
const ours = { config: validateConfig, state: validateState, features: validateFeatures } as Record<string, (d: unknown) => boolean>;

/** Documented, intentional differences: [kind, fixture name] → why. */
const INTENTIONAL: Record<string, string> = {
  // We validate the Linux platform only; other platforms' sections are accepted as opaque objects.
  'config/bad/freebsd-vnet-disable.json': 'non-Linux section (freebsd) is not validated by tsrunc',
};

function verdicts(kind: keyof typeof officialValidator, doc: unknown): [boolean, boolean] {
  return [officialValidator[kind](doc) as boolean, ours[kind]!(doc)];
}

t.test('official fixtures', async (t) => {
  for (const kind of ['config', 'state', 'features'] as const) {
    for (const verdict of ['good', 'bad']) {
      const dir = path.join(officialDir, 'test', kind, verdict);
      for (const f of fs.readdirSync(dir)) {
        const name = `${kind}/${verdict}/${f}`;
        let doc: unknown;
        try {
          doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
        } catch {
          t.equal(verdict, 'bad', `${name}: not JSON, so a bad fixture`);
          continue;
        }
        const [theirs, mine] = verdicts(kind, doc);
        t.equal(theirs, verdict === 'good', `${name}: official verdict is ${verdict}`);
        if (INTENTIONAL[name]) t.not(mine, theirs, `${name}: differs on purpose: ${INTENTIONAL[name]}`);
        else t.equal(mine, theirs, `${name}: same verdict`);
      }
    }
  }
});

const corpusDir = repoPath('test/fixtures/configs');
const corpus = fs.readdirSync(corpusDir).filter((f) => f.endsWith('.json')).map((f) => [f, JSON.parse(fs.readFileSync(path.join(corpusDir, f), 'utf8'))] as const);

t.test('corpus of real configs: all valid for both', async (t) => {
  t.ok(corpus.length >= 8, `${corpus.length} configs`);
  for (const name of ['runc-spec.json', 'runc-spec-rootless.json', 'crun-spec.json', 'crun-spec-rootless.json', 'config-md-example.json', 'every-linux-field.json']) {
    t.ok(corpus.some(([f]) => f === name), `corpus has ${name}`);
  }
  for (const [name, doc] of corpus) t.same(verdicts('config', doc), [true, true], name);
});

/**
 * Documents outside the official fixtures on which we differ on purpose: [kind, document, our
 * verdict, why]. The official verdict is asserted to be the opposite.
 */
const INTENTIONAL_DOCUMENTS: Array<[keyof typeof officialValidator, unknown, boolean, string]> = [
  ['state', { ociVersion: '1.3.0', id: 'c', status: 'paused', pid: 4, bundle: '/b' }, true, 'status "paused" is reported while the cgroup is frozen, as runc does'],
  ['features', { ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { memoryPolicy: 'yes' } }, false, 'linux.memoryPolicy (features-linux.md, 1.3) is typed in ours, absent from the official schema'],
  ['features', { ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { intelRdt: { enabled: true, schemata: 'yes' } } }, false, 'linux.intelRdt.schemata / monitoring (features-linux.md, 1.3) are typed in ours only'],
  ['config', { ociVersion: '1.3.0', freebsd: { jail: { vnet: 'bogus' } } }, true, 'non-Linux sections are accepted as opaque objects'],
  ['config', { ociVersion: '1.3.0', linux: { rootfsPropagation: 'rshared' } }, true, 'rootfsPropagation takes runc’s recursive forms (rshared, rslave, rprivate, runbindable) too'],
  ['config', { ociVersion: '1.3.0', process: { cwd: '/', oomScoreAdj: 1001 } }, false, 'oomScoreAdj outside the kernel’s −1000..1000 (proc(5)) is refused at validation; runc fails at the write'],
];

/** Mutations of the corpus on which we differ for a reason listed in INTENTIONAL_DOCUMENTS. */
const INTENTIONAL_MUTATIONS = [/^\/process\/oomScoreAdj = /];

t.test('documented differences', async (t) => {
  for (const [kind, doc, mine, why] of INTENTIONAL_DOCUMENTS) {
    t.same(verdicts(kind, doc), [!mine, mine], `${kind}: ${why}`);
  }
});

/** What both accept, that the corpus of configs does not show: the newest fields, features documents. */
t.test('agreement on hand-written documents', async (t) => {
  const cases: Array<[keyof typeof officialValidator, unknown, boolean]> = [
    ['state', { ociVersion: '1.3.0', id: 'c', status: 'running', pid: 4, bundle: '/b', annotations: { a: 'b' } }, true],
    ['state', { ociVersion: '1.3.0', id: 'c', status: 'running', bundle: 5 }, false],
    ['state', { ociVersion: '1.3.0', status: 'running', bundle: '/b' }, false],
    ['features', { ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { memoryPolicy: { modes: ['MPOL_BIND'], flags: [] }, intelRdt: { enabled: true, schemata: true, monitoring: false } } }, true],
    ['features', { ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { namespaces: ['pid', 'bogus'] } }, false],
    ['features', { ociVersionMin: '1.0.0', ociVersionMax: '1.3.0', linux: { seccomp: { actions: ['SCMP_ACT_NOPE'] } } }, false],
    ['config', { ociVersion: '1.3.0', linux: { netDevices: { eth0: { name: 'ctr0' } } } }, true],
    ['config', { ociVersion: '1.3.0', linux: { netDevices: { eth0: { name: 5 } } } }, false],
    ['config', { ociVersion: '1.3.0', linux: { memoryPolicy: { mode: 'MPOL_NOPE' } } }, false],
    ['config', { ociVersion: '1.3.0', process: { cwd: '/', execCPUAffinity: { initial: '0-3,7' } } }, true],
    ['config', { ociVersion: '1.3.0', process: { cwd: '/', execCPUAffinity: { initial: 'all' } } }, false],
    ['config', { ociVersion: '1.3.0', linux: { resources: { rdma: { mlx5_0: { hcaHandles: 3 } } } } }, true],
    ['config', { ociVersion: '1.3.0', linux: { resources: { pids: {} } } }, false],
    ['config', { ociVersion: '1.3.0', mounts: [{ destination: '/x', uidMappings: [{ containerID: 0, hostID: 1000 }] }] }, false],
  ];
  for (const [kind, doc, verdict] of cases) t.same(verdicts(kind, doc), [verdict, verdict], `${kind} ${JSON.stringify(doc)}`);
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };

/** Every (pointer, value) of a document, depth first. */
function* walk(doc: Json, pointer = ''): Generator<[string, Json]> {
  yield [pointer, doc];
  if (Array.isArray(doc)) for (const [i, v] of doc.entries()) yield* walk(v, `${pointer}/${i}`);
  else if (doc && typeof doc === 'object') for (const [k, v] of Object.entries(doc)) yield* walk(v, `${pointer}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`);
}

function setAt(doc: Json, pointer: string, value: Json | undefined): Json {
  const copy = structuredClone(doc);
  const tokens = pointer.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
  const last = tokens.pop()!;
  let node = copy as Record<string, Json>;
  for (const k of tokens) node = node[k] as Record<string, Json>;
  if (value === undefined) {
    if (Array.isArray(node)) node.splice(Number(last), 1);
    else delete node[last];
  } else node[last] = value;
  return copy;
}

/** Deterministic mutations: each leaf gets values of the wrong type, out of range, or is removed. */
function mutations(doc: Json): Array<[string, Json]> {
  const out: Array<[string, Json]> = [];
  for (const [pointer, value] of walk(doc)) {
    if (pointer === '') continue;
    out.push([`delete ${pointer}`, setAt(doc, pointer, undefined)]);
    if (typeof value === 'number') {
      out.push([`${pointer} = -1`, setAt(doc, pointer, -1)], [`${pointer} = 1.5`, setAt(doc, pointer, 1.5)], [`${pointer} = 2^32`, setAt(doc, pointer, 4294967296)]);
      out.push([`${pointer} = "1"`, setAt(doc, pointer, '1')]);
    } else if (typeof value === 'string') {
      out.push([`${pointer} = 1`, setAt(doc, pointer, 1)], [`${pointer} = "BOGUS"`, setAt(doc, pointer, 'BOGUS')]);
    } else if (typeof value === 'boolean') {
      out.push([`${pointer} = "true"`, setAt(doc, pointer, 'true')]);
    } else if (Array.isArray(value)) {
      out.push([`${pointer} = {}`, setAt(doc, pointer, {})], [`${pointer} = []`, setAt(doc, pointer, [])]);
    } else if (value && typeof value === 'object') {
      out.push([`${pointer} = []`, setAt(doc, pointer, [])], [`${pointer} = "x"`, setAt(doc, pointer, 'x')]);
    }
  }
  return out;
}

t.test('mutations of the corpus: the same verdict', async (t) => {
  let total = 0;
  let rejected = 0;
  const disagreements: string[] = [];
  for (const [name, doc] of corpus) {
    for (const [what, mutated] of mutations(doc as Json)) {
      const [theirs, mine] = verdicts('config', mutated);
      total++;
      if (!theirs) rejected++;
      // Mutations inside non-Linux sections would differ on purpose; the corpus has none.
      if (theirs !== mine && !INTENTIONAL_MUTATIONS.some((re) => re.test(what))) disagreements.push(`${name}: ${what}: official ${theirs}, ours ${mine}`);
    }
  }
  t.ok(total >= 100, `${total} mutations`);
  t.ok(rejected >= 50, `${rejected} of them invalid for the official schema`);
  t.same(disagreements, [], 'no disagreement');
});
