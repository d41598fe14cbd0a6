/**
 * config.json `process` → the planned process: argv/env/cwd, the PATH for the lookup of args[0],
 * user and groups, rlimits, capability masks.
 */
import { ConfigError } from '../errors.js';
import type { CapabilitySets, PlannedProcess, PlannedRlimit } from './launch-plan.js';
import { CAPABILITIES, RLIMITS, u64FromJson } from './linux.js';

/** The fields of config.json `process` that Linux uses. */
export interface ProcessEntry {
  args?: string[];
  env?: string[];
  cwd: string;
  user?: { uid?: number; gid?: number; umask?: number; additionalGids?: number[] };
  rlimits?: Array<{ type: string; soft: number; hard: number }>;
  capabilities?: Partial<Record<keyof CapabilitySets, string[]>>;
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}

/** The PATH runc and crun fall back to when the process env has none. */
export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const CAP_SETS = ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const;

/** What this host lets the runtime grant: the kernel's capabilities and the runtime's own bounding set. */
export interface CapabilityHost {
  /** Highest capability number this kernel knows (/proc/sys/kernel/cap_last_cap). */
  lastCap: number;
  /** The runtime's bounding set (CapBnd): its children can never hold a capability outside it. */
  bounding: bigint;
  /** The runtime's effective set (CapEff): CAP_SETUID/CAP_SETGID decide how id maps are written. */
  effective: bigint;
}

/** Reads the capability facts of this process. */
export function readCapabilityHost(readFile: (path: string) => string): CapabilityHost {
  const status = readFile('/proc/self/status');
  const set = (name: string) => {
    const m = new RegExp(`^${name}:\\s*([0-9a-f]+)$`, 'm').exec(status);
    return m ? BigInt(`0x${m[1]}`) : ~0n;
  };
  return { lastCap: Number(readFile('/proc/sys/kernel/cap_last_cap').trim()), bounding: set('CapBnd'), effective: set('CapEff') };
}

/** Plans the container process; warnings collect what the spec says to warn about, not fail on. */
export function planProcess(p: ProcessEntry, caps: CapabilityHost, warnings: string[]): PlannedProcess {
  const env = p.env ?? [];
  const pathEntry = env.findLast((e) => e.startsWith('PATH='));
  return {
    args: p.args ?? [],
    env,
    cwd: p.cwd,
    execPath: pathEntry ? pathEntry.slice('PATH='.length) : DEFAULT_PATH,
    uid: p.user?.uid ?? 0,
    gid: p.user?.gid ?? 0,
    additionalGids: p.user?.additionalGids ?? [],
    umask: p.user?.umask,
    rlimits: planRlimits(p.rlimits ?? []),
    capabilities: p.capabilities ? planCapabilities(p.capabilities, caps, warnings) : undefined,
    noNewPrivileges: p.noNewPrivileges ?? false,
    oomScoreAdj: p.oomScoreAdj,
  };
}

function planRlimits(rlimits: NonNullable<ProcessEntry['rlimits']>): PlannedRlimit[] {
  return rlimits.map((r, i) => {
    const resource = RLIMITS[r.type];
    if (resource === undefined) {
      throw new ConfigError('config.json', `/process/rlimits/${i}/type`, `unknown rlimit type "${r.type}"`, 'config.md#configPOSIXProcess');
    }
    return { resource, soft: u64FromJson(r.soft), hard: u64FromJson(r.hard) };
  });
}

/**
 * Capability names → masks. config.md: a capability that "cannot be mapped to a relevant kernel
 * interface, or cannot be granted otherwise MUST be logged as a warning", and runtimes "SHOULD
 * NOT fail" over it. One the runtime's own bounding set lacks (a host, hypervisor or outer
 * container dropped it) cannot be granted: warned once and left out, where runc fails with EPERM.
 */
export function planCapabilities(caps: NonNullable<ProcessEntry['capabilities']>, host: CapabilityHost, warnings: string[]): CapabilitySets {
  const sets = {} as CapabilitySets;
  const ungrantable = new Set<string>();
  for (const set of CAP_SETS) {
    let mask = 0n;
    for (const name of caps[set] ?? []) {
      const n = CAPABILITIES[name];
      if (n === undefined) warnings.push(`process.capabilities.${set}: unknown capability ${name}, ignored`);
      else if (n > host.lastCap) warnings.push(`process.capabilities.${set}: ${name} is not supported by this kernel, ignored`);
      else if (((host.bounding >> BigInt(n)) & 1n) === 0n) ungrantable.add(name);
      else mask |= 1n << BigInt(n);
    }
    sets[set] = mask;
  }
  for (const name of ungrantable) warnings.push(`process.capabilities: ${name} cannot be granted (not in the runtime's own bounding set on this host), ignored`);
  // The kernel refuses to raise an ambient capability that is not both permitted and inheritable.
  const allowedAmbient = sets.permitted & sets.inheritable;
  if ((sets.ambient & ~allowedAmbient) !== 0n) {
    warnings.push('process.capabilities.ambient: capabilities not also permitted and inheritable cannot be ambient, ignored');
    sets.ambient &= allowedAmbient;
  }
  return sets;
}
