/**
 * The Linux attributes a process gets just before exec (issue 17): its scheduler (sched_setattr),
 * I/O priority (ioprio_set), execution domain (personality), NUMA memory policy (set_mempolicy),
 * CPU affinity (an exec's, before and after it joins the container's cgroups) and AppArmor
 * profile. Each is checked here, with its JSON pointer, and turned into the numbers the init passes
 * to the kernel; what the kernel still refuses (a policy that needs privilege the container lacks)
 * comes back from the init as step + errno.
 */
import { ConfigError } from '../errors.js';
import type { Process, Spec } from '../spec/generated/config.js';

/** struct sched_attr fields (sched_setattr(2)). */
export interface PlannedScheduler {
  policy: number;
  flags: bigint;
  nice: number;
  priority: number;
  runtime: bigint;
  deadline: bigint;
  period: bigint;
}

/** set_mempolicy(2): mode with its flags ORed in, and the node mask. */
export interface PlannedMemoryPolicy {
  mode: number;
  /** Node mask as 64-bit words, little-endian; empty for none. */
  nodes: Buffer;
}

export interface PlannedLinuxProcess {
  scheduler?: PlannedScheduler;
  /** IOPRIO_PRIO_VALUE(class, level) for ioprio_set(IOPRIO_WHO_PROCESS, 0, …). */
  ioPriority?: number;
  /** personality(2) persona. */
  personality?: number;
  memoryPolicy?: PlannedMemoryPolicy;
  /** CPU masks (as node masks) of an exec's process: before it joins the container's cgroups, and after. */
  cpuAffinityInitial?: Buffer;
  cpuAffinityFinal?: Buffer;
  /** The AppArmor profile the process is exec'd under. */
  apparmorProfile?: string;
  /** The SELinux label the process is exec'd with (its attr/exec). */
  selinuxLabel?: string;
}

/** What the host tells the planner about these attributes. */
export interface ProcessLinuxHost {
  /** AppArmor is enabled in this kernel (/sys/module/apparmor/parameters/enabled is "Y"). */
  apparmor: boolean;
  /** SELinux is enabled (selinuxfs is mounted: /sys/fs/selinux/enforce exists). */
  selinux: boolean;
}

const SCHED_POLICIES: Record<string, number> = {
  SCHED_OTHER: 0,
  SCHED_FIFO: 1,
  SCHED_RR: 2,
  SCHED_BATCH: 3,
  SCHED_ISO: 4,
  SCHED_IDLE: 5,
  SCHED_DEADLINE: 6,
};

const SCHED_FLAGS: Record<string, bigint> = {
  SCHED_FLAG_RESET_ON_FORK: 0x01n,
  SCHED_FLAG_RECLAIM: 0x02n,
  SCHED_FLAG_DL_OVERRUN: 0x04n,
  SCHED_FLAG_KEEP_POLICY: 0x08n,
  SCHED_FLAG_KEEP_PARAMS: 0x10n,
  SCHED_FLAG_UTIL_CLAMP_MIN: 0x20n,
  SCHED_FLAG_UTIL_CLAMP_MAX: 0x40n,
};

const IOPRIO_CLASSES: Record<string, number> = { IOPRIO_CLASS_RT: 1, IOPRIO_CLASS_BE: 2, IOPRIO_CLASS_IDLE: 3 };
const IOPRIO_CLASS_SHIFT = 13;

const PERSONALITY_DOMAINS: Record<string, number> = { LINUX: 0x0000, LINUX32: 0x0008 };

export const MPOL_MODES: Record<string, number> = {
  MPOL_DEFAULT: 0,
  MPOL_PREFERRED: 1,
  MPOL_BIND: 2,
  MPOL_INTERLEAVE: 3,
  MPOL_LOCAL: 4,
  MPOL_PREFERRED_MANY: 5,
  MPOL_WEIGHTED_INTERLEAVE: 6,
};
export const MPOL_FLAGS: Record<string, number> = { MPOL_F_NUMA_BALANCING: 1 << 13, MPOL_F_RELATIVE_NODES: 1 << 14, MPOL_F_STATIC_NODES: 1 << 15 };

const PROCESS_SECTION = 'config.md#configLinuxProcess';

/** A config.json unsigned integer as a bigint (the JSON number as parsed; u64 values above 2^53 keep their digits where given). */
const big = (n: number | undefined) => BigInt(Math.trunc(n ?? 0));

/** sched_setattr(2)'s rules the kernel would otherwise answer with a bare EINVAL. */
export function planScheduler(s: NonNullable<Process['scheduler']> | undefined, base = '/process/scheduler'): PlannedScheduler | undefined {
  if (!s) return undefined;
  const err = (field: string, what: string) => new ConfigError('config.json', `${base}${field}`, what, PROCESS_SECTION);
  const policy = SCHED_POLICIES[s.policy as string];
  if (s.policy === undefined) throw err('', 'needs a policy (REQUIRED)');
  if (policy === undefined) throw err('/policy', `"${s.policy}" is not a scheduling policy`);
  if (s.policy === 'SCHED_ISO') throw err('/policy', 'SCHED_ISO is reserved but not implemented by Linux');
  let flags = 0n;
  for (const [i, f] of (s.flags ?? []).entries()) {
    const bit = SCHED_FLAGS[f];
    if (bit === undefined) throw err(`/flags/${i}`, `"${f}" is not a scheduler flag`);
    flags |= bit;
  }
  const nice = s.nice ?? 0;
  if (nice < -20 || nice > 19) throw err('/nice', `must be -20 to 19, not ${nice}`);
  const priority = s.priority ?? 0;
  const realtime = s.policy === 'SCHED_FIFO' || s.policy === 'SCHED_RR';
  if (realtime && (priority < 1 || priority > 99)) throw err('/priority', `${s.policy} takes a priority of 1 to 99, not ${priority}`);
  if (!realtime && priority !== 0) throw err('/priority', `only SCHED_FIFO and SCHED_RR take a priority; ${s.policy} takes 0`);
  const runtime = big(s.runtime);
  const deadline = big(s.deadline);
  const period = big(s.period);
  if (s.policy === 'SCHED_DEADLINE') {
    // sched(7): 1024 ns <= runtime <= deadline <= period (a period of 0 is the deadline).
    if (runtime < 1024n) throw err('/runtime', `SCHED_DEADLINE needs a runtime of at least 1024 ns, not ${runtime}`);
    if (deadline < runtime) throw err('/deadline', `must be at least the runtime (${runtime} ns), not ${deadline}`);
    if (period !== 0n && period < deadline) throw err('/period', `must be 0 or at least the deadline (${deadline} ns), not ${period}`);
  } else if (runtime || deadline || period) {
    throw err(runtime ? '/runtime' : deadline ? '/deadline' : '/period', `only SCHED_DEADLINE takes runtime, deadline and period; ${s.policy} does not`);
  }
  return { policy, flags, nice, priority, runtime, deadline, period };
}

/** ioprio_set(2)'s value; class and priority are both REQUIRED (config.md). */
export function planIoPriority(p: Process['ioPriority'], base = '/process/ioPriority'): number | undefined {
  if (!p) return undefined;
  const err = (field: string, what: string) => new ConfigError('config.json', `${base}${field}`, what, PROCESS_SECTION);
  if (p.class === undefined) throw err('', 'needs a class (REQUIRED)');
  const cls = IOPRIO_CLASSES[p.class as string];
  if (cls === undefined) throw err('/class', `"${p.class}" is not an I/O scheduling class`);
  if (p.priority === undefined) throw err('', 'needs a priority (REQUIRED)');
  if (!Number.isInteger(p.priority) || p.priority < 0 || p.priority > 7) throw err('/priority', `must be 0 (highest) to 7 (lowest), not ${p.priority}`);
  return (cls << IOPRIO_CLASS_SHIFT) | p.priority;
}

/** personality(2)'s persona: the domain; no flag is defined yet (config-linux.md). */
export function planPersonality(p: NonNullable<Spec['linux']>['personality']): number | undefined {
  if (!p) return undefined;
  const section = 'config-linux.md#configLinuxPersonality';
  if (p.domain === undefined) throw new ConfigError('config.json', '/linux/personality', 'needs a domain (REQUIRED)', section);
  const domain = PERSONALITY_DOMAINS[p.domain as string];
  if (domain === undefined) throw new ConfigError('config.json', '/linux/personality/domain', `"${p.domain}" is not an execution domain (LINUX or LINUX32)`, section);
  if (p.flags?.length) throw new ConfigError('config.json', '/linux/personality/flags/0', `"${p.flags[0]}": no personality flag is supported ("Currently no flag values are supported")`, section);
  return domain;
}

/**
 * A list like "0-3,7" (cpuset(7) list format) as a mask of 64-bit little-endian words; `pointer`
 * names the field in errors. "" is an empty mask.
 */
export function parseIdList(text: string, pointer: string, section: string, limit = 8192): Buffer {
  const ids: number[] = [];
  for (const part of text.split(',').map((x) => x.trim()).filter(Boolean)) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    const lo = m ? Number(m[1]) : NaN;
    const hi = m?.[2] !== undefined ? Number(m[2]) : lo;
    if (!m || hi < lo || hi >= limit) throw new ConfigError('config.json', pointer, `"${text}" is not a list like "0-3,7" (at "${part}")`, section);
    for (let id = lo; id <= hi; id++) ids.push(id);
  }
  if (ids.length === 0) return Buffer.alloc(0);
  const words = Math.floor(Math.max(...ids) / 64) + 1;
  const mask = Buffer.alloc(words * 8);
  for (const id of ids) mask[id >> 3] = mask[id >> 3]! | (1 << (id & 7));
  return mask;
}

/** set_mempolicy(2)'s mode, flags and nodes, with the nodes each mode needs or forbids. */
export function planMemoryPolicy(m: NonNullable<Spec['linux']>['memoryPolicy']): PlannedMemoryPolicy | undefined {
  if (!m) return undefined;
  const section = 'config-linux.md#configLinuxMemoryPolicy';
  const err = (field: string, what: string) => new ConfigError('config.json', `/linux/memoryPolicy${field}`, what, section);
  if (m.mode === undefined) throw err('', 'needs a mode (REQUIRED)');
  let mode = MPOL_MODES[m.mode as string];
  if (mode === undefined) throw err('/mode', `"${m.mode}" is not a memory policy mode`);
  const nodes = parseIdList(m.nodes ?? '', '/linux/memoryPolicy/nodes', section);
  const none = nodes.length === 0;
  if ((m.mode === 'MPOL_DEFAULT' || m.mode === 'MPOL_LOCAL') && !none) throw err('/nodes', `${m.mode} takes no nodes`);
  if (none && !['MPOL_DEFAULT', 'MPOL_LOCAL', 'MPOL_PREFERRED'].includes(m.mode as string)) throw err('/nodes', `${m.mode} needs at least one node`);
  for (const [i, f] of (m.flags ?? []).entries()) {
    const bit = MPOL_FLAGS[f];
    if (bit === undefined) throw err(`/flags/${i}`, `"${f}" is not a memory policy flag`);
    mode |= bit;
  }
  return { mode, nodes };
}

/**
 * Everything above for one process. `forExec`: execCPUAffinity applies to an exec's process only
 * ("not applicable to the container's init process"). Where AppArmor is not enabled a profile
 * cannot be applied, so it is an error (runtime.md Create), except "unconfined", which is what the
 * process is anyway.
 */
export function planLinuxProcess(p: Process, linux: Spec['linux'], host: ProcessLinuxHost, forExec: boolean, debug: string[] = []): PlannedLinuxProcess {
  const out: PlannedLinuxProcess = {
    scheduler: planScheduler(p.scheduler),
    ioPriority: planIoPriority(p.ioPriority),
    personality: planPersonality(linux?.personality),
    memoryPolicy: planMemoryPolicy(linux?.memoryPolicy),
  };
  const affinity = p.execCPUAffinity;
  if (affinity && forExec) {
    const cpus = (field: 'initial' | 'final') => {
      const mask = parseIdList(affinity[field] ?? '', `/process/execCPUAffinity/${field}`, PROCESS_SECTION);
      return mask.length ? mask : undefined;
    };
    out.cpuAffinityInitial = cpus('initial');
    out.cpuAffinityFinal = cpus('final');
  } else if (affinity) {
    debug.push('process.execCPUAffinity applies to exec only, not to the container init (config.md)');
  }
  const profile = p.apparmorProfile;
  if (profile !== undefined && profile !== '') {
    if (host.apparmor) out.apparmorProfile = profile;
    else if (profile !== 'unconfined') {
      throw new ConfigError(
        'config.json',
        '/process/apparmorProfile',
        `AppArmor is not enabled on this host, so profile "${profile}" cannot be applied (a property that cannot be applied is an error: runtime.md Create)`,
        PROCESS_SECTION,
      );
    }
  }
  const label = p.selinuxLabel;
  if (label !== undefined && label !== '') {
    if (!host.selinux) {
      throw new ConfigError('config.json', '/process/selinuxLabel', `SELinux is not enabled on this host, so label "${label}" cannot be applied (a property that cannot be applied is an error: runtime.md Create)`, PROCESS_SECTION);
    }
    out.selinuxLabel = label;
  }
  return out;
}

/**
 * linux.mountLabel: the SELinux context of the container's tmpfs mounts, as the `context=` mount
 * option (runc's FormatMountLabel); an error where SELinux is not enabled. Returns the data option
 * to add, or undefined.
 */
export function planMountLabel(label: string | undefined, host: ProcessLinuxHost): string | undefined {
  if (label === undefined || label === '') return undefined;
  const section = 'config-linux.md#configLinuxMountLabel';
  if (!host.selinux) {
    throw new ConfigError('config.json', '/linux/mountLabel', `SELinux is not enabled on this host, so mount label "${label}" cannot be applied (a property that cannot be applied is an error: runtime.md Create)`, section);
  }
  if (/["\n,]/.test(label)) throw new ConfigError('config.json', '/linux/mountLabel', 'must not contain a quote, comma or newline (it becomes the context="…" mount option)', section);
  return `context="${label}"`;
}
