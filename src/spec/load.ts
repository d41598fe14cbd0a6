/**
 * Loads a bundle (bundle.md): its config.json parsed, schema-validated and checked for what the
 * spec's prose requires beyond the schema. Every refusal is one ConfigError naming the file, the
 * JSON pointer, the expectation and the spec section; nothing is created before this returns.
 */
import fs from 'node:fs';
import path from 'node:path';
import { ConfigError, fromNodeError } from '../errors.js';
import type { Spec } from './generated/config.js';
import { exactIntegers } from './exact-integers.js';
import { validateSpec } from './validate.js';

export interface LoadedBundle {
  /** Absolute, symlink-free bundle directory. */
  bundle: string;
  spec: Spec;
  configPath: string;
  /** Integers of config.json too large for a double, exactly, by JSON pointer (uint64 seccomp values). */
  exactIntegers: Map<string, bigint>;
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
  return { bundle, spec, configPath, exactIntegers: exactIntegers(text) };
}

/** JSON.parse with the error located as line and column (1-based). */
export function parseJson(text: string, file = FILE): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const message = (e as Error).message;
    // V8 names the position for most errors (Node 22 adds line and column); for an unexpected token
    // Node 20 only quotes the text ("Unexpected token ']', "[1,]" is not valid JSON"), so find it.
    const at = /at position (\d+)/.exec(message);
    const offset = at ? Number(at[1]) : jsonErrorOffset(text);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    const reason = message
      .replace(/ (?:in JSON )?at position \d+.*$/s, '')
      .replace(/, (?:\.\.\.)?".*"(?:\.\.\.)? is not valid JSON$/s, '') // V8 quotes up to ~10 characters each side
      .replace(/^JSON\.parse: /, '');
    throw new ConfigError(file, null, `invalid JSON at line ${line}, column ${column}: ${reason}`, undefined);
  }
}

/**
 * The offset of the first character that makes `text` invalid JSON (RFC 8259), `text.length` when
 * it ends too early. Only called once JSON.parse has failed, so it need not be fast.
 */
export function jsonErrorOffset(text: string): number {
  let i = 0;
  const fail = (): never => {
    throw i;
  };
  const ws = () => {
    while (text[i] === ' ' || text[i] === '\t' || text[i] === '\n' || text[i] === '\r') i++;
  };
  const literal = (word: string) => {
    for (const c of word) {
      if (text[i] !== c) fail();
      i++;
    }
  };
  const string = () => {
    i++;
    for (;;) {
      const c = text[i];
      if (c === undefined || c < ' ') fail();
      if (c === '"') return void i++;
      if (c === '\\') {
        i++;
        if (text[i] === 'u') {
          for (let k = 0; k < 4; k++) if (!/[0-9a-fA-F]/.test(text[++i] ?? '')) fail();
        } else if (!'"\\/bfnrt'.includes(text[i] ?? '"x')) fail();
      }
      i++;
    }
  };
  const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
  const value = (): void => {
    ws();
    const c = text[i];
    if (c === '{') {
      i++;
      ws();
      if (text[i] === '}') return void i++;
      for (;;) {
        ws();
        if (text[i] !== '"') fail();
        string();
        ws();
        if (text[i] !== ':') fail();
        i++;
        value();
        ws();
        if (text[i] === '}') return void i++;
        if (text[i] !== ',') fail();
        i++;
      }
    } else if (c === '[') {
      i++;
      ws();
      if (text[i] === ']') return void i++;
      for (;;) {
        value();
        ws();
        if (text[i] === ']') return void i++;
        if (text[i] !== ',') fail();
        i++;
      }
    } else if (c === '"') string();
    else if (c === 't') literal('true');
    else if (c === 'f') literal('false');
    else if (c === 'n') literal('null');
    else {
      NUMBER.lastIndex = i;
      const m = NUMBER.exec(text);
      if (!m) {
        if (c === '-') i++; // the digit that should follow is what is missing
        fail();
      }
      i += m![0].length;
    }
  };
  try {
    value();
    ws();
    return i < text.length ? i : text.length;
  } catch (e) {
    if (typeof e === 'number') return Math.min(e, text.length);
    return text.length; // nesting too deep to scan: no better place to point at
  }
}

/** The newest runtime-spec we implement; any 1.x up to it is accepted (spec versions are SemVer). */
const MAX_MINOR = 3;
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** The clocks /proc/<pid>/timens_offsets accepts: names, and the same clocks' ids. */
const TIME_CLOCKS = new Set(['monotonic', 'boottime', '1', '7']);

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

  // config.md: process is REQUIRED only when start is called. Without one, create makes a
  // container that exec can enter and start refuses (runtime.md Start), which runc does not allow.
  const proc = spec.process;
  if (proc && (!proc.args || proc.args.length === 0)) fail('/process/args', 'must be a non-empty array', 'config.md#configProcess');
  if (proc && !proc.cwd.startsWith('/')) fail('/process/cwd', 'must be an absolute path', 'config.md#configProcess');
  const seenRlimits = new Set<string>();
  (proc?.rlimits ?? []).forEach((r, i) => {
    if (!RLIMITS.has(r.type)) fail(`/process/rlimits/${i}/type`, `${r.type} is not a Linux resource limit (getrlimit(2))`, 'config.md#configPOSIXProcess');
    if (seenRlimits.has(r.type)) fail(`/process/rlimits/${i}`, `duplicate ${r.type}`, 'config.md#configPOSIXProcess');
    if (r.soft > r.hard) fail(`/process/rlimits/${i}/soft`, `must not exceed hard (${r.hard})`, 'config.md#configPOSIXProcess');
    seenRlimits.add(r.type);
  });

  // A relative destination is deprecated but allowed on Linux (read as relative to "/", config.md),
  // so it is accepted here as runc does; only an empty one names no place at all.
  (spec.mounts ?? []).forEach((m, i) => {
    if (m.destination === '') fail(`/mounts/${i}/destination`, 'must not be empty', 'config.md#configMounts');
  });

  // config.md Hooks: path is an absolute path (resolved nowhere else, so a relative one would run
  // whatever the runtime's cwd holds).
  for (const [kind, hooks] of Object.entries(spec.hooks ?? {})) {
    (hooks ?? []).forEach((h: { path: string }, i: number) => {
      if (!path.isAbsolute(h.path)) fail(`/hooks/${kind}/${i}/path`, `must be an absolute path, not ${JSON.stringify(h.path)}`, 'config.md#configHooks');
    });
  }
  // config.md Annotations: keys MUST NOT be empty.
  if (spec.annotations && Object.hasOwn(spec.annotations, '')) fail('/annotations', 'a key must not be an empty string', 'config.md#configAnnotations');
  // config.md POSIX-platform User: uid and gid are REQUIRED (a default of 0 would run as root unasked).
  for (const key of ['uid', 'gid'] as const) {
    if (spec.process?.user && spec.process.user[key] === undefined) fail(`/process/user/${key}`, 'is required', 'config.md#configPOSIXUser');
  }
  const linux = spec.linux ?? {};
  // config-linux.md: masked and read-only paths are absolute paths in the container.
  for (const key of ['maskedPaths', 'readonlyPaths'] as const) {
    (linux[key] ?? []).forEach((p, i) => {
      if (!p.startsWith('/')) fail(`/linux/${key}/${i}`, `must be an absolute path, not ${JSON.stringify(p)}`, key === 'maskedPaths' ? 'config-linux.md#configLinuxMaskedPaths' : 'config-linux.md#configLinuxReadonlyPaths');
    });
  }
  // config-linux.md Devices: major and minor are REQUIRED unless the type is p (a fifo).
  (linux.devices ?? []).forEach((d, i) => {
    for (const key of ['major', 'minor'] as const) {
      if (d.type !== 'p' && d[key] === undefined) fail(`/linux/devices/${i}/${key}`, `is required for a device of type ${d.type}`, 'config-linux.md#configLinuxDevices');
    }
  });
  const namespaces = linux.namespaces ?? [];
  const seenNs = new Set<string>();
  namespaces.forEach((n, i) => {
    if (seenNs.has(n.type)) fail(`/linux/namespaces/${i}`, `duplicate ${n.type} namespace`, 'config-linux.md#configLinuxNamespaces');
    seenNs.add(n.type);
    // An empty path, like none, asks for a new namespace (runc reads it so).
    if (n.path && !path.isAbsolute(n.path)) fail(`/linux/namespaces/${i}/path`, 'must be an absolute path', 'config-linux.md#configLinuxNamespaces');
  });
  const user = namespaces.find((n) => n.type === 'user');
  const newUser = user !== undefined && !user.path;
  for (const key of ['uidMappings', 'gidMappings'] as const) {
    const maps = linux[key];
    if (newUser && (!maps || maps.length === 0)) fail(`/linux/${key}`, 'required with a new user namespace', 'config-linux.md#configLinuxUserNamespaceMappings');
    // With a joined user namespace they are the ones it already has (runc's rule): not an error.
    if (!user && maps && maps.length > 0) fail(`/linux/${key}`, 'only allowed with a user namespace', 'config-linux.md#configLinuxUserNamespaceMappings');
  }
  // Offsets can only be written to a new time namespace, before its first process (time_namespaces(7)):
  // without one they would be silently lost, so they are refused as runc does. The kernel takes two
  // clocks, by name or by clock id (CLOCK_MONOTONIC 1, CLOCK_BOOTTIME 7); the key is written as given.
  const time = namespaces.find((n) => n.type === 'time');
  const offsets = Object.keys(linux.timeOffsets ?? {});
  for (const clock of offsets) {
    if (!TIME_CLOCKS.has(clock)) fail(`/linux/timeOffsets/${clock.replace(/~/g, '~0').replace(/\//g, '~1')}`, 'is not a clock with an offset (boottime or monotonic)', 'config-linux.md#configLinuxTimeOffset');
  }
  if (offsets.length > 0 && (time === undefined || time.path)) fail('/linux/timeOffsets', 'requires a new time namespace', 'config-linux.md#configLinuxTimeOffset');
  // New or joined by path (runc accepts both); never the runtime's own, which it would change.
  const uts = namespaces.find((n) => n.type === 'uts');
  if (spec.hostname && !uts) fail('/hostname', 'requires a uts namespace (new or joined by path)', 'config.md#configHostname');
  if (spec.domainname && !uts) fail('/domainname', 'requires a uts namespace (new or joined by path)', 'config.md#configDomainname');
}
