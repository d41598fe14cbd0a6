/**
 * linux.netDevices at create time (config-linux.md "Network Devices"): the devices the plan names go
 * from the runtime's network namespace into the container's (a new one, or one joined by path),
 * renamed, with their permanent global addresses, up.
 *
 * The init's stage 1 lends a NETLINK_ROUTE socket it made in that namespace (sync.h
 * SYNC_NETNS_SOCKET, addon/src/init/netdev.c) and waits. Through it the runtime works inside that
 * namespace without entering it (Node never sits in the container's namespaces), and with its own
 * privileges, which the move needs over the runtime's namespace and a new user namespace would take
 * from the init.
 *
 * Nothing is moved back at delete (the spec forbids it). When a new namespace dies (the container is
 * deleted, or a failed create kills its init) the kernel returns physical devices to the initial
 * namespace and destroys virtual ones, a veth with its peer (network_namespaces(7)). A namespace
 * joined by path outlives the container, so a create that fails after the move takes the devices
 * back out of it itself: the runtime's again, under their own names, with their addresses and up
 * if they were (undoNetDevices).
 */
import { closeSync } from 'node:fs';
import { ConfigError, SyscallError, TsruncError } from '../errors.js';
import type { NetAddress } from '../native.js';
import { native } from '../native.js';
import { addressesToRestore, formatAddress, isTemplate, NET_DEVICES_SECTION, type PlannedNetDevice } from '../plan/net-devices.js';
import type { Logger } from './logger.js';

/** A device create moved: enough to give it back to the runtime's namespace as it was. */
export interface MovedNetDevice {
  hostName: string;
  /** Its ifindex in the container's namespace. */
  index: number;
  /** Its addresses before the move (in the runtime's namespace). */
  addresses: NetAddress[];
  wasUp: boolean;
}

/** What a create that fails must take back: the devices it moved into a namespace that outlives it. */
export interface NetDevicesUndo {
  /** The lent socket's copy, kept open until create ends (the caller closes it). */
  socket: number;
  moved: MovedNetDevice[];
}

/**
 * Copies the socket stage 1 (`pid`) lent as its fd `fd` and moves `devices` into its namespace. For a
 * new namespace the copy is closed at once: from then on only the container's processes hold it, so
 * it dies with them. For one joined by path (`joined`) the copy is returned with what moved, for
 * undoNetDevices should create fail later; a failure here takes back what had moved already.
 */
export function moveNetDevicesThrough(pid: number, fd: number, devices: readonly PlannedNetDevice[], log: Logger, joined: boolean): NetDevicesUndo | undefined {
  const n = native();
  const pidfd = n.pidfdOpen(pid);
  let socket: number;
  try {
    socket = n.pidfdGetfd(pidfd, fd);
  } finally {
    closeSync(pidfd);
  }
  const moved: MovedNetDevice[] = [];
  try {
    moveNetDevices(devices, socket, log, moved);
  } catch (e) {
    if (joined) undoNetDevices({ socket, moved }, log);
    closeSync(socket);
    throw e;
  }
  if (joined) return { socket, moved };
  closeSync(socket);
  return undefined;
}

/**
 * Gives each moved device back to the runtime's namespace, last moved first, under its own name,
 * with its permanent global addresses, up if it was. Best effort: what fails is a warning, the rest
 * goes on (create is failing already).
 */
export function undoNetDevices(undo: NetDevicesUndo, log: Logger): void {
  const n = native();
  for (const m of [...undo.moved].reverse()) {
    const step = (what: string, fn: () => void) => {
      try {
        fn();
        return true;
      } catch (e) {
        log.warn(`cleanup after a failed create: network device \`${m.hostName}\`: ${what}: ${(e as Error).message}`);
        return false;
      }
    };
    if (!step('move it back to the runtime\'s network namespace', () => n.netMoveLink(m.index, m.hostName, -1, undo.socket))) continue;
    const back = n.netLinks(-1).find((l) => l.name === m.hostName);
    if (!back) {
      log.warn(`cleanup after a failed create: network device \`${m.hostName}\` was moved back but is not found under its name`);
      continue;
    }
    for (const a of addressesToRestore(m.addresses, m.hostName, m.hostName)) step(`add address ${formatAddress(a)}`, () => n.netAddAddress(-1, back.index, a));
    if (m.wasUp) step('set it up', () => n.netSetLinkUp(-1, back.index));
    log.debug(`network device ${m.hostName} moved back to the runtime's network namespace (ifindex ${back.index})`);
  }
}

/**
 * Moves each device, in the plan's order (fixed names before templates), into the namespace of
 * `nsSocket`:
 *   1. its addresses are read in the runtime's namespace (the move drops them all);
 *   2. one RTM_NEWLINK moves and renames it (the kernel numbers a "%d" template there);
 *   3. it is found there as the one link that was not there before: its ifindex is kept only when
 *      free there, and a template's name is the kernel's choice;
 *   4. its permanent global addresses are added back, and it is set up.
 * What can fail before a move is checked for every device before the first one moves: a move whose
 * rename fails leaves the device in the container's namespace, and a veth would die with it.
 */
export function moveNetDevices(devices: readonly PlannedNetDevice[], nsSocket: number, log: Logger, moved: MovedNetDevice[] = []): void {
  const n = native();
  const inside = n.netLinks(nsSocket);
  const host = new Map(n.netLinks(-1).map((l) => [l.name, l]));
  const taken = new Set(inside.map((l) => l.name));
  for (const d of devices) {
    if (!host.has(d.hostName)) {
      throw new ConfigError('config.json', d.pointer, `there is no network device \`${d.hostName}\` in the runtime's network namespace (any more)`, NET_DEVICES_SECTION);
    }
    if (!isTemplate(d.name) && taken.has(d.name)) {
      throw new ConfigError('config.json', d.namePointer, `\`${d.name}\` is taken in the container's network namespace (a device of that name is there already); a template such as "eth%d" gets a free name`, NET_DEVICES_SECTION);
    }
  }

  let known = new Set(inside.map((l) => l.index));
  for (const d of devices) {
    const link = host.get(d.hostName)!;
    const addresses = call(() => n.netAddresses(-1, link.index), 'read the addresses of network device', `\`${d.hostName}\``);
    const as = d.name === d.hostName ? '' : ` as \`${d.name}\``;
    call(() => n.netMoveLink(link.index, d.name, nsSocket), 'move network device', `\`${d.hostName}\` into the container's network namespace${as}`);
    const now = n.netLinks(nsSocket);
    const arrived = now.filter((l) => !known.has(l.index));
    if (arrived.length !== 1) {
      throw new TsruncError(`network device \`${d.hostName}\` was moved, but ${arrived.length} devices are new in the container's network namespace: cannot tell which it is`);
    }
    const arrivedLink = arrived[0]!;
    moved.push({ hostName: d.hostName, index: arrivedLink.index, addresses, wasUp: link.up });
    known = new Set(now.map((l) => l.index));
    const restored = addressesToRestore(addresses, d.hostName, arrivedLink.name);
    for (const a of restored) call(() => n.netAddAddress(nsSocket, arrivedLink.index, a), 'add address', `${formatAddress(a)} to network device \`${arrivedLink.name}\``);
    call(() => n.netSetLinkUp(nsSocket, arrivedLink.index), 'set up network device', `\`${arrivedLink.name}\``);
    const kept = restored.length ? `, addresses ${restored.map(formatAddress).join(' ')}` : '';
    log.debug(`network device ${d.hostName} moved into the container as ${arrivedLink.name} (ifindex ${arrivedLink.index}${kept})`);
  }
}

/** Runs a netlink call; a failure reads as the operation on what, with the kernel's own words if it gave any. */
function call<T>(fn: () => T, operation: string, what: string): T {
  try {
    return fn();
  } catch (e) {
    if (!(e instanceof SyscallError)) throw e;
    const said = (e.cause as { kernelMessage?: string } | undefined)?.kernelMessage;
    const out = new SyscallError(operation, said ? `${what} (the kernel says: ${said})` : what, e.errno, e.code);
    out.cause = e;
    throw out;
  }
}
