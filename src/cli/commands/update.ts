import fs from 'node:fs';
import { ConfigError, fromNodeError, UsageError } from '../../errors.js';
import type { Resources } from '../../spec/generated/config.js';
import { defineCommand } from '../command.js';
import { openRuntime } from '../context.js';

/** runc's flags, each a string as runc reads them (sizes take units: 64m, 1g). */
interface UpdateFlags {
  containerId: string;
  resources?: string;
  blkioWeight?: string;
  cpuPeriod?: string;
  cpuQuota?: string;
  cpuBurst?: string;
  cpuShare?: string;
  cpuRtPeriod?: string;
  cpuRtRuntime?: string;
  cpuIdle?: string;
  cpusetCpus?: string;
  cpusetMems?: string;
  memory?: string;
  memoryReservation?: string;
  memorySwap?: string;
  kernelMemory?: string;
  kernelMemoryTcp?: string;
  pidsLimit?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
}

const flag = (describe: string) => ({ type: 'string' as const, describe });

export const updateCommand = defineCommand<UpdateFlags>({
  command: 'update <container-id>',
  describe: 'change the resource limits of a container; with -r FILE (- for stdin) the JSON linux.resources object it holds, and the other flags are ignored',
  positionals: { 'container-id': { type: 'string' } },
  options: {
    resources: { alias: 'r', type: 'string', describe: 'a JSON file of config.json linux.resources; - reads standard input' },
    'blkio-weight': flag('per cgroup block IO weight, 10 to 1000'),
    'cpu-period': flag('CPU CFS period in µs'),
    'cpu-quota': flag('CPU CFS quota in µs per period (-1: none)'),
    'cpu-burst': flag('CPU CFS burst in µs'),
    'cpu-share': flag('CPU shares (relative weight)'),
    'cpu-rt-period': flag('CPU realtime period in µs'),
    'cpu-rt-runtime': flag('CPU realtime runtime in µs per period'),
    'cpu-idle': flag('1 makes the cgroup SCHED_IDLE'),
    'cpuset-cpus': flag('CPUs to run on, e.g. 0-2,4'),
    'cpuset-mems': flag('memory nodes to use'),
    memory: flag('memory limit in bytes (units allowed: 64m, 1g; -1: none)'),
    'memory-reservation': flag('memory soft limit in bytes'),
    'memory-swap': flag('memory + swap limit in bytes (-1: unlimited swap)'),
    'kernel-memory': flag('kernel memory limit in bytes (ignored by kernels since 5.x)'),
    'kernel-memory-tcp': flag('kernel TCP buffer limit in bytes'),
    'pids-limit': flag('maximum number of processes (-1: none; 0 leaves it as it is, as with runc)'),
    'l3-cache-schema': flag('Intel RDT L3 cache schema (not supported)'),
    'mem-bw-schema': flag('Intel RDT memory bandwidth schema (not supported)'),
  },
  async handler(args) {
    const resources = args.resources !== undefined ? await readResources(args.resources) : resourcesFromFlags(args);
    await (await openRuntime(args)).update(args.containerId, resources, { source: args.resources === undefined ? 'update flags' : args.resources === '-' ? 'stdin' : args.resources });
  },
});

/** -r FILE: a config-linux.md resources object, validated by config.json's schema. */
async function readResources(file: string): Promise<Resources> {
  let text: string;
  try {
    text = fs.readFileSync(file === '-' ? 0 : file, 'utf8');
  } catch (e) {
    throw fromNodeError('read --resources', file, e);
  }
  const { parseJson } = await import('../../spec/load.js');
  const { validateSpec } = await import('../../spec/validate.js');
  const name = file === '-' ? 'stdin' : file;
  const doc = parseJson(text, name);
  try {
    return validateSpec({ ociVersion: '1.3.0', linux: { resources: doc } }, name).linux!.resources!;
  } catch (e) {
    if (e instanceof ConfigError && e.pointer?.startsWith('/linux/resources')) {
      throw new ConfigError(name, e.pointer.slice('/linux/resources'.length) || '/', e.expected, e.section);
    }
    throw e;
  }
}

/** The flags given, as a resources object (runc's parsing: integers, sizes with units). */
export function resourcesFromFlags(a: Omit<UpdateFlags, 'containerId' | 'resources'>): Resources {
  if (a.l3CacheSchema !== undefined || a.memBwSchema !== undefined) throw new UsageError('--l3-cache-schema and --mem-bw-schema need Intel RDT, which tsrunc does not support');
  const r: Resources = {};
  const memory = () => (r.memory ??= {});
  const cpu = () => (r.cpu ??= {});
  if (a.memory !== undefined) memory().limit = size('memory', a.memory);
  if (a.memoryReservation !== undefined) memory().reservation = size('memory-reservation', a.memoryReservation);
  if (a.memorySwap !== undefined) memory().swap = size('memory-swap', a.memorySwap);
  if (a.kernelMemory !== undefined) memory().kernel = size('kernel-memory', a.kernelMemory);
  if (a.kernelMemoryTcp !== undefined) memory().kernelTCP = size('kernel-memory-tcp', a.kernelMemoryTcp);
  if (a.cpuShare !== undefined) cpu().shares = integer('cpu-share', a.cpuShare, 0);
  if (a.cpuPeriod !== undefined) cpu().period = integer('cpu-period', a.cpuPeriod, 0);
  if (a.cpuQuota !== undefined) cpu().quota = integer('cpu-quota', a.cpuQuota, -1);
  if (a.cpuBurst !== undefined) cpu().burst = integer('cpu-burst', a.cpuBurst, 0);
  if (a.cpuRtPeriod !== undefined) cpu().realtimePeriod = integer('cpu-rt-period', a.cpuRtPeriod, 0);
  if (a.cpuRtRuntime !== undefined) cpu().realtimeRuntime = integer('cpu-rt-runtime', a.cpuRtRuntime, -1);
  if (a.cpuIdle !== undefined) cpu().idle = integer('cpu-idle', a.cpuIdle, 0);
  if (a.cpusetCpus !== undefined) cpu().cpus = a.cpusetCpus;
  if (a.cpusetMems !== undefined) cpu().mems = a.cpusetMems;
  if (a.blkioWeight !== undefined) {
    const weight = integer('blkio-weight', a.blkioWeight, 0);
    if (weight !== 0 && (weight < 10 || weight > 1000)) throw new UsageError(`invalid value for blkio-weight: ${a.blkioWeight}: must be 10 to 1000`);
    if (weight) r.blockIO = { weight };
  }
  if (a.pidsLimit !== undefined) {
    const limit = integer('pids-limit', a.pidsLimit, -1);
    if (limit !== 0) r.pids = { limit };
  }
  return r;
}

function integer(name: string, text: string, min: number): number {
  if (!/^-?\d+$/.test(text) || Number(text) < min || !Number.isSafeInteger(Number(text))) {
    throw new UsageError(`invalid value for ${name}: ${JSON.stringify(text)}: must be an integer${min === 0 ? ' ≥ 0' : ''}`);
  }
  return Number(text);
}

const UNITS: Record<string, number> = Object.setPrototypeOf({ '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 }, null);

/** Bytes, with docker's binary units as runc reads them ("512m", "1.5g", "2GiB"); "-1" is no limit. */
export function size(name: string, text: string): number {
  if (text === '-1') return -1;
  const m = /^(\d+(?:\.\d+)?) ?([kmgtp]?)(?:i?b)?$/i.exec(text);
  if (!m) throw new UsageError(`invalid value for ${name}: invalid size: ${JSON.stringify(text)}`);
  return Math.floor(Number(m[1]) * UNITS[m[2]!.toLowerCase()]!);
}
