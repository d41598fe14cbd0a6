// Rootless mode's decisions (issue 16), without root: where state lives, when the mode is on, which
// limits need a cgroup, where a delegated cgroup v2 subtree is, and who writes the id maps.
import t from 'tap';
import { parentsToRemove } from '../../src/cgroups/manager.js';
import { resolveCgroupPath } from '../../src/cgroups/path.js';
import { delegatedSubtree, limitsAsked, rootlessCgroupParent } from '../../src/cgroups/rootless.js';
import { canSetIds, findIdMapHelpers, mapWriters, type Writer } from '../../src/plan/id-maps.js';
import { defaultStateRoot, type Identity, rootlessMode, runningInUserNamespace } from '../../src/state/root.js';
import { rootlessSpec } from '../../src/runtime/default-spec.js';
import { helperArgs } from '../../src/runtime/id-map-writer.js';
import { ConfigError, UsageError } from '../../src/errors.js';

const who = (euid: number, inUserNamespace: boolean, env: Record<string, string> = {}): Identity => ({ euid, inUserNamespace, env });

t.test('the state root without --root, by runc’s rules', async (t) => {
  t.equal(defaultStateRoot(who(0, false, { XDG_RUNTIME_DIR: '/run/user/0' })), '/run/tsrunc', 'root: /run/tsrunc, whatever XDG_RUNTIME_DIR says');
  t.equal(defaultStateRoot(who(1001, false, { XDG_RUNTIME_DIR: '/run/user/1001/' })), '/run/user/1001/tsrunc', 'a user: under XDG_RUNTIME_DIR');
  t.equal(defaultStateRoot(who(0, true, { XDG_RUNTIME_DIR: '/run/user/1001', USER: 'me' })), '/run/user/1001/tsrunc', 'root of a user namespace (podman unshare): XDG_RUNTIME_DIR');
  t.equal(defaultStateRoot(who(0, true, { XDG_RUNTIME_DIR: '/run/user/0', USER: 'root' })), '/run/tsrunc', '…unless USER says root');
  t.throws(() => defaultStateRoot(who(1001, false)), new UsageError("rootless: XDG_RUNTIME_DIR is not set and /run/tsrunc is root's: give a state directory of your own with --root (or set XDG_RUNTIME_DIR)"));
  t.throws(() => defaultStateRoot(who(1001, false, { XDG_RUNTIME_DIR: 'run/x' })), UsageError, 'a relative XDG_RUNTIME_DIR');
});

t.test('rootless mode: --rootless true|false|auto', async (t) => {
  t.equal(rootlessMode(undefined, who(0, false)), false, 'root');
  t.equal(rootlessMode('auto', who(1001, false)), true, 'a user');
  t.equal(rootlessMode(undefined, who(0, true)), true, 'root of a user namespace');
  t.equal(rootlessMode('false', who(1001, false)), false);
  t.equal(rootlessMode('true', who(0, false)), true);
  t.throws(() => rootlessMode('yes', who(0, false)), UsageError);
  t.equal(runningInUserNamespace('         0          0 4294967295\n'), false, 'the initial namespace');
  t.equal(runningInUserNamespace('         0       1001          1\n         1     100000      65536\n'), true);
});

t.test('limits that need a cgroup: device rules and empty objects do not', async (t) => {
  t.same(limitsAsked({ devices: [{ allow: false, access: 'rwm' }], memory: {}, hugepageLimits: [], unified: {} }), []);
  t.same(limitsAsked({ memory: { limit: 1 << 20 }, pids: { limit: 0 }, unified: { 'memory.high': '1M' } }), ['/linux/resources/memory', '/linux/resources/pids', '/linux/resources/unified']);
});

t.test('the delegated cgroup v2 subtree: the highest level the user owns, every level below too', async (t) => {
  const owners: Record<string, number> = {
    '/sys/fs/cgroup': 0,
    '/sys/fs/cgroup/user.slice': 0,
    '/sys/fs/cgroup/user.slice/user-1001.slice': 0,
    '/sys/fs/cgroup/user.slice/user-1001.slice/user@1001.service': 1001,
    '/sys/fs/cgroup/user.slice/user-1001.slice/user@1001.service/app.slice': 1001,
    '/sys/fs/cgroup/user.slice/user-1001.slice/user@1001.service/app.slice/term.scope': 1001,
    '/sys/fs/cgroup/system.slice': 0,
    '/sys/fs/cgroup/system.slice/ssh.service': 0,
  };
  const info = { owner: (d: string) => owners[d] };
  const own = '/user.slice/user-1001.slice/user@1001.service/app.slice/term.scope';
  t.equal(delegatedSubtree('/sys/fs/cgroup', own, 1001, info), '/user.slice/user-1001.slice/user@1001.service');
  t.equal(delegatedSubtree('/sys/fs/cgroup', '/system.slice/ssh.service', 1001, info), undefined, 'a cgroup of root’s');
  const v2 = { kind: 'v2' as const, v1: [], unified: '/sys/fs/cgroup' };
  t.same(rootlessCgroupParent(v2, own, 1001, info), { kind: 'own', parent: '/user.slice/user-1001.slice/user@1001.service/tsrunc' });
  t.equal(resolveCgroupPath(undefined, 'web', '/u/tsrunc'), '/u/tsrunc/web', 'the default goes under it');
  t.equal(resolveCgroupPath('pod/web', 'web', '/u/tsrunc'), '/u/tsrunc/pod/web', 'a relative path too');
  const none = rootlessCgroupParent(v2, '/system.slice/ssh.service', 1001, info);
  t.match(none, { kind: 'none', why: /no cgroup v2 subtree is delegated to uid 1001/ });
  const hybrid = { kind: 'hybrid' as const, v1: [{ mountpoint: '/sys/fs/cgroup/memory', controllers: 'memory' }], unified: '/sys/fs/cgroup/unified' };
  t.match(rootlessCgroupParent(hybrid, undefined, 1001, info), { kind: 'none', why: /cgroup v1 hierarchies/ });
  t.same(parentsToRemove('/sys/fs/cgroup', '/u/svc/tsrunc/web', []), ['/sys/fs/cgroup/u/svc/tsrunc'], "the rootless parent is ours to remove once empty; the user's own levels are not");
});

t.test('who writes the id maps', async (t) => {
  const helpers = { newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/bin/newgidmap' };
  const user: Writer = { euid: 1001, egid: 1001, privileged: false, helpers };
  const own = [{ containerID: 0, hostID: 1001, size: 1 }];
  const range = [...own, { containerID: 1, hostID: 100000, size: 65536 }];
  t.same(mapWriters(own, own, [], user), { uidHelper: undefined, gidHelper: undefined, denySetgroups: true }, 'its own ids: written directly, setgroups denied first');
  t.same(mapWriters(range, range, [5], user), { uidHelper: helpers.newuidmap, gidHelper: helpers.newgidmap, denySetgroups: false }, 'subuid ranges: the setuid helpers');
  t.same(mapWriters(range, range, [], { ...user, privileged: true }), { denySetgroups: false }, 'CAP_SETUID and CAP_SETGID: any maps directly');
  t.throws(() => mapWriters(own, own, [5], user), new ConfigError('config.json', '/process/user/additionalGids', "rootless: with a gid mapping of only the user's own gid (1001), setgroups is denied in the container, so no additional gids can be set: map a range of /etc/subgid in linux.gidMappings", 'config-linux.md#configLinuxUserNamespaceMappings'));
  t.throws(() => mapWriters(range, own, [], { ...user, helpers: {} }), { pointer: '/linux/uidMappings', message: /needs newuidmap \(Debian package uidmap\)/ });
  t.same(findIdMapHelpers((p) => p === '/usr/bin/newuidmap' || p === '/usr/sbin/newgidmap'), { newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/sbin/newgidmap' }, 'found without PATH');
  t.same(helperArgs(42, range), ['42', '0', '1001', '1', '1', '100000', '65536']);
  t.equal(canSetIds(0xc0n), true, 'CAP_SETGID (6) and CAP_SETUID (7)');
  t.equal(canSetIds(0x80n), false);
});

t.test('spec --rootless, as runc’s', async (t) => {
  const spec = rootlessSpec(1001, 1002);
  t.same(spec.linux!.namespaces!.map((n) => n.type), ['pid', 'ipc', 'uts', 'mount', 'user'], 'no network namespace; a user namespace');
  t.same([spec.linux!.uidMappings, spec.linux!.gidMappings], [[{ containerID: 0, hostID: 1001, size: 1 }], [{ containerID: 0, hostID: 1002, size: 1 }]]);
  t.same(spec.mounts!.find((m) => m.destination === '/sys'), { destination: '/sys', type: 'none', source: '/sys', options: ['rbind', 'nosuid', 'noexec', 'nodev', 'ro'] });
  t.notOk(spec.mounts!.some((m) => m.options?.some((o) => /^[ug]id=/.test(o))), 'no uid=/gid= options');
  t.equal(spec.linux!.resources, undefined);
});
