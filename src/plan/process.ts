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

/** Plans the container process; warnings collect what the spec says to warn about, not fail on. */
export function planProcess(p: ProcessEntry, capLastCap: number, warnings: string[]): PlannedProcess {
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
    capabilities: p.capabilities ? planCapabilities(p.capabilities, capLastCap, warnings) : undefined,
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
 * interface, or cannot be granted otherwise MUST be logged as a warning", not fail the container.
 */
export function planCapabilities(caps: NonNullable<ProcessEntry['capabilities']>, capLastCap: number, warnings: string[]): CapabilitySets {
  const sets = {} as CapabilitySets;
  for (const set of CAP_SETS) {
    let mask = 0n;
    for (const name of caps[set] ?? []) {
      const n = CAPABILITIES[name];
      if (n === undefined) warnings.push(`process.capabilities.${set}: unknown capability ${name}, ignored`);
      else if (n > capLastCap) warnings.push(`process.capabilities.${set}: ${name} is not supported by this kernel, ignored`);
      else mask |= 1n << BigInt(n);
    }
    sets[set] = mask;
  }
  // The kernel refuses to raise an ambient capability that is not both permitted and inheritable.
  const allowedAmbient = sets.permitted & sets.inheritable;
  if ((sets.ambient & ~allowedAmbient) !== 0n) {
    warnings.push('process.capabilities.ambient: capabilities not also permitted and inheritable cannot be ambient, ignored');
    sets.ambient &= allowedAmbient;
  }
  return sets;
}
