/**
 * Cgroup ownership (config-linux.md "Cgroup ownership"): on cgroup v2, a container with its own
 * cgroup namespace and a read-write cgroup mount at /sys/fs/cgroup gets its cgroup delegated to
 * the host uid its process runs as, so it can manage its own subtree (as systemd in a container
 * expects). Never on v1, where delegation is not secure. Pure: the caller reads the host.
 */
import path from 'node:path';
import type { Spec } from '../spec/generated/config.js';
import type { CgroupLayout } from './detect.js';

/** config-linux.md: the files to hand over when /sys/kernel/cgroup/delegate does not exist. */
export const FALLBACK_DELEGATE_FILES = ['cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads'];

/**
 * The host uid the container's cgroup is to be owned by, or undefined when the rules say to leave
 * it alone: not pure v2, no new cgroup namespace, no read-write cgroup mount at /sys/fs/cgroup, or
 * a process uid the config's user namespace does not map (or one joined by path, whose maps are
 * not the config's).
 */
export function cgroupOwner(spec: Spec, layout: CgroupLayout['kind']): number | undefined {
  if (layout !== 'v2') return undefined;
  const namespaces = spec.linux?.namespaces ?? [];
  if (!namespaces.some((n) => n.type === 'cgroup' && !n.path)) return undefined;
  const rwCgroupMount = (spec.mounts ?? []).some(
    (m) => m.source === 'cgroup' && path.posix.join('/', m.destination ?? '', '/') === '/sys/fs/cgroup/' && !(m.options ?? []).includes('ro'),
  );
  if (!rwCgroupMount) return undefined;
  const uid = spec.process?.user?.uid ?? 0;
  const userns = namespaces.find((n) => n.type === 'user');
  if (!userns) return uid;
  if (userns.path) return undefined;
  const m = (spec.linux?.uidMappings ?? []).find((e) => uid >= e.containerID && uid - e.containerID < e.size);
  return m ? m.hostID + (uid - m.containerID) : undefined;
}

/** The files of a cgroup to hand over: the directory itself, then the kernel's delegate list. */
export function delegateFiles(delegateList: string | undefined): string[] {
  const listed = delegateList === undefined ? FALLBACK_DELEGATE_FILES : delegateList.split('\n').map((l) => l.trim()).filter(Boolean);
  return ['.', ...listed.filter((f) => !f.includes('/') && f !== '.' && f !== '..')];
}
