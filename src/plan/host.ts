/**
 * What the plan builder needs to know about the host. Detected once per create, passed in, so
 * buildLaunchPlan itself stays a pure function that unit tests can feed any host.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { type CgroupLayout, detectCgroupLayout } from '../cgroups/detect.js';
import type { NamespaceType } from './linux.js';
import { type CapabilityHost, readCapabilityHost } from './process.js';
import { canSetIds, findIdMapHelpers, type Writer } from './id-maps.js';
import { runningInUserNamespace } from '../state/root.js';

export interface HostInfo {
  /** The runtime itself runs in a non-initial user namespace: mknod is not permitted there. */
  inUserNamespace: boolean;
  /** The capabilities this kernel knows and the runtime can grant. */
  capabilities: CapabilityHost;
  cgroups: CgroupLayout;
  /** /proc/kcore exists, so /dev/core can point at it (as runc does). */
  hasKcore: boolean;
  /** The runtime's own namespaces (dev:ino of /proc/self/ns/*) that a joined one must not be, for sysctls. */
  namespaceIds: Partial<Record<NamespaceType, string>>;
  /** Who writes a new user namespace's maps (plan/id-maps.ts). */
  idMapWriter: Writer;
  /** AppArmor is enabled in this kernel: a process.apparmorProfile can be applied. */
  apparmor: boolean;
  /** SELinux is enabled: process.selinuxLabel and linux.mountLabel can be applied. */
  selinux: boolean;
}

/** /proc/self/ns file names of the namespaces whose sysctls a container may set. */
const NS_FILES: Partial<Record<NamespaceType, string>> = { network: 'net', ipc: 'ipc', uts: 'uts' };

/** Reads the facts about this host from /proc. */
export function detectHost(): HostInfo {
  const capabilities = readCapabilityHost((p) => readFileSync(p, 'utf8'));
  return {
    inUserNamespace: runningInUserNamespace(),
    capabilities,
    cgroups: detectCgroupLayout(),
    hasKcore: existsSync('/proc/kcore'),
    namespaceIds: Object.fromEntries(
      Object.entries(NS_FILES).map(([type, file]) => {
        const st = statSync(`/proc/self/ns/${file}`);
        return [type, `${st.dev}:${st.ino}`];
      }),
    ),
    idMapWriter: idMapWriter(canSetIds(capabilities.effective)),
    apparmor: apparmorEnabled(),
    selinux: selinuxEnabled(),
  };
}

/** AppArmor is enabled (runc's check: the module parameter says "Y"). */
export function apparmorEnabled(): boolean {
  try {
    return readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  } catch {
    return false;
  }
}

/** SELinux is enabled (libselinux's test: selinuxfs is mounted). */
export function selinuxEnabled(): boolean {
  return existsSync('/sys/fs/selinux/enforce');
}

/** Who writes id maps; the setuid helpers are looked for only by a runtime that cannot write them itself. */
function idMapWriter(privileged: boolean): Writer {
  return { euid: process.geteuid?.() ?? 0, egid: process.getegid?.() ?? 0, privileged, helpers: privileged ? {} : findIdMapHelpers(existsSync) };
}
