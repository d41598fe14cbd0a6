// linux.netDevices without root: what the plan refuses (with its JSON pointer) and keeps, the wire
// record that asks the init for a socket, the addresses a device gets back, and the moves create
// makes, over a fake of the addon that models two network namespaces as the kernel treats them.
import fs from 'node:fs';
import t, { type Test } from 'tap';
import { ConfigError, SyscallError, TsruncError } from '../../src/errors.js';
import { type NetAddress, type NetLink, setNativeForTesting } from '../../src/native.js';
import { buildLaunchPlan, type PlanOptions } from '../../src/plan/build.js';
import { encodePlan, PlanTag } from '../../src/plan/encode.js';
import type { HostInfo } from '../../src/plan/host.js';
import { addressesToRestore, AF_INET, AF_INET6, formatAddress, IFA_F, interfaceNameError, type NetDeviceContext, planNetDevices, type PlannedNetDevice } from '../../src/plan/net-devices.js';
import { Children, runHandshake } from '../../src/runtime/create.js';
import { SyncType } from '../../src/runtime/init-steps.js';
import { moveNetDevices, moveNetDevicesThrough, undoNetDevices } from '../../src/runtime/net-devices.js';
import type { NetDevice } from '../../src/spec/generated/config.js';
import { FakeNative } from '../helpers/native-fake.js';
import { baseSpec } from '../helpers/specs.js';

t.teardown(() => setNativeForTesting(undefined));

const HOST: NetLink[] = [
  { index: 1, name: 'lo', up: true },
  { index: 2, name: 'eth0', up: true },
  { index: 7, name: 'veth0', up: true },
  { index: 8, name: 'veth1', up: false },
  { index: 9, name: 'br0', up: true, netnsImmutable: true },
];
const ctx = (over: Partial<NetDeviceContext> = {}): NetDeviceContext => ({ networkNamespace: 'new', mayMove: true, hostLinks: () => HOST, ...over });
const plan = (devices: Record<string, NetDevice>, over: Partial<NetDeviceContext> = {}) => planNetDevices(devices, ctx(over));

/** The ConfigError `fn` throws: its pointer and message. */
function refusal(t: Test, fn: () => unknown): { pointer: string | null; message: string } {
  try {
    fn();
  } catch (e) {
    t.type(e, ConfigError);
    return { pointer: (e as ConfigError).pointer, message: (e as Error).message };
  }
  t.fail('expected a ConfigError');
  return { pointer: null, message: '' };
}

t.test('names: what the kernel takes, a template only as a trailing %d', async (t) => {
  t.equal(interfaceNameError('eth0', false), undefined);
  t.equal(interfaceNameError('a-b_c.d@e+f', false), undefined);
  t.equal(interfaceNameError('abcdefghijklmno', false), undefined, '15 bytes is the most');
  t.match(interfaceNameError('abcdefghijklmnop', false), /16 bytes long: .* at most 15/);
  t.match(interfaceNameError('ééééééééé', false), /18 bytes long/, 'bytes, not characters');
  t.match(interfaceNameError('', false), /empty/);
  t.match(interfaceNameError('.', false), /"\." is not allowed/);
  t.match(interfaceNameError('..', false), /"\.\." is not allowed/);
  for (const bad of ['a/b', 'a:b', 'a b', 'a\tb', 'a\nb', 'a\0b']) t.match(interfaceNameError(bad, true), /no "\/", ":" or white space/, JSON.stringify(bad));
  t.equal(interfaceNameError('eth%d', true), undefined);
  t.equal(interfaceNameError('abcdefghijklm%d', true), undefined, 'a template of 15 bytes');
  t.match(interfaceNameError('eth%d', false), /is a name template/, 'a device on the host has a real name');
  for (const bad of ['e%dx', 'eth%s', 'e%d%d', '%%d', 'eth%']) t.match(interfaceNameError(bad, true), /only as a trailing "%d"/, bad);
});

t.test('the plan: each device, fixed names before templates, host name by default', async (t) => {
  t.same(plan({}), []);
  t.same(plan({ veth0: { name: 'eth%d' }, eth0: {}, veth1: { name: 'ctr1' } }), [
    { hostName: 'eth0', name: 'eth0', pointer: '/linux/netDevices/eth0', namePointer: '/linux/netDevices/eth0' },
    { hostName: 'veth1', name: 'ctr1', pointer: '/linux/netDevices/veth1', namePointer: '/linux/netDevices/veth1/name' },
    { hostName: 'veth0', name: 'eth%d', pointer: '/linux/netDevices/veth0', namePointer: '/linux/netDevices/veth0/name' },
  ]);
  t.same(plan({ veth0: { name: 'eth%d' }, veth1: { name: 'eth%d' } }).map((d) => d.name), ['eth%d', 'eth%d'], 'one template for two devices: the kernel numbers each');
  t.same(plan({ veth0: { name: '' } })[0], { hostName: 'veth0', name: 'veth0', pointer: '/linux/netDevices/veth0', namePointer: '/linux/netDevices/veth0' }, 'an empty name is no name (as runc)');
  let read = 0;
  planNetDevices(undefined, ctx({ hostLinks: () => (read++, HOST) }));
  t.throws(() => planNetDevices({ veth0: { name: 'a b' } }, ctx({ hostLinks: () => (read++, HOST) })));
  t.equal(read, 0, 'the host is asked only once the config itself is sound');
});

t.test('the plan refuses, naming the pointer', async (t) => {
  const cases: Array<[string, Record<string, NetDevice>, Partial<NetDeviceContext>, string, RegExp]> = [
    ['no network namespace, or the runtime\'s', { veth0: {} }, { networkNamespace: 'none' }, '/linux/netDevices', /needs a network namespace of the container's own/],
    ['rootless', { veth0: {} }, { mayMove: false }, '/linux/netDevices', /needs CAP_NET_ADMIN/],
    ['a bad key', { 'a b': {} }, {}, '/linux/netDevices/a b', /the key, .*white space/],
    ['a key with a slash (escaped)', { 'a/b': {} }, {}, '/linux/netDevices/a~1b', /no "\/"/],
    ['a template as the key', { 'eth%d': {} }, {}, '/linux/netDevices/eth%d', /is a name template/],
    ['a long name', { veth0: { name: 'container-eth-zero' } }, {}, '/linux/netDevices/veth0/name', /18 bytes long/],
    ['a bad template', { veth0: { name: 'e%dx' } }, {}, '/linux/netDevices/veth0/name', /trailing "%d"/],
    ['lo', { veth0: { name: 'lo' } }, {}, '/linux/netDevices/veth0/name', /`lo` is taken in every network namespace/],
    ['lo from the host', { lo: { name: 'x' } }, {}, '/linux/netDevices/lo', /`lo` cannot be moved/],
    ['lo by default', { lo: {} }, {}, '/linux/netDevices/lo', /`lo` cannot be moved/],
    ['a name twice', { veth0: { name: 'ctr0' }, veth1: { name: 'ctr0' } }, {}, '/linux/netDevices/veth1/name', /`ctr0` is the name \/linux\/netDevices\/veth0\/name already gives a device/],
    ['a name twice, one by default', { eth0: {}, veth1: { name: 'eth0' } }, {}, '/linux/netDevices/veth1/name', /`eth0` is the name \/linux\/netDevices\/eth0 already gives/],
    ['a device the host lacks', { nosuch0: { name: 'ctr0' } }, {}, '/linux/netDevices/nosuch0', /no network device `nosuch0` in the runtime's network namespace/],
    ['a device the kernel keeps', { br0: {} }, {}, '/linux/netDevices/br0', /`br0` cannot be moved: .*netns-immutable/],
  ];
  for (const [what, devices, over, pointer, message] of cases) {
    const r = refusal(t, () => plan(devices, over));
    t.equal(r.pointer, pointer, `${what}: pointer`);
    t.match(r.message, message, `${what}: message`);
    t.match(r.message, /^config\.json: .*\(config-linux\.md#configLinuxNetworkDevices\)$/, `${what}: file and section`);
  }
});

const host: HostInfo = {
  inUserNamespace: false,
  capabilities: { lastCap: 40, bounding: (1n << 41n) - 1n, effective: (1n << 41n) - 1n },
  hasKcore: true,
  namespaceIds: { network: 'nsfs:4026531840' },
  idMapWriter: { euid: 0, egid: 0, privileged: true, helpers: {} },
  cgroups: { kind: 'v2', v1: [], unified: '/sys/fs/cgroup' },
  apparmor: false,
  selinux: false,
};
const options = (over: Partial<PlanOptions> = {}): PlanOptions => ({
  bundle: '/b',
  rootfs: '/b/rootfs',
  execFifo: '/run/x/exec.fifo',
  noPivot: false,
  host,
  statSource: () => 'dir',
  readLink: () => undefined,
  namespaceId: () => undefined,
  hostNetLinks: () => HOST,
  ...over,
});

t.test('buildLaunchPlan: the devices, and one record asking the init for a socket of its namespace', async (t) => {
  const spec = baseSpec((s) => (s.linux!.netDevices = { veth0: { name: 'ctr0' } }));
  const p = buildLaunchPlan(spec, options());
  t.same(p.netDevices, [{ hostName: 'veth0', name: 'ctr0', pointer: '/linux/netDevices/veth0', namePointer: '/linux/netDevices/veth0/name' }]);
  const tags = (b: Buffer) => {
    const out: number[] = [];
    for (let off = 12, i = 0; i < b.readUInt32LE(8); i++) {
      out.push(b.readUInt16LE(off));
      off += 8 + b.readUInt32LE(off + 4);
    }
    return out;
  };
  t.same(tags(encodePlan(p)).filter((tag) => tag === PlanTag.NETNS_SOCKET), [PlanTag.NETNS_SOCKET]);
  const none = buildLaunchPlan(baseSpec(), options({ hostNetLinks: () => t.fail('no devices: the host is not asked') as never }));
  t.same(none.netDevices, []);
  t.notOk(tags(encodePlan(none)).includes(PlanTag.NETNS_SOCKET), 'no devices, no socket');
  const joined = baseSpec((s) => {
    s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: '/run/netns/x' } : n));
    s.linux!.netDevices = { veth0: {} };
  });
  t.same(buildLaunchPlan(joined, options({ namespaceId: () => 'other' })).netDevices!.map((d) => d.hostName), ['veth0'], 'a namespace joined by path takes them too');
  const runtimeOwn = options({ namespaceId: () => host.namespaceIds.network! });
  t.throws(() => buildLaunchPlan(joined, runtimeOwn), /\/linux\/netDevices: needs a network namespace of the container's own/, 'but not a path to the runtime\'s own');
  const noCap = { ...host, capabilities: { ...host.capabilities, effective: 0n } };
  t.throws(() => buildLaunchPlan(spec, options({ host: noCap })), /needs CAP_NET_ADMIN/);
});

const v4 = (addr: string, prefixlen: number, over: Partial<NetAddress> = {}): NetAddress => {
  const bytes = Buffer.from(addr.split('.').map(Number));
  return { family: AF_INET, prefixlen, scope: 0, flags: IFA_F.PERMANENT, address: bytes, local: bytes, ...over };
};
const v6 = (hex: string, prefixlen: number, over: Partial<NetAddress> = {}): NetAddress => ({ family: AF_INET6, prefixlen, scope: 0, flags: IFA_F.PERMANENT, address: Buffer.from(hex, 'hex'), ...over });
const DB8_17 = '20010db8000000000000000000000017';

t.test('addresses: the permanent global ones come back, as RTM_NEWADDR takes them', async (t) => {
  const all = [
    v4('192.0.2.17', 24, { broadcast: Buffer.from([192, 0, 2, 255]), label: 'veth0', metric: 50 }),
    v4('192.0.2.18', 24, { flags: IFA_F.PERMANENT | IFA_F.SECONDARY | IFA_F.NOPREFIXROUTE, label: 'veth0:web' }),
    v4('169.254.1.1', 16, { scope: 253 }),
    v4('127.0.0.2', 8, { scope: 254 }),
    v4('198.51.100.7', 24, { flags: 0 }),
    v6(DB8_17, 64, { flags: IFA_F.PERMANENT | IFA_F.NODAD | IFA_F.TENTATIVE }),
    v6('fe800000000000000000000000000001', 64, { scope: 253 }),
    v6('20010db8000000010000000000000001', 64, { flags: IFA_F.MANAGETEMPADDR }),
  ];
  const kept = addressesToRestore(all, 'veth0', 'ctr0');
  t.same(kept.map(formatAddress), ['192.0.2.17/24', '192.0.2.18/24', '2001:db8::17/64'], 'global scope and permanent only: not link or host scope, not dynamic');
  t.same(kept[0], { family: AF_INET, prefixlen: 24, scope: 0, flags: 0, address: Buffer.from([192, 0, 2, 17]), local: Buffer.from([192, 0, 2, 17]), broadcast: Buffer.from([192, 0, 2, 255]), metric: 50 }, 'broadcast and metric kept; a label that is the old name left to the kernel');
  t.equal(kept[1]!.flags, IFA_F.NOPREFIXROUTE, 'how it was configured, not its state (secondary, permanent)');
  t.equal(kept[1]!.label, 'ctr0:web', 'an alias label follows the new name');
  t.equal(kept[2]!.flags, IFA_F.NODAD, 'nodad kept, tentative dropped');
  t.equal(addressesToRestore([v4('192.0.2.1', 24, { label: 'veth0:a' })], 'veth0', 'abcdefghijklmn')[0]!.label, undefined, 'a label that would not fit is left to the kernel');
  t.equal(addressesToRestore([v4('192.0.2.1', 24, { label: 'other' })], 'veth0', 'ctr0')[0]!.label, 'other');
});

t.test('addresses read as ip prints them', async (t) => {
  t.equal(formatAddress(v6('00000000000000000000000000000001', 128)), '::1/128');
  t.equal(formatAddress(v6('00000000000000000000000000000000', 0)), '::/0');
  t.equal(formatAddress(v6('20010db8000000000001000000000000', 64)), '2001:db8:0:0:1::/64', 'the longest run');
  t.equal(formatAddress(v6('20010db8000000000001000000000001', 64)), '2001:db8::1:0:0:1/64', 'the first of two as long');
  t.equal(formatAddress(v6('20010db8000100010001000100010001', 64)), '2001:db8:1:1:1:1:1:1/64');
  t.equal(formatAddress(v6('fe800000000000000000000000000000', 10)), 'fe80::/10');
  t.equal(formatAddress(v6('20010db8000000010000000100000001', 64)), '2001:db8:0:1:0:1:0:1/64', 'a single zero group is no run');
});

/**
 * Two network namespaces as the kernel keeps them: the runtime's (socket -1) and the container's
 * (any other socket). A move keeps the ifindex when it is free in the container's namespace, numbers
 * a %d template there, and fails with EEXIST on a name that is taken; the address dump of a link is
 * `addresses`.
 */
class NetFake extends FakeNative {
  readonly host: NetLink[] = HOST.map((l) => ({ ...l }));
  readonly container: NetLink[] = [{ index: 1, name: 'lo', up: false }];
  addresses = new Map<number, NetAddress[]>([[7, [v4('192.0.2.17', 24), v4('169.254.9.9', 16, { scope: 253 }), v6(DB8_17, 64)]]]);
  added: Array<[number, string]> = [];
  up: number[] = [];
  moveError: SyscallError | undefined;
  backError: SyscallError | undefined;

  override netLinks(nsSocket: number): NetLink[] {
    super.netLinks(nsSocket);
    return (nsSocket < 0 ? this.host : this.container).map((l) => ({ ...l }));
  }
  override netAddresses(nsSocket: number, index: number): NetAddress[] {
    super.netAddresses(nsSocket, index);
    return nsSocket < 0 ? (this.addresses.get(index) ?? []) : [];
  }
  override netMoveLink(index: number, name: string, targetSocket: number, fromSocket?: number): void {
    super.netMoveLink(index, name, targetSocket, fromSocket);
    if (fromSocket !== undefined && fromSocket >= 0) {
      // Back to the runtime's namespace: the kernel keeps the ifindex when it is free there.
      if (this.backError) throw this.backError;
      const [link] = this.container.splice(this.container.findIndex((l) => l.index === index), 1);
      this.host.push({ ...link!, name, up: false, index: this.host.some((l) => l.index === index) ? 100 + index : index });
      return;
    }
    if (this.moveError) throw this.moveError;
    const at = this.host.findIndex((l) => l.index === index);
    let final = name;
    if (name.endsWith('%d')) {
      for (let i = 0; this.container.some((l) => l.name === (final = name.replace('%d', String(i)))); i++);
    } else if (this.container.some((l) => l.name === name)) {
      throw new SyscallError('RTM_NEWLINK', undefined, 17);
    }
    const [link] = this.host.splice(at, 1);
    const taken = this.container.some((l) => l.index === index);
    this.container.push({ ...link!, name: final, up: false, index: taken ? Math.max(...this.container.map((l) => l.index)) + 1 : index });
  }
  override netSetLinkUp(nsSocket: number, index: number): void {
    super.netSetLinkUp(nsSocket, index);
    this.up.push(index);
  }
  override netAddAddress(nsSocket: number, index: number, address: NetAddress): void {
    super.netAddAddress(nsSocket, index, address);
    this.added.push([index, formatAddress(address)]);
  }
  override pidfdGetfd(pidfd: number, fd: number): number {
    super.pidfdGetfd(pidfd, fd);
    return fs.openSync('/dev/null', 'r');
  }
}

const quiet = { warn() {}, debug() {} };
const planned = (devices: Record<string, NetDevice>): PlannedNetDevice[] => plan(devices);

t.test('create moves each device, finds it by the ifindex that is new, restores its addresses, sets it up', async (t) => {
  const fake = new NetFake();
  fake.container.push({ index: 7, name: 'sit0', up: false }); // the kernel's fallback tunnel holds veth0's ifindex
  setNativeForTesting(fake);
  const debug: string[] = [];
  moveNetDevices(planned({ veth0: { name: 'eth%d' }, veth1: { name: 'eth0' } }), 42, { ...quiet, debug: (m) => debug.push(m) });
  t.same(fake.calls.filter((c) => c.name === 'netMoveLink').map((c) => c.args), [[8, 'eth0', 42], [7, 'eth%d', 42]], 'fixed names first, each by its host ifindex, into the socket’s namespace');
  t.same(fake.container.map((l) => `${l.index}:${l.name}`), ['1:lo', '7:sit0', '8:eth0', '9:eth1'], 'the template was numbered around the fixed name');
  t.same(fake.added, [[9, '192.0.2.17/24'], [9, '2001:db8::17/64']], 'veth0’s permanent global addresses, on its new ifindex; not the link-local one');
  t.same(fake.up, [8, 9], 'each set up once moved');
  t.match(debug, [/veth1 moved into the container as eth0 \(ifindex 8\)/, /veth0 moved into the container as eth1 \(ifindex 9, addresses 192\.0\.2\.17\/24 2001:db8::17\/64\)/]);
});

t.test('what create finds wrong, it finds before the first move', async (t) => {
  const fake = new NetFake();
  fake.container.push({ index: 3, name: 'sit0', up: false });
  setNativeForTesting(fake);
  const taken = refusal(t, () => moveNetDevices(planned({ veth1: { name: 'ctr1' }, veth0: { name: 'sit0' } }), 42, quiet));
  t.equal(taken.pointer, '/linux/netDevices/veth0/name');
  t.match(taken.message, /`sit0` is taken in the container's network namespace/);
  const gone = new NetFake();
  gone.host.splice(gone.host.findIndex((l) => l.name === 'veth0'), 1);
  setNativeForTesting(gone);
  const r = refusal(t, () => moveNetDevices(planned({ veth1: {}, veth0: { name: 'ctr0' } }), 42, quiet));
  t.match(r, { pointer: '/linux/netDevices/veth0', message: /no network device `veth0` in the runtime's network namespace \(any more\)/ });
  t.equal([...fake.calls, ...gone.calls].filter((c) => c.name === 'netMoveLink').length, 0, 'nothing was moved');
});

t.test('a refused move reads as what was moved where, with the kernel’s own words', async (t) => {
  const fake = new NetFake();
  const cause = Object.assign(new Error('RTM_NEWLINK: Invalid argument (EINVAL)'), { kernelMessage: 'The device is not movable' });
  fake.moveError = Object.assign(new SyscallError('RTM_NEWLINK', undefined, 22), { cause });
  setNativeForTesting(fake);
  const err = (() => {
    try {
      moveNetDevices(planned({ veth0: { name: 'ctr0' } }), 42, quiet);
    } catch (e) {
      return e as Error;
    }
  })();
  t.type(err, SyscallError);
  t.equal(err?.message, "move network device `veth0` into the container's network namespace as `ctr0` (the kernel says: The device is not movable): Invalid argument (EINVAL)");
  fake.moveError = new SyscallError('RTM_NEWLINK', undefined, 1);
  t.throws(() => moveNetDevices(planned({ veth0: {} }), 42, quiet), { message: "move network device `veth0` into the container's network namespace: Operation not permitted (EPERM)" });
});

t.test('a move that cannot be told apart in the new namespace is an error, not a guess', async (t) => {
  const fake = new NetFake();
  fake.netMoveLink = function (index: number, name: string) {
    NetFake.prototype.netMoveLink.call(this, index, name, 42);
    this.container.push({ index: 99, name: 'surprise0', up: false });
  };
  setNativeForTesting(fake);
  t.throws(() => moveNetDevices(planned({ veth0: {} }), 42, quiet), TsruncError);
});

t.test('the lent socket is copied out of stage 1, used, and closed', async (t) => {
  const fake = new NetFake();
  setNativeForTesting(fake);
  const before = fs.readdirSync('/proc/self/fd').length;
  t.equal(moveNetDevicesThrough(4242, 5, planned({ veth0: {} }), quiet, false), undefined, 'a new namespace: nothing to undo');
  t.same(fake.calls.filter((c) => c.name === 'pidfdOpen' || c.name === 'pidfdGetfd').map((c) => [c.name, c.args[0] === 4242 ? 4242 : c.args[1]]), [['pidfdOpen', 4242], ['pidfdGetfd', 5]]);
  t.equal(fs.readdirSync('/proc/self/fd').length, before, 'no fd left open');
  const socket = fake.calls.find((c) => c.name === 'netMoveLink')!.args[2];
  t.ok(typeof socket === 'number' && socket > 2, 'the moves go through the copy');
});

t.test('the sync protocol: NETNS_SOCKET is answered with an ACK once the devices are in', async (t) => {
  const fake = new NetFake({ script: [{ type: SyncType.NETNS_SOCKET, value: 5 }, { type: SyncType.INIT_PID, value: process.pid }, { type: SyncType.READY }] });
  setNativeForTesting(fake);
  const sync = fs.openSync('/dev/null', 'r');
  t.teardown(() => fs.closeSync(sync));
  fake.spawnInit('/x', Buffer.alloc(0));
  const order: string[] = [];
  const p = buildLaunchPlan(baseSpec(), options());
  runHandshake('create', sync, process.pid, p, new Children(), () => {}, () => order.push('init pid'), undefined, (pid, fd) => {
    order.push(`devices via fd ${fd} of ${pid}`);
    t.same(fake.calls.filter((c) => c.name === 'syncSend').map((c) => c.args[0]), [SyncType.GO], 'stage 1 still waits while the devices move');
  });
  t.same(order, [`devices via fd 5 of ${process.pid}`, 'init pid']);
  t.same(fake.calls.filter((c) => c.name === 'syncSend').map((c) => c.args[0]), [SyncType.GO, SyncType.ACK, SyncType.ACK]);

  const exec = new NetFake({ script: [{ type: SyncType.NETNS_SOCKET, value: 5 }] });
  setNativeForTesting(exec);
  exec.spawnInit('/x', Buffer.alloc(0));
  t.throws(() => runHandshake('exec', sync, process.pid, p, new Children(), () => {}, () => {}), /lent a network namespace socket nobody asked for/);
});

t.test('a namespace joined by path: the socket stays for create, and a failure takes the devices back', async (t) => {
  const fake = new NetFake();
  setNativeForTesting(fake);
  const before = fs.readdirSync('/proc/self/fd').length;
  const undo = moveNetDevicesThrough(4242, 5, planned({ veth0: { name: 'ctr0' }, veth1: {} }), quiet, true)!;
  t.same(undo.moved.map((m) => [m.hostName, m.wasUp]), [['veth0', true], ['veth1', false]]);
  t.equal(fs.readdirSync('/proc/self/fd').length, before + 1, 'the copy stays open for undoNetDevices');
  fake.added = [];
  fake.up = [];
  undoNetDevices(undo, quiet);
  fs.closeSync(undo.socket);
  t.same(fake.calls.filter((c) => c.name === 'netMoveLink' && c.args[3] === undo.socket).map((c) => c.args.slice(1, 3)), [['veth1', -1], ['veth0', -1]], 'last moved first, under its own name, into the runtime\'s namespace');
  t.same(fake.host.filter((l) => l.name.startsWith('veth')).map((l) => l.name).sort(), ['veth0', 'veth1']);
  t.same(fake.container.map((l) => l.name), ['lo'], 'nothing left in the joined namespace');
  t.same(fake.added.map(([, a]) => a), ['192.0.2.17/24', '2001:db8::17/64'], "veth0's permanent global addresses back on it");
  t.same(fake.up, [fake.host.find((l) => l.name === 'veth0')!.index], 'up again only the one that was up');

  // A move that fails midway: what had moved goes back before the error is thrown.
  const midway = new NetFake();
  setNativeForTesting(midway);
  let calls = 0;
  const move = midway.netMoveLink.bind(midway);
  midway.netMoveLink = (index, name, target, from) => {
    if (from === undefined && ++calls === 2) throw new SyscallError('RTM_NEWLINK', undefined, 22, 'EINVAL');
    move(index, name, target, from);
  };
  t.throws(() => moveNetDevicesThrough(4242, 5, planned({ veth0: { name: 'ctr0' }, veth1: {} }), quiet, true), /EINVAL/);
  t.same(midway.container.map((l) => l.name), ['lo'], 'the first device came back');
  t.ok(midway.host.some((l) => l.name === 'veth0'));
  t.equal(fs.readdirSync('/proc/self/fd').length, before, 'and the copy is closed');

  // A device that will not come back is a warning; the others still do.
  const stuck = new NetFake();
  setNativeForTesting(stuck);
  const kept = moveNetDevicesThrough(4242, 5, planned({ veth0: {} }), quiet, true)!;
  stuck.backError = new SyscallError('RTM_NEWLINK', undefined, 17, 'EEXIST');
  const warnings: string[] = [];
  undoNetDevices(kept, { warn: (m) => warnings.push(m), debug() {} });
  fs.closeSync(kept.socket);
  t.match(warnings, [/cleanup after a failed create: network device `veth0`: move it back to the runtime's network namespace: .*EEXIST/]);
});
