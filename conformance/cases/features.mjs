// features.md and features-linux.md: the `features` document, and that what it lists is accepted
// in config.json.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect, skip } from '../harness.mjs';

const TOP_LEVEL = ['ociVersionMin', 'ociVersionMax', 'hooks', 'mountOptions', 'linux', 'annotations', 'potentiallyUnsafeConfigAnnotations'];
const LINUX = ['namespaces', 'capabilities', 'cgroup', 'seccomp', 'apparmor', 'selinux', 'intelRdt', 'mountExtensions', 'netDevices', 'memoryPolicy'];
const SEMVER = /^(\d+)\.(\d+)\.(\d+)(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

async function features(w) {
  const r = await w.run(['features']);
  expect(r.status === 0, `features succeeds (${r.stderr.trim()})`);
  try {
    return JSON.parse(r.stdout);
  } catch {
    expect(false, `features prints JSON (${JSON.stringify(r.stdout.slice(0, 100))})`);
  }
}

/** create + start + delete of a bundle; the failure message, or undefined when all worked. */
async function lifecycle(w, mutate) {
  const id = w.id();
  const c = await w.run(['create', '--bundle', w.bundle(mutate), id]);
  if (c.status !== 0) return `create: ${c.stderr.trim().slice(0, 300)}`;
  const s = await w.run(['start', id]);
  if (s.status !== 0) return `start: ${s.stderr.trim().slice(0, 300)}`;
  await w.waitFor(async () => (await w.state(id))?.status === 'stopped');
  const d = await w.run(['delete', '--force', id]);
  return d.status === 0 ? undefined : `delete: ${d.stderr.trim()}`;
}

/** capabilities(7) by number, to tell which ones this host can grant at all. */
const CAP_NUMBERS = ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE'].map((n) => `CAP_${n}`);

/** The capabilities in this (root) process's bounding set: what any runtime started here can grant. */
function hostBounding() {
  const hex = /^CapBnd:\s*([0-9a-f]+)$/m.exec(fs.readFileSync('/proc/self/status', 'utf8'))[1];
  const mask = BigInt(`0x${hex}`);
  return CAP_NUMBERS.filter((_, i) => (mask >> BigInt(i)) & 1n);
}

const cmp = (a, b) => {
  const [x, y] = [SEMVER.exec(a), SEMVER.exec(b)];
  for (let i = 1; i <= 3; i++) if (Number(x[i]) !== Number(y[i])) return Number(x[i]) - Number(y[i]);
  return 0;
};

export const cases = [
  {
    name: 'features: ociVersionMin and ociVersionMax are versions, max not below min, nothing undefined',
    statements: ['features.md#featuresSpecificationVersion/1', 'features.md#featuresSpecificationVersion/3', 'features.md#featuresSpecificationVersion/5', 'features.md#featuresSpecificationVersion/6', 'features.md#featuresAnnotations/1'],
    async run(w) {
      const f = await features(w);
      expect(typeof f.ociVersionMin === 'string' && SEMVER.test(f.ociVersionMin), `ociVersionMin is a SemVer string (${f.ociVersionMin})`);
      expect(typeof f.ociVersionMax === 'string' && SEMVER.test(f.ociVersionMax), `ociVersionMax is a SemVer string (${f.ociVersionMax})`);
      expect(cmp(f.ociVersionMax, f.ociVersionMin) >= 0, `ociVersionMax ${f.ociVersionMax} is not below ociVersionMin ${f.ociVersionMin}`);
      const unknown = Object.keys(f).filter((k) => !TOP_LEVEL.includes(k));
      expect(unknown.length === 0, `no properties the spec does not define (${unknown.join(', ')})`);
      const unknownLinux = Object.keys(f.linux ?? {}).filter((k) => !LINUX.includes(k));
      expect(unknownLinux.length === 0, `no linux properties the spec does not define (${unknownLinux.join(', ')})`);
      for (const [k, v] of Object.entries(f.annotations ?? {})) expect(typeof v === 'string', `annotation ${k} is a string`);
    },
  },
  {
    name: 'features: configs at ociVersionMin and at ociVersionMax are accepted',
    statements: ['features.md#featuresSpecificationVersion/2', 'features.md#featuresSpecificationVersion/4'],
    async run(w) {
      const f = await features(w);
      for (const version of [f.ociVersionMin, f.ociVersionMax]) {
        const failure = await lifecycle(w, (c) => (c.ociVersion = version));
        expect(!failure, `ociVersion ${version}: ${failure}`);
      }
    },
  },
  {
    name: 'features: every hook it lists works in config.json',
    statements: ['features.md#featuresHooks/1'],
    async run(w) {
      const f = await features(w);
      if (!f.hooks?.length) skip('the runtime lists no hooks');
      const hooks = Object.fromEntries(f.hooks.map((h) => [h, [{ path: '/bin/true' }]]));
      const failure = await lifecycle(w, (c) => (c.hooks = hooks));
      expect(!failure, `hooks ${f.hooks.join(', ')}: ${failure}`);
    },
  },
  {
    name: 'features: mountOptions holds no filesystem-specific data options',
    statements: ['features.md#featuresMountOptions/2'],
    async run(w) {
      const f = await features(w);
      if (!f.mountOptions) skip('the runtime lists no mountOptions');
      const data = f.mountOptions.filter((o) => o.includes('=') || ['mode', 'size', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'newinstance', 'ptmxmode'].includes(o));
      expect(data.length === 0, `no mount(2) data options (${data.join(', ')})`);
    },
  },
  {
    name: 'features: every mount option it lists is accepted in a mount of config.json',
    statements: ['features.md#featuresMountOptions/1'],
    async run(w) {
      const f = await features(w);
      if (!f.mountOptions?.length) skip('the runtime lists no mountOptions');
      // idmap/ridmap need mappings and are the idmap cases' business; the others each get one
      // bind mount of a scratch directory of their own, all in one container (one create), and
      // the failing ones are then told apart one by one.
      const options = f.mountOptions.filter((o) => !['idmap', 'ridmap'].includes(o));
      const mountsFor = (list) =>
        list.map((o) => {
          const source = path.join(w.dir, `mnt-${o}`);
          fs.mkdirSync(source, { recursive: true });
          return { destination: `/mnt/${o}`, type: 'bind', source, options: o === 'bind' || o === 'rbind' ? [o] : ['rbind', o] };
        });
      if (!(await lifecycle(w, (c) => c.mounts.push(...mountsFor(options))))) return;
      const refused = [];
      for (const o of options) {
        const failure = await lifecycle(w, (c) => c.mounts.push(...mountsFor([o])));
        if (failure) refused.push(`${o} (…${failure.slice(-160)})`);
      }
      expect(refused.length === 0, `every listed option works on a bind mount; refused: ${refused.join('; ') || 'none alone, only all together'}`);
    },
  },
  {
    name: 'features: every namespace it lists is accepted as a new namespace',
    statements: ['features-linux.md#linuxFeaturesNamespaces/1'],
    async run(w) {
      const f = await features(w);
      if (!f.linux?.namespaces?.length) skip('the runtime lists no namespaces');
      for (const ns of f.linux.namespaces) {
        const failure = await lifecycle(w, (c) => {
          if (!c.linux.namespaces.some((n) => n.type === ns)) c.linux.namespaces.push({ type: ns });
          if (ns === 'user') {
            c.linux.uidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
            c.linux.gidMappings = [{ containerID: 0, hostID: 0, size: 65536 }];
            // sysfs needs a network namespace owned by the new user namespace; kept simple without it.
            c.mounts = c.mounts.filter((m) => m.type !== 'sysfs');
          }
        });
        expect(!failure, `namespace ${ns}: ${failure}`);
      }
    },
  },
  {
    name: 'features: every capability it lists is accepted in process.capabilities',
    statements: ['features-linux.md#linuxFeaturesCapabilities/1'],
    async run(w) {
      const f = await features(w);
      if (!f.linux?.capabilities?.length) skip('the runtime lists no capabilities');
      // Only what this host lets root hold can be granted (a hypervisor or an outer container may drop some).
      const host = hostBounding();
      const grantable = f.linux.capabilities.filter((c) => host.includes(c));
      const unknown = f.linux.capabilities.filter((c) => !CAP_NUMBERS.includes(c));
      const failure = await lifecycle(w, (c) => {
        c.process.capabilities = { bounding: grantable, effective: grantable, permitted: grantable };
      });
      expect(!failure, `the ${grantable.length} capabilities this host can grant (of ${f.linux.capabilities.length} listed; ${unknown.length} newer than this suite): ${failure}`);
    },
  },
  {
    name: 'features: every seccomp action, operator, architecture and supported flag it lists works in linux.seccomp',
    statements: ['features-linux.md#linuxFeaturesSeccomp/1', 'features-linux.md#linuxFeaturesSeccomp/2', 'features-linux.md#linuxFeaturesSeccomp/3', 'features-linux.md#linuxFeaturesSeccomp/4', 'features-linux.md#linuxFeaturesSeccomp/5'],
    async run(w) {
      const f = await features(w);
      const s = f.linux?.seccomp;
      if (!s?.enabled) skip('the runtime does not report seccomp as enabled');
      // Each action on a syscall the container's `true` never makes; NOTIFY needs a listener, left out.
      const actions = (s.actions ?? []).filter((a) => a !== 'SCMP_ACT_NOTIFY');
      const rare = ['acct', 'add_key', 'bpf', 'kexec_load', 'lookup_dcookie', 'mbind', 'move_pages', 'nfsservctl', 'open_by_handle_at', 'perf_event_open', 'quotactl', 'request_key'];
      const syscalls = actions.map((action, i) => ({ names: [rare[i % rare.length]], action, ...(action === 'SCMP_ACT_ERRNO' ? { errnoRet: 1 } : {}) }));
      (s.operators ?? []).forEach((op, i) => syscalls.push({ names: ['personality'], action: 'SCMP_ACT_ERRNO', errnoRet: 1, args: [{ index: 0, value: 0xfff0 + i, valueTwo: op === 'SCMP_CMP_MASKED_EQ' ? 0xfff0 + i : 0, op }] }));
      const archs = (s.archs ?? []).filter((a) => ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'].includes(a));
      const base = { defaultAction: 'SCMP_ACT_ALLOW', architectures: archs, syscalls };
      const failure = await lifecycle(w, (c) => (c.linux.seccomp = base));
      expect(!failure, `actions ${actions.join(' ')}, operators ${(s.operators ?? []).join(' ')}, archs ${archs.join(' ')}: ${failure}`);
      for (const flag of s.supportedFlags ?? []) {
        const f2 = await lifecycle(w, (c) => (c.linux.seccomp = { ...base, flags: [flag] }));
        expect(!f2, `flag ${flag}: ${f2}`);
      }
    },
  },
  {
    name: 'features: every memory policy mode and flag it lists is accepted',
    statements: ['features-linux.md#linuxFeaturesMemoryPolicy/1', 'features-linux.md#linuxFeaturesMemoryPolicy/2'],
    async run(w) {
      const f = await features(w);
      const mp = f.linux?.memoryPolicy;
      if (!mp?.modes?.length) skip('the runtime lists no memory policy modes');
      // features-linux.md: the lists include what "may not be supported by the host operating
      // system": a mode or flag newer than this kernel may fail at create; every other must work.
      const [major, minor] = os.release().split('.').map(Number);
      const kernelLacks = (name) => {
        const since = { MPOL_PREFERRED_MANY: [5, 15], MPOL_WEIGHTED_INTERLEAVE: [6, 9], MPOL_F_NUMA_BALANCING: [5, 12] }[name];
        return since !== undefined && (major < since[0] || (major === since[0] && minor < since[1]));
      };
      for (const mode of mp.modes) {
        if (kernelLacks(mode)) continue;
        const failure = await lifecycle(w, (c) => (c.linux.memoryPolicy = { mode, ...(['MPOL_DEFAULT', 'MPOL_LOCAL'].includes(mode) ? {} : { nodes: '0' }) }));
        expect(!failure, `mode ${mode}: ${failure}`);
      }
      for (const flag of mp.flags ?? []) {
        if (kernelLacks(flag)) continue;
        const failure = await lifecycle(w, (c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0', flags: [flag] }));
        expect(!failure, `flag ${flag}: ${failure}`);
      }
    },
  },
  {
    name: 'features: mountExtensions.idmap.enabled is true when idmapped mounts are recognised',
    statements: ['features-linux.md#linuxFeaturesMountExtensions/1'],
    async run(w) {
      const f = await features(w);
      const idmap = f.linux?.mountExtensions?.idmap;
      if (idmap === undefined) skip('the runtime does not report mountExtensions.idmap');
      expect(typeof idmap.enabled === 'boolean' || idmap.enabled === undefined, 'idmap.enabled is a boolean when present');
      if (idmap.enabled !== true) {
        // Not recognised: a mount with uidMappings must then be refused, not silently mounted unmapped.
        const failure = await lifecycle(w, (c) => c.mounts.push({ destination: '/tmp', type: 'bind', source: '/tmp', options: ['bind'], uidMappings: [{ containerID: 0, hostID: 1000, size: 1 }], gidMappings: [{ containerID: 0, hostID: 1000, size: 1 }] }));
        expect(failure, 'a runtime that says idmap is not enabled refuses a mount with uidMappings');
      }
    },
  },
];
