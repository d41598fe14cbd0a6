// linux.netDevices on real containers (config-linux.md "Network Devices"): host veth ends moved into
// the container's network namespace (new, or joined by path), seen from inside with busybox; the
// refusals, each leaving nothing behind; and what becomes of a moved device when its namespace dies
// (never moved back: a veth is destroyed with the namespace, its peer with it) or outlives a create
// that failed (moved back as it was). This kernel has no dummy driver, hence
// veth pairs; physical devices (which the kernel returns to the host instead) cannot be shown here.
import fs from 'node:fs';
import t, { type Test } from 'tap';
import type { Spec } from '../../src/spec/generated/config.js';
import { containersIn, expectCreateRefused, hostMounts, makeBundle, rootSkipReason, stateRoot, tsrunc, uniqueId, waitFor } from '../helpers/cli.js';
import { hostHasLink, ip, linkName, makeVeth } from '../helpers/net.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

const ipv6 = fs.existsSync('/proc/net/if_inet6');

/** `key=value` lines printed by a probe. */
function parse(out: string): Record<string, string> {
  return Object.fromEntries(
    out
      .trim()
      .split('\n')
      .filter((l) => l.includes('='))
      .map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]),
  );
}

/** Prints what the container sees of device `dev`. */
const probe = (dev: string) =>
  [
    'echo "links=$(ls /sys/class/net | tr "\\n" " ")"',
    `echo "addr=$(ip -o addr show dev ${dev} | tr -s " " | tr "\\n" ";")"`,
    `echo "flags=$(cat /sys/class/net/${dev}/flags)"`,
    `echo "mtu=$(cat /sys/class/net/${dev}/mtu)"`,
    `echo "mac=$(cat /sys/class/net/${dev}/address)"`,
  ].join('; ');

/** Runs a container (deleted after) that has `dev` moved in as ctr0 and probes it; what it saw. */
function runMovedIn(t: Test, dev: string, mutate: (s: Spec) => void = () => {}): Record<string, string> {
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', probe('ctr0')];
    s.linux!.netDevices = { [dev]: { name: 'ctr0' } };
    mutate(s);
  });
  const r = tsrunc(stateRoot(t), ['run', '--bundle', bundle, uniqueId('netdev')]);
  t.equal(r.status, 0, r.stderr);
  return parse(r.stdout);
}

const sysfs = (dev: string, file: string) => fs.readFileSync(`/sys/class/net/${dev}/${file}`, 'utf8').trim();

t.test('a veth end is moved in, renamed and up, with its MTU, MAC and permanent global addresses only', async (t) => {
  const v = makeVeth(t);
  for (const args of [
    ['link', 'set', v.a, 'mtu', '1400'],
    ['addr', 'add', '192.0.2.17/24', 'dev', v.a],
    ['addr', 'add', '192.0.2.18/24', 'dev', v.a, 'label', `${v.a}:web`],
    ['addr', 'add', '169.254.3.3/16', 'scope', 'link', 'dev', v.a],
    ['addr', 'add', '198.51.100.9/24', 'dev', v.a, 'valid_lft', '300', 'preferred_lft', '300'],
    ...(ipv6 ? [['-6', 'addr', 'add', '2001:db8::17/64', 'dev', v.a, 'nodad'], ['-6', 'addr', 'add', 'fe80::17/64', 'dev', v.a, 'nodad']] : []),
  ]) {
    const r = ip(...args);
    t.equal(r.status, 0, `ip ${args.join(' ')} ${r.stderr.trim()}`);
  }
  const mac = sysfs(v.a, 'address');
  const seen = runMovedIn(t, v.a);
  t.same(seen.links?.split(' ').sort(), ['ctr0', 'lo'], 'the container has its lo and the device, renamed');
  t.equal(Number(seen.flags) & 1, 1, `it is up (IFF_UP in ${seen.flags})`);
  t.equal(seen.mtu, '1400', 'its MTU moved with it');
  t.equal(seen.mac, mac, 'so did its MAC address');
  t.match(seen.addr, /inet 192\.0\.2\.17\/24 (brd \S+ )?scope global ctr0/, 'the permanent global IPv4 address is kept');
  t.match(seen.addr, /inet 192\.0\.2\.18\/24 (brd \S+ )?scope global secondary ctr0:web/, 'a secondary one too, its label following the new name');
  t.notMatch(seen.addr, /169\.254\.3\.3/, 'not the link-scoped one');
  t.notMatch(seen.addr, /198\.51\.100\.9/, 'not the dynamic one (it has lifetimes, not IFA_F_PERMANENT)');
  if (ipv6) {
    t.match(seen.addr, /inet6 2001:db8::17\/64 scope global/, 'the permanent global IPv6 address is kept');
    t.notMatch(seen.addr, /fe80::17/, 'not the link-local one');
  }
  t.notOk(hostHasLink(v.a), 'it left the host');
  // run deleted the container: its namespace died, and the veth with it.
  t.ok(await waitFor(() => !hostHasLink(v.b), 3000), 'the veth was destroyed with the namespace, its peer too');
  t.notOk(hostHasLink('ctr0'), 'nothing came back to the host');
});

t.test('in a new user namespace too: the runtime moves it with its own privileges, through the lent socket', async (t) => {
  const v = makeVeth(t);
  t.equal(ip('addr', 'add', '192.0.2.33/24', 'dev', v.a).status, 0);
  const seen = runMovedIn(t, v.a, (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  });
  t.same(seen.links?.split(' ').sort(), ['ctr0', 'lo']);
  t.match(seen.addr, /inet 192\.0\.2\.33\/24 (brd \S+ )?scope global ctr0/);
  t.equal(Number(seen.flags) & 1, 1, 'up');
  t.ok(await waitFor(() => !hostHasLink(v.b), 3000), 'gone with the namespace');
});

t.test('the device is in place before start, and not moved back at delete', async (t) => {
  const v = makeVeth(t);
  const root = stateRoot(t);
  const id = uniqueId('netdev');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sleep', '1000'];
    s.linux!.netDevices = { [v.a]: {} };
  });
  const c = tsrunc(root, ['create', '--bundle', bundle, id]);
  t.equal(c.status, 0, c.stderr);
  const pid = (JSON.parse(tsrunc(root, ['state', id]).stdout) as { pid: number }).pid;
  // /proc/<pid>/net is the network namespace of that process.
  t.match(fs.readFileSync(`/proc/${pid}/net/dev`, 'utf8'), new RegExp(`^\\s*${v.a}:`, 'm'), 'created: the device is already in the container, under its host name');
  t.notOk(hostHasLink(v.a), 'and gone from the host');
  t.equal(tsrunc(root, ['start', id]).status, 0);
  t.equal(tsrunc(root, ['kill', id, 'KILL']).status, 0);
  t.ok(await waitFor(() => JSON.parse(tsrunc(root, ['state', id]).stdout).status === 'stopped'), 'stopped');
  t.equal(tsrunc(root, ['delete', id]).status, 0);
  t.ok(await waitFor(() => !hostHasLink(v.b), 3000), 'the veth died with the namespace (its peer with it)');
  t.notOk(hostHasLink(v.a), 'it was not moved back');
  t.same(containersIn(root), []);
});

t.test('a %d template is numbered by the kernel, around the names given in full', async (t) => {
  const v1 = makeVeth(t);
  const v2 = makeVeth(t);
  const v3 = makeVeth(t);
  const macs = [v1, v2, v3].map((v) => sysfs(v.a, 'address'));
  const root = stateRoot(t);
  const script = ['eth0', 'eth1', 'eth2'].map((d) => `echo "${d}=$(cat /sys/class/net/${d}/address) $(cat /sys/class/net/${d}/flags)"`).join('; ');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', `echo "links=$(ls /sys/class/net | tr "\\n" " ")"; ${script}`];
    // Listed first, the templates are still moved last: eth0 is the one asked for by name.
    s.linux!.netDevices = { [v1.a]: { name: 'eth%d' }, [v2.a]: { name: 'eth%d' }, [v3.a]: { name: 'eth0' } };
  });
  const r = tsrunc(root, ['run', '--bundle', bundle, uniqueId('netdev')]);
  t.equal(r.status, 0, r.stderr);
  const seen = parse(r.stdout);
  t.same(seen.links?.split(' ').sort(), ['eth0', 'eth1', 'eth2', 'lo']);
  t.equal(seen.eth0?.split(' ')[0], macs[2], 'eth0 is the device that asked for it');
  t.same([seen.eth1?.split(' ')[0], seen.eth2?.split(' ')[0]], [macs[0], macs[1]], 'the templates got eth1 and eth2, in the config’s order');
  for (const d of ['eth0', 'eth1', 'eth2']) t.equal(Number(seen[d]?.split(' ')[1]) & 1, 1, `${d} is up`);
  t.notOk([v1, v2, v3].some((v) => hostHasLink(v.a)), 'all three left the host');
});

t.test('refusals: a clear error at create, nothing moved, nothing left', async (t) => {
  const v = makeVeth(t);
  const root = stateRoot(t);
  const refused = (what: string, mutate: (s: Spec) => void, message: RegExp) => {
    expectCreateRefused(t, root, mutate, message, what);
    t.ok(hostHasLink(v.a), `${what}: the device stayed on the host`);
  };
  const missing = linkName('tsx');
  refused('a device the host does not have', (s) => (s.linux!.netDevices = { [missing]: { name: 'ctr0' } }), new RegExp(`config\\.json: /linux/netDevices/${missing}: there is no network device \`${missing}\` in the runtime's network namespace \\(config-linux\\.md#configLinuxNetworkDevices\\)`));
  refused('a name the new namespace has (lo)', (s) => (s.linux!.netDevices = { [v.a]: { name: 'lo' } }), new RegExp(`/linux/netDevices/${v.a}/name: \`lo\` is taken in every network namespace`));
  refused('one name for two devices', (s) => (s.linux!.netDevices = { [v.a]: { name: 'ctr0' }, [v.b]: { name: 'ctr0' } }), new RegExp(`/linux/netDevices/${v.b}/name: \`ctr0\` is the name /linux/netDevices/${v.a}/name already gives a device`));
  refused('a name too long', (s) => (s.linux!.netDevices = { [v.a]: { name: 'container-eth-zero' } }), /\/name: is 18 bytes long: an interface name has at most 15/);
  refused('a template not at the end', (s) => (s.linux!.netDevices = { [v.a]: { name: 'e%dx' } }), /\/name: may hold "%" only as a trailing "%d"/);
  refused('no network namespace', (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
    s.linux!.netDevices = { [v.a]: {} };
  }, /\/linux\/netDevices: needs a network namespace of the container's own/);
  refused("the runtime's own, joined by path", (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: '/proc/self/ns/net' } : n));
    s.linux!.netDevices = { [v.a]: {} };
  }, /\/linux\/netDevices: needs a network namespace of the container's own/);
});

/** A named network namespace (ip netns), deleted at teardown with whatever is in it. */
function namedNetns(t: Test): string {
  const netns = linkName('tsns');
  t.equal(ip('netns', 'add', netns).status, 0, 'a named network namespace to join');
  t.teardown(() => ip('netns', 'delete', netns));
  return netns;
}

const joining = (netns: string) => (s: Spec) => {
  s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'network' ? { type: 'network', path: `/run/netns/${netns}` } : n));
};

t.test('a namespace joined by path (a pod\'s, made beforehand): the device goes in, and stays after delete', async (t) => {
  const v = makeVeth(t);
  const netns = namedNetns(t);
  t.equal(ip('addr', 'add', '192.0.2.17/24', 'dev', v.a).status, 0);
  const seen = runMovedIn(t, v.a, joining(netns));
  t.same(seen.links?.split(' ').sort(), ['ctr0', 'lo'], "the joined namespace's lo and the device, renamed");
  t.equal(Number(seen.flags) & 1, 1, `it is up (IFF_UP in ${seen.flags})`);
  t.match(seen.addr, /inet 192\.0\.2\.17\/24 (brd \S+ )?scope global ctr0/, 'its address kept');
  t.notOk(hostHasLink(v.a), 'it left the host');
  t.equal(ip('-n', netns, 'link', 'show', 'dev', 'ctr0').status, 0, 'deleted, the container left it in the namespace it joined (config-linux.md: never moved out before deletion)');
  t.ok(hostHasLink(v.b), 'and the veth lives on: its peer is still on the host');
});

t.test('a create that fails after moving into a joined namespace gives the device back as it was', async (t) => {
  const v = makeVeth(t);
  const netns = namedNetns(t);
  t.equal(ip('addr', 'add', '192.0.2.17/24', 'dev', v.a).status, 0);
  t.equal(ip('link', 'set', v.a, 'up').status, 0);
  const root = stateRoot(t);
  const mounts = hostMounts();
  const bundle = makeBundle(t, (s) => {
    joining(netns)(s);
    s.process!.cwd = '/etc/passwd'; // the init's chdir fails after the move
    s.linux!.netDevices = { [v.a]: { name: 'ctr0' } };
  });
  const r = tsrunc(root, ['--debug', 'create', '--bundle', bundle, uniqueId('netdev')]);
  t.equal(r.status, 1);
  t.match(r.stderr, new RegExp(`network device ${v.a} moved into the container as ctr0`), 'the device had been moved');
  t.match(r.stderr, /chdir to cwd `\/etc\/passwd`: Not a directory \(ENOTDIR\)/, 'then the init failed');
  t.match(r.stderr, new RegExp(`network device ${v.a} moved back to the runtime's network namespace`));
  t.ok(hostHasLink(v.a), 'the device is back on the host under its own name');
  t.match(ip('-o', 'addr', 'show', 'dev', v.a).stdout, /inet 192\.0\.2\.17\/24 /, 'with its address');
  t.equal(Number(sysfs(v.a, 'flags')) & 1, 1, 'and up, as it was');
  t.equal(ip('-n', netns, '-o', 'link').stdout.trim().split('\n').length, 1, 'only lo is left in the joined namespace');
  t.same(containersIn(root), [], 'no state');
  t.same(hostMounts(), mounts, 'no mount');
});

/** Whether this kernel makes bridges (a device it will not move to another namespace). */
function bridgesAvailable(): boolean {
  const probe = linkName('tsbr');
  if (ip('link', 'add', probe, 'type', 'bridge').status !== 0) return false;
  ip('link', 'del', probe);
  return true;
}

t.test('a device the kernel will not move (a bridge) is refused, left where it is', { skip: !rootSkipReason && !bridgesAvailable() && 'this kernel makes no bridges' }, async (t) => {
  const root = stateRoot(t);
  const br = linkName('tsbr');
  t.equal(ip('link', 'add', br, 'type', 'bridge').status, 0);
  t.teardown(() => ip('link', 'del', br));
  // Since Linux 6.15 the kernel says so (IFLA_NETNS_IMMUTABLE) and the plan refuses; before, the move fails.
  expectCreateRefused(t, root, (s) => (s.linux!.netDevices = { [br]: {} }), new RegExp(`/linux/netDevices/${br}: \`${br}\` cannot be moved|move network device \`${br}\`.*Invalid argument \\(EINVAL\\)`), 'a bridge (netns-immutable)');
  t.ok(hostHasLink(br), 'the bridge stayed on the host');
});

t.test('a create that fails after the move leaves nothing: the init is killed and the namespace dies with the veth', async (t) => {
  const v = makeVeth(t);
  const root = stateRoot(t);
  const mounts = hostMounts();
  // The chdir fails in the init after the runtime moved the device (only the init sees the file).
  const bundle = makeBundle(t, (s) => {
    s.process!.cwd = '/etc/passwd';
    s.linux!.netDevices = { [v.a]: { name: 'ctr0' } };
  });
  const r = tsrunc(root, ['--debug', 'create', '--bundle', bundle, uniqueId('netdev')]);
  t.equal(r.status, 1);
  t.match(r.stderr, new RegExp(`network device ${v.a} moved into the container as ctr0`), 'the device had been moved');
  t.match(r.stderr, /chdir to cwd `\/etc\/passwd`: Not a directory \(ENOTDIR\)/, 'then the init failed');
  t.same(containersIn(root), [], 'no state');
  t.same(hostMounts(), mounts, 'no mount');
  t.ok(await waitFor(() => !hostHasLink(v.b), 3000), 'the namespace died: the veth was destroyed with it, its peer too');
  t.notOk(hostHasLink(v.a) || hostHasLink('ctr0'), 'nothing came back to the host');
});

/** The devices a new network namespace gets besides lo here: the fallback tunnels of the loaded modules (sit0, tunl0, gre0…). */
function fallbackDevices(): string[] {
  const ns = linkName('tsns');
  if (ip('netns', 'add', ns).status !== 0) return [];
  try {
    return ip('-n', ns, '-o', 'link').stdout.split('\n').map((l) => /^\d+: ([^:@]+)/.exec(l)?.[1]).filter((n): n is string => !!n && n !== 'lo');
  } finally {
    ip('netns', 'delete', ns);
  }
}
const fallback = rootSkipReason ? [] : fallbackDevices();

t.test('a name a new namespace has besides lo (a fallback tunnel) is refused before any device moves', {
  skip: !rootSkipReason && fallback.length === 0 && 'a new network namespace has only lo here (no tunnel module loaded): the check that needs the namespace itself is unit-tested (net-devices.test.ts)',
}, async (t) => {
  const v = makeVeth(t);
  const w = makeVeth(t);
  const root = stateRoot(t);
  expectCreateRefused(t, root, (s) => (s.linux!.netDevices = { [w.a]: { name: 'ctr1' }, [v.a]: { name: fallback[0]! } }), new RegExp(`/linux/netDevices/${v.a}/name: \`${fallback[0]}\` is taken in the container's new network namespace`), `naming a device ${fallback[0]}`);
  t.ok(hostHasLink(v.a) && hostHasLink(w.a), 'neither device was moved (the check comes before the first move)');
});
