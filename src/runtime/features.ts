/**
 * What this build and this host support, as features.md and features-linux.md describe it. It must
 * be truthful: containerd refuses idmapped mounts unless `idmap` is enabled here, and Docker adds a
 * time namespace when it is listed. Whatever tsrunc refuses in a config is not advertised.
 */
import fs from 'node:fs';
import { CAPABILITIES } from '../plan/linux.js';
import { knownMountOptions } from '../plan/mounts.js';
import { MPOL_FLAGS, MPOL_MODES } from '../plan/process-linux.js';
import { KNOWN_FLAGS, SCMP_ACT, SCMP_CMP, SECCOMP_FILTER_FLAG } from '../plan/seccomp.js';
import { native } from '../native.js';
import type { Features } from '../spec/generated/features.js';

type SeccompFeatures = NonNullable<NonNullable<Features['linux']>['seccomp']>;
import { OCI_VERSION } from '../version.js';

/** The oldest runtime-spec version whose configs tsrunc accepts. */
export const OCI_VERSION_MIN = '1.0.0';

const NAMESPACES = ['mount', 'pid', 'network', 'uts', 'ipc', 'user', 'cgroup', 'time'] as const;

export interface FeaturesHost {
  /** Namespace kinds the kernel has (a /proc/self/ns entry exists). */
  namespaceAvailable(kind: (typeof NAMESPACES)[number]): boolean;
  capLastCap: number;
  /** libseccomp's version, the architectures it knows, the flags this kernel takes. */
  seccomp: { version: string; archs: string[]; supportedFlags: string[] };
}

/** The architectures of config-linux.md ("as of libseccomp v2.6.0"). */
const SECCOMP_ARCHS = [
  'SCMP_ARCH_X86', 'SCMP_ARCH_X86_64', 'SCMP_ARCH_X32', 'SCMP_ARCH_ARM', 'SCMP_ARCH_AARCH64', 'SCMP_ARCH_MIPS', 'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32', 'SCMP_ARCH_MIPSEL', 'SCMP_ARCH_MIPSEL64', 'SCMP_ARCH_MIPSEL64N32', 'SCMP_ARCH_PPC', 'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE', 'SCMP_ARCH_S390', 'SCMP_ARCH_S390X', 'SCMP_ARCH_PARISC', 'SCMP_ARCH_PARISC64', 'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64', 'SCMP_ARCH_M68K', 'SCMP_ARCH_SH', 'SCMP_ARCH_SHEB',
];

function detectSeccomp(): FeaturesHost['seccomp'] {
  // TSYNC is accepted and has nothing to do (see src/plan/seccomp.ts); WAIT_KILLABLE_RECV is only
  // taken together with a listener, so it is probed with one.
  const probes = KNOWN_FLAGS.map((f) => (f === 'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV' ? SECCOMP_FILTER_FLAG[f] | SECCOMP_FILTER_FLAG.SECCOMP_FILTER_FLAG_NEW_LISTENER : SECCOMP_FILTER_FLAG[f]));
  const info = native().seccompInfo(probes, SECCOMP_ARCHS.map((a) => a.replace(/^SCMP_ARCH_/, '').toLowerCase()));
  return {
    version: info.version,
    archs: SECCOMP_ARCHS.filter((_, i) => info.archs[i]).sort(),
    supportedFlags: KNOWN_FLAGS.filter((f, i) => f === 'SECCOMP_FILTER_FLAG_TSYNC' || info.supported[i]),
  };
}

const NS_FILE: Record<(typeof NAMESPACES)[number], string> = {
  mount: 'mnt', pid: 'pid', network: 'net', uts: 'uts', ipc: 'ipc', user: 'user', cgroup: 'cgroup', time: 'time',
};

export function detectFeaturesHost(): FeaturesHost {
  return {
    namespaceAvailable: (kind) => fs.existsSync(`/proc/self/ns/${NS_FILE[kind]}`),
    capLastCap: Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim()),
    seccomp: detectSeccomp(),
  };
}

export function features(host: FeaturesHost = detectFeaturesHost()): Features {
  return {
    ociVersionMin: OCI_VERSION_MIN,
    ociVersionMax: OCI_VERSION,
    hooks: ['prestart', 'createRuntime', 'createContainer', 'startContainer', 'poststart', 'poststop'],
    mountOptions: knownMountOptions(),
    linux: {
      namespaces: NAMESPACES.filter((n) => host.namespaceAvailable(n)),
      capabilities: Object.entries(CAPABILITIES)
        .filter(([, bit]) => bit <= host.capLastCap)
        .sort((a, b) => a[1] - b[1])
        .map(([name]) => name),
      // Both drivers exist, rdma limits included; the systemd driver does not yet.
      cgroup: { v1: true, v2: true, systemd: false, systemdUser: false, rdma: true },
      seccomp: {
        enabled: true,
        actions: (Object.keys(SCMP_ACT) as Array<keyof typeof SCMP_ACT>).sort(),
        operators: (Object.keys(SCMP_CMP) as Array<keyof typeof SCMP_CMP>).sort(),
        archs: host.seccomp.archs as SeccompFeatures['archs'],
        knownFlags: [...KNOWN_FLAGS],
        supportedFlags: host.seccomp.supportedFlags as SeccompFeatures['supportedFlags'],
      },
      // features-linux.md: whether the runtime supports it, "irrelevant to the availability of
      // AppArmor on the host" (where it is not enabled, a profile other than unconfined is refused).
      apparmor: { enabled: true },
      // As apparmor: labels are applied where the host runs SELinux, refused where it does not.
      selinux: { enabled: true },
      // Applied where the host mounts resctrl (refused where it does not).
      intelRdt: { enabled: true, schemata: true, monitoring: true },
      // Recognised and applied (bind mounts, a runtime that may write id maps); "irrespective of the
      // availability of the features on the host" (features-linux.md).
      mountExtensions: { idmap: { enabled: true } },
      // Moved in, renamed, up, addresses kept (linux.netDevices into a new network namespace).
      netDevices: { enabled: true },
      memoryPolicy: { modes: Object.keys(MPOL_MODES), flags: Object.keys(MPOL_FLAGS) },
    },
    // As runc reports it: which libseccomp the profiles are compiled with.
    annotations: { 'io.github.seccomp.libseccomp.version': host.seccomp.version },
  };
}
