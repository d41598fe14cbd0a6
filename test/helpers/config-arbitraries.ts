/**
 * fast-check generators for the fuzz tests: config.json documents that must work (varied within
 * what the spec allows and this host can do), mutations of them that may be anything, and
 * command lines built from runc's vocabulary and noise.
 */
import fs from 'node:fs';
import fc from 'fast-check';
import type { Options } from 'yargs';
import { COMMANDS, GLOBAL_OPTIONS } from '../../src/cli/main.js';
import type { Spec } from '../../src/spec/generated/config.js';
import { repoPath } from './repo.js';
import { baseSpec } from './specs.js';

/** The seccomp profiles real clients send (test/fixtures/seccomp). */
const PROFILES = ['podman-default', 'runtime-tools-default'].map((n) => JSON.parse(fs.readFileSync(repoPath(`test/fixtures/seccomp/${n}.json`), 'utf8')) as NonNullable<NonNullable<Spec['linux']>['seccomp']>);

const CAPS = ['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_KILL', 'CAP_NET_BIND_SERVICE', 'CAP_NET_RAW', 'CAP_SETGID', 'CAP_SETUID', 'CAP_SYS_CHROOT', 'CAP_AUDIT_WRITE', 'CAP_SYS_ADMIN'];
const OPTIONAL_NAMESPACES = ['pid', 'network', 'ipc', 'uts', 'cgroup'] as const;
const MASKED = ['/proc/kcore', '/proc/keys', '/proc/timer_list', '/sys/firmware', '/proc/scsi', '/no/such/path'];
const READONLY = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** What a valid config's process prints: `ok <uid> <gid>`, so a run shows the user really applied. */
export const VALID_SCRIPT = 'echo "ok $(id -u) $(id -g)"';

export interface ValidCase {
  spec: Spec;
  /** The line the process must print. */
  expect: string;
}

/**
 * Configs that must run (exit 0, printing `expect`): users, capabilities, namespaces, rlimits,
 * masked and read-only paths, tmpfs mounts, cgroup limits, sysctls, annotations, hostname, env.
 * `writable` is a host directory the container may bind-mount.
 */
export function validSpec(rootfs: string, writable: string): fc.Arbitrary<ValidCase> {
  const id = fc.constantFrom(0, 1, 1000, 65534);
  const subset = <T>(xs: readonly T[]) => fc.subarray([...xs]);
  return fc
    .record({
      uid: id,
      gid: id,
      additionalGids: fc.array(fc.integer({ min: 1, max: 70000 }), { maxLength: 4 }),
      namespaces: subset(OPTIONAL_NAMESPACES),
      hostname: fc.stringMatching(/^[a-z][a-z0-9-]{0,30}$/),
      env: fc.array(fc.tuple(fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/).filter((k) => k !== 'PATH'), fc.string({ unit: 'grapheme-ascii', maxLength: 40 })), { maxLength: 5 }),
      cwd: fc.constantFrom('/', '/tmp', '/x', '/var/tmp'),
      noNewPrivileges: fc.boolean(),
      bounding: subset(CAPS),
      effectiveShare: fc.double({ min: 0, max: 1, noNaN: true }),
      nofile: fc.tuple(fc.integer({ min: 64, max: 4096 }), fc.integer({ min: 16, max: 4096 })),
      core: fc.option(fc.integer({ min: 0, max: 1 << 30 })),
      masked: subset(MASKED),
      readonly: subset(READONLY),
      tmpfs: fc.option(fc.record({ size: fc.integer({ min: 1, max: 64 }), mode: fc.constantFrom('755', '1777') })),
      bind: fc.option(fc.boolean()),
      memory: fc.option(fc.integer({ min: 16, max: 512 })),
      pids: fc.option(fc.integer({ min: 16, max: 4096 })),
      shares: fc.option(fc.integer({ min: 2, max: 4096 })),
      // Lowering it needs CAP_SYS_RESOURCE, which root lacks on some hosts (this one): raised only.
      oomScoreAdj: fc.option(fc.integer({ min: 0, max: 1000 })),
      forward: fc.option(fc.constantFrom('0', '1')),
      annotations: fc.dictionary(fc.stringMatching(/^[a-z][a-z0-9.\/-]{0,20}$/), fc.string({ maxLength: 20 }), { maxKeys: 3 }),
      readonlyRoot: fc.boolean(),
      seccomp: fc.option(fc.constantFrom(...PROFILES.keys())),
      fuse: fc.boolean(),
    })
    .map((c) => {
      const spec = baseSpec((s) => {
        s.root = { path: rootfs, readonly: c.readonlyRoot };
        const p = s.process!;
        p.args = ['sh', '-c', VALID_SCRIPT];
        p.user = { uid: c.uid, gid: c.gid, ...(c.additionalGids.length ? { additionalGids: c.additionalGids } : {}) };
        p.env = [...p.env!, ...c.env.map(([k, v]) => `${k}=${v}`)];
        // /x exists only as the bind's mount point (the rootfs has no /x of its own).
        p.cwd = c.cwd === '/x' && c.bind === null ? '/' : c.cwd;
        p.noNewPrivileges = c.noNewPrivileges;
        const effective = c.bounding.slice(0, Math.floor(c.bounding.length * c.effectiveShare));
        p.capabilities = { bounding: c.bounding, permitted: c.bounding, effective };
        const [hard, soft] = c.nofile;
        p.rlimits = [{ type: 'RLIMIT_NOFILE', hard, soft: Math.min(soft, hard) }];
        if (c.core !== null) p.rlimits.push({ type: 'RLIMIT_CORE', hard: c.core, soft: c.core });
        if (c.oomScoreAdj !== null) p.oomScoreAdj = c.oomScoreAdj;
        const l = s.linux!;
        l.namespaces = [{ type: 'mount' }, ...c.namespaces.map((type) => ({ type }))];
        if (c.namespaces.includes('uts')) s.hostname = c.hostname;
        else delete s.hostname;
        // Without a pid namespace a fresh procfs is still allowed; without a network one, sysfs is not.
        if (!c.namespaces.includes('network')) s.mounts = s.mounts!.filter((m) => m.type !== 'sysfs' && m.type !== 'cgroup');
        if (c.tmpfs) s.mounts!.push({ destination: '/tmp', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', `size=${c.tmpfs.size}m`, `mode=${c.tmpfs.mode}`] });
        if (c.bind !== null) s.mounts!.push({ destination: '/x', type: 'bind', source: writable, options: ['rbind', c.bind ? 'ro' : 'rw'] });
        l.maskedPaths = c.masked;
        l.readonlyPaths = c.readonly;
        const resources: NonNullable<typeof l.resources> = {};
        if (c.memory !== null) resources.memory = { limit: c.memory << 20 };
        if (c.pids !== null) resources.pids = { limit: c.pids };
        if (c.shares !== null) resources.cpu = { shares: c.shares };
        if (Object.keys(resources).length) l.resources = resources;
        if (c.forward !== null && c.namespaces.includes('network')) l.sysctl = { 'net.ipv4.ip_forward': c.forward };
        if (Object.keys(c.annotations).length) s.annotations = c.annotations;
        if (c.seccomp !== null) l.seccomp = structuredClone(PROFILES[c.seccomp]);
        if (c.fuse) {
          l.devices = [{ path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }];
          l.resources = { ...l.resources, devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }] };
        }
      });
      return { spec, expect: `ok ${c.uid} ${c.gid}` };
    });
}

/** Values that break assumptions: wrong types, bounds, empty, huge, traversal, NUL, unicode. */
export const oddValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 63), 1e308, '', ' ', '/', '..', '../../..', '/proc/self', '\u0000', 'a\nb', 'ünï©ødé', 'x'.repeat(5000), 'constructor', 'toString', '__proto__', 'hasOwnProperty', [], {}, [null], { '': 1 }),
  fc.jsonValue({ maxDepth: 2 }),
  fc.string({ maxLength: 30 }),
  fc.integer(),
);

type JsonPath = Array<string | number>;

/** Every path in a JSON document, containers and leaves, except the root. */
export function jsonPaths(value: unknown, prefix: JsonPath = []): JsonPath[] {
  if (value === null || typeof value !== 'object') return [];
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v] as const) : Object.entries(value as Record<string, unknown>);
  return entries.flatMap(([k, v]) => [[...prefix, k], ...jsonPaths(v, [...prefix, k])]);
}

export type Mutation =
  | { kind: 'delete'; at: number }
  | { kind: 'replace'; at: number; value: unknown }
  | { kind: 'add'; at: number; key: string; value: unknown }
  | { kind: 'wrap'; at: number }
  | { kind: 'retype'; at: number };

export const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), value: oddValue }),
  // "hooks" would run host programs of the fuzzer's choosing.
  fc.record({ kind: fc.constant('add' as const), at: fc.nat(), key: fc.string({ maxLength: 12 }).filter((k) => k !== 'hooks' && k !== '__proto__'), value: oddValue }),
  fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('retype' as const), at: fc.nat() }),
);

/** `doc` with the mutations applied, each at a path chosen by its `at` (modulo the paths there are). */
export function mutate(doc: unknown, mutations: readonly Mutation[]): unknown {
  const out = structuredClone(doc) as Record<string, unknown>;
  for (const m of mutations) {
    const paths = [[], ...jsonPaths(out)] as JsonPath[];
    const where = paths[m.at % paths.length]!;
    if (where.length === 0 && m.kind !== 'add') continue;
    const parent = where.slice(0, -1).reduce<unknown>((o, k) => (o as Record<string | number, unknown>)[k], out) as Record<string | number, unknown> | unknown[];
    const key = where.at(-1)!;
    const current = where.length ? (parent as Record<string | number, unknown>)[key] : out;
    switch (m.kind) {
      case 'delete':
        if (Array.isArray(parent)) parent.splice(key as number, 1);
        else delete (parent as Record<string, unknown>)[key];
        break;
      case 'replace':
        (parent as Record<string | number, unknown>)[key] = structuredClone(m.value);
        break;
      case 'add':
        if (current !== null && typeof current === 'object' && !Array.isArray(current)) (current as Record<string, unknown>)[m.key] = structuredClone(m.value);
        else if (Array.isArray(current)) current.push(structuredClone(m.value));
        break;
      case 'wrap':
        (parent as Record<string | number, unknown>)[key] = [current];
        break;
      case 'retype':
        (parent as Record<string | number, unknown>)[key] = typeof current === 'string' && current !== '' && !Number.isNaN(Number(current)) ? Number(current) : typeof current === 'number' ? String(current) : JSON.stringify(current);
        break;
    }
  }
  return out;
}

/** One option as a caller may spell it: --name value, --name=value, -name value, -a value, a bare boolean. */
function flag(name: string, spec: Options, values: readonly string[]): fc.Arbitrary<string[]> {
  const aliases = [spec.alias ?? []].flat();
  const spellings = [`--${name}`, `-${name}`, ...aliases.map((a) => (a.length === 1 ? `-${a}` : `--${a}`))];
  const spelling = fc.constantFrom(...spellings);
  const value = spec.choices ? fc.oneof(fc.constantFrom(...(spec.choices as string[])), fc.constantFrom(...values)) : fc.constantFrom(...values, '0', '7', '1m', 'true');
  if (spec.type === 'boolean') return fc.oneof(spelling.map((f) => [f]), fc.tuple(spelling, fc.constantFrom('true', 'false', 'yes')).map(([f, v]) => [`${f}=${v}`]));
  return fc.oneof(
    fc.tuple(spelling, value).map(([f, v]) => [f, v]),
    fc.tuple(spelling, value).map(([f, v]) => [`${f}=${v}`]),
    spelling.map((f) => [f]), // the value missing
  );
}

/** A command line shaped as callers write them: globals, a command, its flags, its positionals, an exec command. */
export function wellFormedArgv(values: readonly string[]): fc.Arbitrary<string[]> {
  const globals = Object.entries(GLOBAL_OPTIONS).filter(([name]) => name !== 'root') as Array<[string, Options]>;
  return fc.constantFrom(...COMMANDS).chain((command) => {
    const own = Object.entries(command.options ?? {}) as Array<[string, Options]>;
    const positionals = Object.keys(command.positionals ?? {}).length;
    return fc
      .tuple(
        fc.array(fc.constantFrom(...globals).chain(([n, o]) => flag(n, o, values)), { maxLength: 2 }),
        own.length ? fc.array(fc.constantFrom(...own).chain(([n, o]) => flag(n, o, values)), { maxLength: 3 }) : fc.constant([]),
        fc.array(fc.constantFrom(...values), { minLength: Math.max(0, positionals - 1), maxLength: positionals + 1 }),
        fc.array(fc.constantFrom('sh', '-c', 'true', '1e3', '--', '-x', '9'), { maxLength: 3 }),
      )
      .map(([g, o, p, rest]) => [...g.flat(), command.command.split(' ')[0]!, ...o.flat(), ...p, ...(command.command.startsWith('exec') ? rest : [])]);
  });
}

/**
 * A command line: runc's commands and flags (real ones, misspelt ones, ones of other commands) and
 * values from `values`, in any order; the `--root` the fuzzer gives is always put first.
 */
export function argv(values: readonly string[]): fc.Arbitrary<string[]> {
  const commands = ['create', 'start', 'state', 'kill', 'delete', 'run', 'exec', 'pause', 'resume', 'update', 'events', 'list', 'ps', 'spec', 'features', 'help', 'checkpoint', 'restore', 'Create', ''];
  const flags = [
    '--bundle', '-b', '--pid-file', '--console-socket', '--no-pivot', '--no-new-keyring', '--preserve-fds', '--detach', '-d', '--keep', '--no-subreaper',
    '--force', '-f', '--all', '-a', '--format', '-f', '--process', '-p', '--tty', '-t', '--env', '-e', '--cwd', '--user', '-u', '--cap', '--additional-gids', '-g',
    '--resources', '-r', '--memory', '--pids-limit', '--cpu-share', '--interval', '--stats', '--log', '--log-format', '--debug', '--systemd-cgroup', '--rootless',
    '--help', '-h', '--version', '-v', '--', '-', '--no-such-flag', '-x', '-bfd', '--bundle=', '--format=json', '--log-format=xml', '--pid-file=',
  ];
  const token = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...commands) },
    { weight: 4, arbitrary: fc.constantFrom(...flags) },
    { weight: 4, arbitrary: fc.constantFrom(...values) },
    { weight: 1, arbitrary: fc.string({ maxLength: 12 }) },
    { weight: 1, arbitrary: fc.constantFrom('9', 'KILL', 'SIGTERM', '0', '-1', '65', 'json', 'table', 'true', 'false', '1m', '-5', '../x', 'a/b', '..', 'ü') },
  );
  return fc.oneof({ weight: 1, arbitrary: fc.array(token, { minLength: 0, maxLength: 7 }) }, { weight: 2, arbitrary: wellFormedArgv(values) });
}
