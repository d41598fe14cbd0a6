/**
 * Loads a bundle (bundle.md): its config.json parsed, schema-validated and checked for what the
 * spec's prose requires beyond the schema. Every refusal is one ConfigError naming the file, the
 * JSON pointer, the expectation and the spec section; nothing is created before this returns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, fromNodeError } from '../errors.js';
import type { Spec } from './generated/config.js';
import { validateSpec } from './validate.js';

export interface LoadedBundle {
  /** Absolute, symlink-free bundle directory. */
  bundle: string;
  spec: Spec;
  configPath: string;
}

const FILE = 'config.json';

export function loadBundle(dir: string): LoadedBundle {
  let bundle: string;
  try {
    bundle = fs.realpathSync(dir);
    if (!fs.statSync(bundle).isDirectory()) throw Object.assign(new Error('not a directory'), { errno: 20, code: 'ENOTDIR' });
  } catch (e) {
    throw fromNodeError('open bundle', path.resolve(dir), e);
  }
  const configPath = path.join(bundle, FILE);
  let text: string;
  try {
    text = fs.readFileSync(configPath, 'utf8');
  } catch (e) {
    throw fromNodeError(`read ${FILE}`, configPath, e);
  }
  const spec = validateSpec(parseJson(text));
  checkSpec(spec, bundle);
  return { bundle, spec, configPath };
}

/** JSON.parse with the error located as line and column (1-based). */
export function parseJson(text: string, file = FILE): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    const at = /at position (\d+)/.exec(message);
    const lineCol = /\(line (\d+) column (\d+)\)/.exec(message);
    let where = '';
    if (lineCol) where = ` at line ${lineCol[1]}, column ${lineCol[2]}`;
    else if (at) {
      const pos = Number(at[1]);
      const before = text.slice(0, pos);
      const line = before.split('\n').length;
      where = ` at line ${line}, column ${pos - before.lastIndexOf('\n')}`;
    } else if (/end of (JSON )?input/i.test(message)) {
      const lines = text.split('\n');
      where = ` at line ${lines.length}, column ${lines[lines.length - 1]!.length + 1}`;
    }
    const reason = message.replace(/ in JSON at position \d+.*$/s, '').replace(/^JSON\.parse: /, '');
    throw new ConfigError(file, null, `invalid JSON${where}: ${reason}`, undefined);
  }
}

/** The newest runtime-spec we implement; any 1.x up to it is accepted (spec versions are SemVer). */
const MAX_MINOR = 3;
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

const RLIMITS = new Set(['AS', 'CORE', 'CPU', 'DATA', 'FSIZE', 'LOCKS', 'MEMLOCK', 'MSGQUEUE', 'NICE', 'NOFILE', 'NPROC', 'RSS', 'RTPRIO', 'RTTIME', 'SIGPENDING', 'STACK'].map((n) => `RLIMIT_${n}`));

const fail = (pointer: string, expected: string, section: string): never => {
  throw new ConfigError(FILE, pointer, expected, section);
};

/** The spec's MUSTs that a JSON Schema cannot say. Pure: reads only the bundle's root path. */
export function checkSpec(spec: Spec, bundle: string): void {
  const v = SEMVER.exec(spec.ociVersion);
  if (!v) fail('/ociVersion', `must be a SemVer 2.0.0 version, not ${JSON.stringify(spec.ociVersion)}`, 'config.md#configSpecificationVersion');
  const [major, minor] = [Number(v![1]), Number(v![2])];
  if (major !== 1) fail('/ociVersion', `unsupported major version ${major} (tsrunc implements runtime-spec 1.0.0 to 1.${MAX_MINOR}.x)`, 'config.md#configSpecificationVersion');
  if (minor > MAX_MINOR) fail('/ociVersion', `${spec.ociVersion} is newer than 1.${MAX_MINOR}.x, the newest runtime-spec tsrunc implements`, 'config.md#configSpecificationVersion');

  if (!spec.root) fail('/root', 'is required on Linux', 'config.md#configRoot');
  const rootPath = spec.root!.path;
  if (!path.isAbsolute(rootPath)) {
    const rel = path.normalize(rootPath);
    if (rel === '..' || rel.startsWith(`..${path.sep}`)) fail('/root/path', `must stay inside the bundle (${rootPath} leads out of it)`, 'config.md#configRoot');
  }
  const rootAbs = path.resolve(bundle, rootPath);
  let rootStat: fs.Stats | undefined;
  try {
    rootStat = fs.statSync(rootAbs);
  } catch {
    fail('/root/path', `${rootAbs} does not exist`, 'config.md#configRoot');
  }
  if (!rootStat!.isDirectory()) fail('/root/path', `${rootAbs} is not a directory`, 'config.md#configRoot');

  const proc = spec.process;
  if (!proc) fail('/process', 'is required to create a container', 'config.md#configProcess');
  if (!proc!.args || proc!.args.length === 0) fail('/process/args', 'must be a non-empty array', 'config.md#configProcess');
  if (!proc!.cwd.startsWith('/')) fail('/process/cwd', 'must be an absolute path', 'config.md#configProcess');
  const seenRlimits = new Set<string>();
  (proc!.rlimits ?? []).forEach((r, i) => {
    if (!RLIMITS.has(r.type)) fail(`/process/rlimits/${i}/type`, `${r.type} is not a Linux resource limit (getrlimit(2))`, 'config.md#configPOSIXProcess');
    if (seenRlimits.has(r.type)) fail(`/process/rlimits/${i}`, `duplicate ${r.type}`, 'config.md#configPOSIXProcess');
    if (r.soft > r.hard) fail(`/process/rlimits/${i}/soft`, `must not exceed hard (${r.hard})`, 'config.md#configPOSIXProcess');
    seenRlimits.add(r.type);
  });

  (spec.mounts ?? []).forEach((m, i) => {
    if (m.destination === '') fail(`/mounts/${i}/destination`, 'must not be empty', 'config.md#configMounts');
  });

  const linux = spec.linux ?? {};
  const namespaces = linux.namespaces ?? [];
  const seenNs = new Set<string>();
  namespaces.forEach((n, i) => {
    if (seenNs.has(n.type)) fail(`/linux/namespaces/${i}`, `duplicate ${n.type} namespace`, 'config-linux.md#configLinuxNamespaces');
    seenNs.add(n.type);
    if (n.path !== undefined && !path.isAbsolute(n.path)) fail(`/linux/namespaces/${i}/path`, 'must be an absolute path', 'config-linux.md#configLinuxNamespaces');
  });
  const user = namespaces.find((n) => n.type === 'user');
  const newUser = user !== undefined && !user.path;
  for (const key of ['uidMappings', 'gidMappings'] as const) {
    const maps = linux[key];
    if (newUser && (!maps || maps.length === 0)) fail(`/linux/${key}`, 'required with a new user namespace', 'config-linux.md#configLinuxUserNamespaceMappings');
    if (!newUser && maps && maps.length > 0) fail(`/linux/${key}`, 'only allowed with a new user namespace', 'config-linux.md#configLinuxUserNamespaceMappings');
  }
  const uts = namespaces.find((n) => n.type === 'uts');
  const newUts = uts !== undefined && !uts.path;
  if (spec.hostname && !newUts) fail('/hostname', 'requires a new uts namespace', 'config.md#configHostname');
  if (spec.domainname && !newUts) fail('/domainname', 'requires a new uts namespace', 'config.md#configDomainname');
}
