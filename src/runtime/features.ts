/**
 * What this build and this host support, as features.md and features-linux.md describe it. It must
 * be truthful: containerd refuses idmapped mounts unless `idmap` is enabled here, and Docker adds a
 * time namespace when it is listed. Whatever tsrunc refuses in a config is not advertised.
 */
import fs from 'node:fs';
import { CAPABILITIES } from '../plan/linux.js';
import { knownMountOptions } from '../plan/mounts.js';
import type { Features } from '../spec/generated/features.js';
import { OCI_VERSION } from '../version.js';

/** The oldest runtime-spec version whose configs tsrunc accepts. */
export const OCI_VERSION_MIN = '1.0.0';

const NAMESPACES = ['mount', 'pid', 'network', 'uts', 'ipc', 'user', 'cgroup', 'time'] as const;

export interface FeaturesHost {
  /** Namespace kinds the kernel has (a /proc/self/ns entry exists). */
  namespaceAvailable(kind: (typeof NAMESPACES)[number]): boolean;
  capLastCap: number;
}

const NS_FILE: Record<(typeof NAMESPACES)[number], string> = {
  mount: 'mnt', pid: 'pid', network: 'net', uts: 'uts', ipc: 'ipc', user: 'user', cgroup: 'cgroup', time: 'time',
};

export function detectFeaturesHost(): FeaturesHost {
  return {
    namespaceAvailable: (kind) => fs.existsSync(`/proc/self/ns/${NS_FILE[kind]}`),
    capLastCap: Number(fs.readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim()),
  };
}

export function features(host: FeaturesHost = detectFeaturesHost()): Features {
  const disabled = { enabled: false };
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
      seccomp: disabled,
      apparmor: disabled,
      selinux: disabled,
      intelRdt: disabled,
      mountExtensions: { idmap: disabled },
      netDevices: disabled,
    },
    annotations: {},
  };
}
