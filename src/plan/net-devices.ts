/**
 * linux.netDevices (config-linux.md "Network Devices") → the devices create moves from the runtime's
 * network namespace into the container's (a new one, or one joined by path), the names they get
 * there, and the addresses they keep.
 *
 * What can be known before the container exists is checked here, so a config that cannot be
 * honoured is refused before anything is made: the names (what the kernel takes; a template only as
 * a trailing %d), one name given to two devices, a name every new namespace already has (lo), a
 * device the runtime's namespace lacks or the kernel will not move. What only the new namespace can
 * tell (another device there under that name) is checked by create before the first device moves
 * (src/runtime/net-devices.ts).
 */
import { ConfigError } from '../errors.js';
import type { NetAddress, NetLink } from '../native.js';
import type { NetDevice } from '../spec/generated/config.js';

export const NET_DEVICES_SECTION = 'config-linux.md#configLinuxNetworkDevices';

export interface PlannedNetDevice {
  /** Its name in the runtime's network namespace (the entry's key). */
  hostName: string;
  /** Its name in the container's: fixed, or a template ending in %d that the kernel numbers. */
  name: string;
  /** JSON pointer of the entry (/linux/netDevices/<key>). */
  pointer: string;
  /** JSON pointer of what chose `name`: the entry's `name`, or the entry itself when it defaults to the key. */
  namePointer: string;
}

/** What the plan needs to know about the namespaces. */
export interface NetDeviceContext {
  /** The container's network namespace: a new one, one joined by path, or the runtime's own (none, or a path to it). */
  networkNamespace: 'new' | 'joined' | 'none';
  /** The runtime holds CAP_NET_ADMIN, without which the kernel moves no device. */
  mayMove: boolean;
  /** The links of the runtime's network namespace; read only when there are devices to move. */
  hostLinks: () => NetLink[];
}

/** IFNAMSIZ - 1: the longest interface name the kernel takes, in bytes. */
const MAX_NAME_BYTES = 15;

/** A name the kernel numbers: "eth%d" becomes the first free eth0, eth1, … in the namespace. */
export function isTemplate(name: string): boolean {
  return name.includes('%');
}

/**
 * Why `name` is no interface name the kernel takes (dev_valid_name in net/core/dev.c: 1 to 15
 * bytes, not "." or "..", no "/", ":" or white space), or undefined. A template (allowed only for
 * the name inside the container) holds one "%", as a trailing "%d", as the spec describes it.
 */
export function interfaceNameError(name: string, template: boolean): string | undefined {
  const bytes = Buffer.byteLength(name);
  if (bytes === 0) return 'is empty: an interface name has 1 to 15 bytes';
  if (bytes > MAX_NAME_BYTES) return `is ${bytes} bytes long: an interface name has at most 15 (IFNAMSIZ - 1)`;
  if (name === '.' || name === '..') return `is not an interface name: "${name}" is not allowed`;
  // The kernel's isspace(): space, \t \n \v \f \r; and a NUL would end the name early.
  const bad = /[/:\s\0]/.exec(name);
  if (bad) return `is not an interface name: it holds ${JSON.stringify(bad[0])} (no "/", ":" or white space)`;
  if (!name.includes('%')) return undefined;
  if (!template) return 'is a name template ("%"), not the name of a device';
  if (!/^[^%]*%d$/.test(name)) return 'may hold "%" only as a trailing "%d" (a template the kernel numbers, e.g. "eth%d")';
  return undefined;
}

const cannotMove = (name: string) => `\`${name}\` cannot be moved: the kernel keeps it in its network namespace (netns-immutable, as lo and bridges are)`;

const escapeToken = (key: string) => key.replace(/~/g, '~0').replace(/\//g, '~1');

/**
 * The devices to move, fixed names first: a template is then numbered around them, so "eth%d" never
 * takes the "eth0" another entry asks for. Throws ConfigError for what cannot be honoured.
 */
export function planNetDevices(netDevices: Record<string, NetDevice> | undefined, ctx: NetDeviceContext): PlannedNetDevice[] {
  const entries = Object.entries(netDevices ?? {});
  if (entries.length === 0) return [];
  const fail = (pointer: string, expected: string) => new ConfigError('config.json', pointer, expected, NET_DEVICES_SECTION);
  if (ctx.networkNamespace === 'none') {
    throw fail('/linux/netDevices', 'needs a network namespace of the container\'s own (a "network" entry in linux.namespaces, new or joined by a path that is not the runtime\'s): the devices are moved into it');
  }

  if (!ctx.mayMove) throw fail('/linux/netDevices', 'needs CAP_NET_ADMIN, which the runtime does not have (rootless?): the kernel moves no network device without it');

  const planned: PlannedNetDevice[] = [];
  const named = new Map<string, string>(); // fixed name → the pointer that chose it first
  for (const [hostName, device] of entries) {
    const pointer = `/linux/netDevices/${escapeToken(hostName)}`;
    const keyError = interfaceNameError(hostName, false);
    if (keyError) throw fail(pointer, `the key, the device's name in the runtime's network namespace, ${keyError}`);
    if (hostName === 'lo') throw fail(pointer, cannotMove('lo'));
    // An empty name is no name, as runc and youki read it (Go's omitempty cannot tell them apart).
    const hasName = device.name !== undefined && device.name !== '';
    const name = hasName ? device.name! : hostName;
    const namePointer = hasName ? `${pointer}/name` : pointer;
    if (hasName) {
      const nameError = interfaceNameError(name, true);
      if (nameError) throw fail(namePointer, nameError);
    }
    if (!isTemplate(name)) {
      if (name === 'lo') throw fail(namePointer, '`lo` is taken in every network namespace (its loopback device); a template such as "eth%d" gets a free name');
      const first = named.get(name);
      if (first !== undefined) throw fail(namePointer, `\`${name}\` is the name ${first} already gives a device: names in the container's network namespace are unique`);
      named.set(name, namePointer);
    }
    planned.push({ hostName, name, pointer, namePointer });
  }

  const links = new Map(ctx.hostLinks().map((l) => [l.name, l]));
  for (const d of planned) {
    const link = links.get(d.hostName);
    if (!link) throw fail(d.pointer, `there is no network device \`${d.hostName}\` in the runtime's network namespace`);
    // The kernel says so since Linux 6.15; before, the move itself fails (EINVAL), still before anything changed.
    if (link.netnsImmutable === true) throw fail(d.pointer, cannotMove(d.hostName));
  }
  return [...planned.filter((d) => !isTemplate(d.name)), ...planned.filter((d) => isTemplate(d.name))];
}

export const AF_INET = 2;
export const AF_INET6 = 10;
/** RT_SCOPE_UNIVERSE (rtnetlink.h): global scope. */
export const RT_SCOPE_UNIVERSE = 0;

/** IFA_F_* (if_addr.h). */
export const IFA_F = {
  SECONDARY: 0x01,
  NODAD: 0x02,
  OPTIMISTIC: 0x04,
  DADFAILED: 0x08,
  HOMEADDRESS: 0x10,
  DEPRECATED: 0x20,
  TENTATIVE: 0x40,
  PERMANENT: 0x80,
  MANAGETEMPADDR: 0x100,
  NOPREFIXROUTE: 0x200,
  MCAUTOJOIN: 0x400,
  STABLE_PRIVACY: 0x800,
} as const;

/**
 * The flags that say how an address was configured, as RTM_NEWADDR takes them. The others describe
 * its state (tentative, deprecated, secondary, permanent…), which the kernel works out anew: an
 * address added without lifetimes is permanent again.
 */
const CONFIGURED_FLAGS = IFA_F.NODAD | IFA_F.HOMEADDRESS | IFA_F.MANAGETEMPADDR | IFA_F.NOPREFIXROUTE | IFA_F.MCAUTOJOIN;

/**
 * The addresses a moved device gets back, as RTM_NEWADDR takes them: config-linux.md keeps "all
 * permanent IP addresses (IFA_F_PERMANENT flag) of any family with global scope (RT_SCOPE_UNIVERSE)".
 * The move drops every address; dynamic ones (with lifetimes: SLAAC, DHCP) and link- or host-scoped
 * ones belonged to the old namespace and stay behind. An IPv4 label that named the device follows
 * its new name (`name` is the final one, a template already numbered).
 */
export function addressesToRestore(addresses: readonly NetAddress[], hostName: string, name: string): NetAddress[] {
  return addresses
    .filter((a) => (a.flags & IFA_F.PERMANENT) !== 0 && a.scope === RT_SCOPE_UNIVERSE)
    .map((a) => {
      const { label, ...rest } = a;
      const out: NetAddress = { ...rest, flags: a.flags & CONFIGURED_FLAGS };
      const relabelled = relabel(label, hostName, name);
      if (relabelled !== undefined) out.label = relabelled;
      return out;
    });
}

/** "veth0:web" → "ctr0:web"; the device's own name is the kernel's default and is left out. */
function relabel(label: string | undefined, hostName: string, name: string): string | undefined {
  if (label === undefined || label === hostName) return undefined;
  if (!label.startsWith(`${hostName}:`)) return label;
  const renamed = `${name}${label.slice(hostName.length)}`;
  return Buffer.byteLength(renamed) <= MAX_NAME_BYTES ? renamed : undefined;
}

/** "192.0.2.17/24", "2001:db8::17/64", for messages. */
export function formatAddress(a: NetAddress): string {
  const bytes = a.local ?? a.address;
  if (!bytes) return `(no address)/${a.prefixlen}`;
  if (bytes.length === 4) return `${[...bytes].join('.')}/${a.prefixlen}`;
  if (bytes.length !== 16) return `${bytes.toString('hex')}/${a.prefixlen}`;
  const groups = Array.from({ length: 8 }, (_, i) => bytes.readUInt16BE(i * 2).toString(16));
  // RFC 5952: the longest run of two or more zero groups becomes "::".
  let best = { at: -1, len: 1 };
  for (let i = 0; i < 8; ) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.len) best = { at: i, len: j - i };
    i = j === i ? i + 1 : j;
  }
  const text = best.at < 0 ? groups.join(':') : `${groups.slice(0, best.at).join(':')}::${groups.slice(best.at + best.len).join(':')}`;
  return `${text}/${a.prefixlen}`;
}
