/**
 * linux.sysctl (config-linux.md "Sysctl") → the files the init writes under /proc/sys.
 *
 * A key becomes a path, so it is first parsed into name components and every component checked:
 * "net/../vm/swappiness" must never reach the host's vm.swappiness through the kernel's own ".."
 * handling. The namespace the setting belongs to is decided from the parsed components, and only a
 * namespace the container has, and that is not the runtime's own, may be written. The init then
 * writes through a verified procfs handle (addon/src/procfs.h), the second line of defence.
 */
import { ConfigError } from '../errors.js';
import type { NamespaceType } from './linux.js';

const SECTION = 'config-linux.md#configLinuxSysctl';

/** What the sysctl plan needs to know about the container's namespaces. */
export interface SysctlNamespaces {
  /** The container has this namespace, new or joined. */
  has(type: NamespaceType): boolean;
  /** The container joins this namespace by a path that names the runtime's own (the host's) one. */
  isRuntimeOwn(type: NamespaceType): boolean;
}

/**
 * Characters of kernel sysctl names: letters, digits, "_" and "-". Interface names
 * (net/ipv4/conf/eth0.100/…) may also hold "." "@" and "+", and only the slash form can carry them,
 * since the dotted form splits at every ".".
 */
const NAME = /^[A-Za-z0-9_-]+$/;
const INTERFACE_NAME = /^[A-Za-z0-9_.@+-]+$/;
/** NAME_MAX: no sysctl file name is longer. */
const MAX_COMPONENT = 255;

/** IPC-namespaced sysctls (runc's list, ipc/ipc_sysctl.c); fs.mqueue.* too. */
const IPC_SYSCTLS = new Set(['kernel.msgmax', 'kernel.msgmnb', 'kernel.msgmni', 'kernel.sem', 'kernel.shmall', 'kernel.shmmax', 'kernel.shmmni', 'kernel.shm_rmid_forced']);

/**
 * Splits a sysctl key into its name components ("net.ipv4.ip_forward" or "net/ipv4/ip_forward"),
 * or says why it is not a sysctl name.
 */
export function parseSysctlKey(key: string): { components: string[] } | { error: string } {
  const slashForm = key.includes('/');
  const components = key.split(slashForm ? '/' : '.');
  const allowed = slashForm ? INTERFACE_NAME : NAME;
  for (const c of components) {
    if (c === '' || c === '.' || c === '..') {
      return { error: `is not a sysctl name: ${c === '' ? 'an empty component' : `a "${c}" component`} is not allowed` };
    }
    if (!allowed.test(c) || c.length > MAX_COMPONENT) {
      return {
        error: `is not a sysctl name: component ${JSON.stringify(c)} may only hold letters, digits, "_" and "-"${slashForm ? ' (and "." "@" "+" in an interface name)' : ''}`,
      };
    }
  }
  return { components };
}

/** The JSON pointer of a key of linux.sysctl (RFC 6901 escapes). */
function pointerOf(key: string): string {
  return `/linux/sysctl/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`;
}

/**
 * Which namespace a sysctl belongs to, from its components; undefined for a setting of the whole
 * host, which no container may change.
 */
export function sysctlNamespace(components: readonly string[]): NamespaceType | 'hostname' | undefined {
  const dotted = components.join('.');
  if (components[0] === 'net' && components.length > 1) return 'network';
  if (IPC_SYSCTLS.has(dotted) || (components[0] === 'fs' && components[1] === 'mqueue' && components.length > 2)) return 'ipc';
  if (dotted === 'kernel.domainname') return 'uts';
  if (dotted === 'kernel.hostname') return 'hostname';
  return undefined;
}

const NAMESPACE_NAMES: Partial<Record<NamespaceType, string>> = { network: 'a network', ipc: 'an ipc', uts: 'a uts' };

/** Plans linux.sysctl: [path under /proc/sys, value] in config order; throws ConfigError with the key's pointer. */
export function planSysctl(sysctl: Record<string, string>, ns: SysctlNamespaces): Array<[string, string]> {
  return Object.entries(sysctl).map(([key, value]) => {
    const refuse = (why: string) => new ConfigError('config.json', pointerOf(key), why, SECTION);
    const parsed = parseSysctlKey(key);
    if ('error' in parsed) throw refuse(parsed.error);
    const { components } = parsed;
    const type = sysctlNamespace(components);
    if (type === 'hostname') throw refuse('kernel.hostname conflicts with the hostname field; set "hostname" instead');
    if (type === undefined) throw refuse('is not in a kernel namespace the container can have: it would change the host');
    const [what, need, are] = type === 'network' ? ['net.* sysctls', 'need', 'are'] : type === 'ipc' ? ['IPC sysctls', 'need', 'are'] : ['kernel.domainname', 'needs', 'is'];
    if (!ns.has(type)) throw refuse(`${what} ${need} ${NAMESPACE_NAMES[type]} namespace: this one would change the host`);
    if (ns.isRuntimeOwn(type)) throw refuse(`${what} ${are} not allowed in the runtime's own ${type} namespace (joined by path): this one would change the host`);
    return [components.join('/'), value];
  });
}
