import t from 'tap';
import { ConfigError } from '../../src/errors.js';
import { buildLaunchPlan, type PlanOptions } from '../../src/plan/build.js';
import type { HostInfo } from '../../src/plan/host.js';
import { HookKind, MOUNT_OPT_FILE, MOUNT_OPT_SOURCE_IN_ROOT, MOUNT_OPT_SYSFS_FALLBACK, MountKind } from '../../src/plan/launch-plan.js';
import { CLONE_NEW, MS, RLIM_INFINITY, S_IF } from '../../src/plan/linux.js';
import { locateBindSource } from '../../src/plan/mounts.js';
import { baseSpec } from '../helpers/specs.js';
import type { Spec } from '../../src/spec/generated/config.js';

const hybridHost: HostInfo = {
  inUserNamespace: false,
  capabilities: { lastCap: 40, bounding: (1n << 41n) - 1n, effective: ~0n },
  hasKcore: true,
  namespaceIds: { network: '4:4026531840', ipc: '4:4026531839', uts: '4:4026531838' },
  idMapWriter: { euid: 0, egid: 0, privileged: true, helpers: { newuidmap: '/usr/bin/newuidmap', newgidmap: '/usr/bin/newgidmap' } },
  apparmor: false,
  selinux: false,
  cgroups: {
    kind: 'hybrid',
    v1: [
      { mountpoint: '/sys/fs/cgroup/cpu', controllers: 'cpu' },
      { mountpoint: '/sys/fs/cgroup/systemd', controllers: 'name=systemd' },
    ],
    unified: '/sys/fs/cgroup/unified',
  },
};

function options(over: Partial<PlanOptions> = {}): PlanOptions {
  return {
    bundle: '/bundles/b',
    rootfs: '/bundles/b/rootfs',
    execFifo: '/run/tsrunc/x/exec.fifo',
    noPivot: false,
    host: hybridHost,
    statSource: (p) => (p.endsWith('.txt') ? 'file' : p.includes('missing') ? 'missing' : 'dir'),
    readLink: () => undefined,
    // /proc/1/ns/* name the runtime's own namespaces here; anything else is another one.
    namespaceId: (p) => ({ '/proc/1/ns/net': hybridHost.namespaceIds.network, '/proc/1/ns/ipc': hybridHost.namespaceIds.ipc, '/proc/1/ns/uts': hybridHost.namespaceIds.uts })[p],
    ...over,
  };
}

t.test('namespaces: new ones as clone flags, paths joined user first', async (t) => {
  const plan = buildLaunchPlan(
    baseSpec((s) => {
      s.linux!.namespaces = [
        { type: 'network', path: '/var/run/netns/a' },
        { type: 'mount' },
        { type: 'user', path: '/proc/1/ns/user' },
        { type: 'pid' },
      ];
    }),
    options(),
  );
  t.equal(plan.newNamespaces, CLONE_NEW.mount | CLONE_NEW.pid);
  t.same(plan.joins, [
    { nstype: CLONE_NEW.user, path: '/proc/1/ns/user' },
    { nstype: CLONE_NEW.network, path: '/var/run/netns/a' },
  ]);
  t.equal(plan.userNamespaceMaps, undefined, 'a joined user namespace gets no maps');
});

t.test('user namespace: id maps as kernel text, devices bound from the host', async (t) => {
  const plan = buildLaunchPlan(
    baseSpec((s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [
        { containerID: 0, hostID: 100000, size: 1000 },
        { containerID: 1000, hostID: 5000, size: 1 },
      ];
    }),
    options(),
  );
  t.same(plan.userNamespaceMaps, {
    uid: [{ containerID: 0, hostID: 100000, size: 65536 }],
    gid: [
      { containerID: 0, hostID: 100000, size: 1000 },
      { containerID: 1000, hostID: 5000, size: 1 },
    ],
    writers: { denySetgroups: false },
  }, 'root writes any maps itself');
  t.ok(plan.devices.every((d) => d.bindSource === d.path), 'mknod is not permitted in a user namespace');
  const sysfs = plan.mounts.find((m) => m.fstype === 'sysfs')!;
  t.equal(sysfs.options, 0, 'the default spec has its own netns, so sysfs needs no fallback');
});

t.test('sysfs falls back to a bind of /sys in a user namespace without its own netns', async (t) => {
  const plan = buildLaunchPlan(
    baseSpec((s) => {
      s.linux!.namespaces = [{ type: 'mount' }, { type: 'user' }];
      s.linux!.uidMappings = s.linux!.gidMappings = [{ containerID: 0, hostID: 1000, size: 1 }];
    }),
    options(),
  );
  t.equal(plan.mounts.find((m) => m.fstype === 'sysfs')!.options, MOUNT_OPT_SYSFS_FALLBACK);
});

t.test('mount options become flags, data, propagation and recursive attributes', async (t) => {
  const plan = buildLaunchPlan(
    baseSpec((s) => {
      s.mounts = [
        { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
        { destination: 'data/../data2', type: 'none', source: 'vol', options: ['rbind', 'ro', 'rslave', 'rnoexec'] },
        { destination: '/etc/hosts', type: 'bind', source: '/srv/hosts.txt', options: ['bind'] },
        { destination: '/rw', type: 'tmpfs', source: 'tmpfs', options: ['ro', 'rw', 'rnoatime'] },
      ];
    }),
    options(),
  );
  const [dev, data, hosts, rw] = plan.mounts;
  t.same([dev!.kind, dev!.flags, dev!.data], [MountKind.Fs, MS.NOSUID | MS.STRICTATIME, 'mode=755,size=65536k']);
  t.equal(data!.destination, '/data2', 'relative destinations are relative to / and cleaned');
  t.equal(data!.kind, MountKind.Bind);
  t.equal(data!.source, '/bundles/b/vol', 'relative bind sources are relative to the bundle');
  t.equal(data!.flags, MS.BIND | MS.REC | MS.RDONLY);
  t.equal(data!.propagation, MS.SLAVE | MS.REC);
  t.same([data!.attrSet, data!.attrClr], [0x8n, 0n]);
  t.equal(hosts!.options, MOUNT_OPT_FILE, 'a file source gets a file mount point');
  t.equal(rw!.flags, 0n, 'a later rw clears an earlier ro');
  t.same([rw!.attrSet, rw!.attrClr], [0x10n, 0x70n], 'an access-time mode also clears MOUNT_ATTR__ATIME');
});

t.test('recursive options: the last word wins, and clearing an access-time mode returns to relatime', async (t) => {
  const attrs = (words: string[]) => {
    const plan = buildLaunchPlan(baseSpec((s) => (s.mounts = [{ destination: '/m', type: 'bind', source: '/srv', options: ['rbind', ...words] }])), options());
    return [plan.mounts[0]!.attrSet, plan.mounts[0]!.attrClr];
  };
  // The kernel refuses (EINVAL) a partial MOUNT_ATTR__ATIME in attr_clr, and runc sends one for ratime.
  for (const o of ['ratime', 'rnostrictatime', 'rnorelatime', 'rrelatime']) t.same(attrs([o]), [0n, 0x70n], o);
  t.same(attrs(['rnoatime', 'ratime']), [0n, 0x70n], 'rnoatime then ratime: relatime');
  t.same(attrs(['rnoatime', 'rstrictatime']), [0x20n, 0x70n], 'a later mode replaces an earlier one');
  t.same(attrs(['rro', 'rrw']), [0n, 0x1n], 'rrw after rro clears read-only');
  t.same(attrs(['rrw', 'rro']), [0x1n, 0n], 'rro after rrw sets it');
});

t.test('cgroup mounts follow the host layout', async (t) => {
  const spec = baseSpec((s) => s.linux!.namespaces!.push({ type: 'cgroup' }));
  const hybrid = buildLaunchPlan(spec, options()).mounts.filter((m) => m.destination.startsWith('/sys/fs/cgroup'));
  t.same(
    hybrid.map((m) => [m.destination, m.fstype, m.data]),
    [
      ['/sys/fs/cgroup', 'tmpfs', 'mode=755'],
      ['/sys/fs/cgroup/cpu', 'cgroup', 'cpu'],
      ['/sys/fs/cgroup/systemd', 'cgroup', 'name=systemd'],
    ],
  );
  t.ok(hybrid.slice(1).every((m) => (m.flags & MS.RDONLY) !== 0n), 'ro applies to every hierarchy');
  const v2 = buildLaunchPlan(spec, options({ host: { ...hybridHost, cgroups: { kind: 'v2', v1: [], unified: '/sys/fs/cgroup' } } }));
  t.same(
    v2.mounts.filter((m) => m.destination.startsWith('/sys/fs/cgroup')).map((m) => [m.destination, m.fstype]),
    [['/sys/fs/cgroup', 'cgroup2']],
  );
});

t.test('default devices and /dev symlinks; linux.devices override by path', async (t) => {
  const plan = buildLaunchPlan(
    baseSpec((s) => {
      s.linux!.devices = [
        { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 438, uid: 0, gid: 0 },
        { path: '/dev/null', type: 'c', major: 1, minor: 3, fileMode: 0o600 },
      ];
    }),
    options(),
  );
  t.same(
    plan.devices.map((d) => d.path),
    ['/dev/null', '/dev/zero', '/dev/full', '/dev/random', '/dev/urandom', '/dev/tty', '/dev/fuse'],
  );
  t.equal(plan.devices[0]!.mode, S_IF.CHR | 0o600);
  t.equal(plan.devices.at(-1)!.mode, S_IF.CHR | 438);
  t.ok(plan.devices.every((d) => d.bindSource === ''), 'mknod outside user namespaces');
  t.same(
    plan.symlinks.map((l) => `${l.linkpath}->${l.target}`),
    ['/dev/fd->/proc/self/fd', '/dev/stdin->/proc/self/fd/0', '/dev/stdout->/proc/self/fd/1', '/dev/stderr->/proc/self/fd/2', '/dev/ptmx->pts/ptmx', '/dev/core->/proc/kcore'],
  );
  const hostDev = buildLaunchPlan(baseSpec((s) => s.mounts!.push({ destination: '/dev', source: '/dev', options: ['rbind'] })), options());
  t.same([hostDev.devices, hostDev.symlinks], [[], []], 'with the host /dev bound in, nothing is created');
});

t.test('process: PATH from env, user, rlimits, capabilities', async (t) => {
  const plan = buildLaunchPlan(
    baseSpec((s) => {
      s.process!.env = ['A=1', 'PATH=/a:/b'];
      s.process!.user = { uid: 1000, gid: 100, additionalGids: [5, 6], umask: 0o27 };
      s.process!.rlimits = [
        { type: 'RLIMIT_NOFILE', soft: 10, hard: 20 },
        { type: 'RLIMIT_CORE', soft: 18446744073709551615, hard: 18446744073709551615 },
      ];
      s.process!.capabilities = { bounding: ['CAP_KILL', 'CAP_BOGUS'], effective: ['CAP_KILL'], permitted: ['CAP_KILL'], ambient: ['CAP_KILL'] };
    }),
    options(),
  );
  const p = plan.process!;
  t.equal(p.execPath, '/a:/b');
  t.same([p.uid, p.gid, p.additionalGids, p.umask], [1000, 100, [5, 6], 0o27]);
  t.same(p.rlimits, [
    { resource: 7, soft: 10n, hard: 20n },
    { resource: 4, soft: RLIM_INFINITY, hard: RLIM_INFINITY },
  ]);
  t.equal(p.capabilities!.bounding, 1n << 5n);
  t.equal(p.capabilities!.ambient, 0n, 'ambient needs inheritable too');
  t.equal(plan.warnings.length, 2, 'an unknown capability and the refused ambient are warnings');
  t.equal(buildLaunchPlan(baseSpec((s) => delete s.process!.env), options()).process!.execPath, '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin');
});

t.test('a capability the runtime itself lacks is a warning and left out, not a failure', async (t) => {
  // A host whose root lacks CAP_SYS_RESOURCE (24), as under some hypervisors.
  const host = { ...hybridHost, capabilities: { lastCap: 40, bounding: ((1n << 41n) - 1n) & ~(1n << 24n), effective: ~0n } };
  const plan = buildLaunchPlan(
    baseSpec((s) => {
      const caps = ['CAP_KILL', 'CAP_SYS_RESOURCE'];
      s.process!.capabilities = { bounding: caps, effective: caps, permitted: caps };
    }),
    options({ host }),
  );
  t.same([plan.process!.capabilities!.bounding, plan.process!.capabilities!.permitted], [1n << 5n, 1n << 5n]);
  t.same(plan.warnings, ["process.capabilities: CAP_SYS_RESOURCE cannot be granted (not in the runtime's own bounding set on this host), ignored"], 'one warning per capability, not per set');
});

t.test('sysctls are allowed only inside a namespace the container owns', async (t) => {
  const plan = buildLaunchPlan(baseSpec((s) => (s.linux!.sysctl = { 'net.ipv4.ip_forward': '1', 'kernel/shmmax': '1000' })), options());
  t.same(plan.sysctl, [['net/ipv4/ip_forward', '1'], ['kernel/shmmax', '1000']]);
  t.throws(() => buildLaunchPlan(baseSpec((s) => (s.linux!.sysctl = { 'vm.swappiness': '1' })), options()), /\/linux\/sysctl\/vm\.swappiness: is not in a kernel namespace/);
  t.throws(
    () => buildLaunchPlan(baseSpec((s) => {
      s.linux!.namespaces = [{ type: 'mount' }];
      s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    }), options()),
    /net\.\* sysctls need a network namespace/,
  );
});

t.test('refusals name the field and the spec section', async (t) => {
  const cases: Array<[string, (s: ReturnType<typeof baseSpec>) => void, RegExp]> = [
    ['masked paths without a mount namespace', (s) => (s.linux!.namespaces = [{ type: 'pid' }]), /^config\.json: \/linux\/maskedPaths: masking paths needs a mount namespace: without one it would change the host's own mounts \(config-linux\.md#configLinuxNamespaces\)$/],
    ['read-only paths without a mount namespace', (s) => {
      s.linux!.namespaces = [{ type: 'pid' }];
      s.linux!.maskedPaths = [];
    }, /\/linux\/readonlyPaths: making paths read-only needs a mount namespace/],
    ['rootfsPropagation without a mount namespace', (s) => {
      s.linux!.namespaces = [{ type: 'pid' }];
      s.linux!.maskedPaths = s.linux!.readonlyPaths = [];
      s.linux!.rootfsPropagation = 'shared';
    }, /\/linux\/rootfsPropagation: rootfsPropagation needs a mount namespace/],
    ['a hostname in the runtime’s own uts namespace', (s) => {
      s.linux!.namespaces = [{ type: 'mount' }, { type: 'uts', path: '/proc/1/ns/uts' }];
    }, /^config\.json: \/hostname: cannot be set in the runtime's own uts namespace \(joined by path\): it would change the host's/],
    ['idmap option without mappings or a user namespace', (s) => s.mounts!.push({ destination: '/x', source: '/y', options: ['rbind', 'idmap'] }), /\/mounts\/7\/options\/1: idmap without uidMappings and gidMappings needs the container's own user namespace/],
    ['missing bind source', (s) => s.mounts!.push({ destination: '/x', source: '/missing', options: ['bind'] }), /\/mounts\/7\/source: bind mount source \/missing does not exist/],
    ['unknown rlimit', (s) => (s.process!.rlimits = [{ type: 'RLIMIT_BOGUS', soft: 1, hard: 1 }]), /\/process\/rlimits\/0\/type: unknown rlimit type/],
  ];
  for (const [name, mutate, expected] of cases) {
    const err = t.throws(() => buildLaunchPlan(baseSpec(mutate), options()), name) as Error;
    t.type(err, ConfigError, name);
    t.match(err.message, expected, name);
  }
});

t.test('rootfs propagation is rslave unless configured, and re-applied after pivot only when configured', async (t) => {
  const plain = buildLaunchPlan(baseSpec(), options());
  t.equal(plain.rootfsPropagation, MS.SLAVE | MS.REC);
  t.equal(plain.rootfsPropagationAfterPivot, 0n);
  t.equal(plain.rootfsParentPropagation, MS.PRIVATE);
  const expect: Array<[string, bigint, bigint, bigint]> = [
    ['shared', MS.SHARED, MS.PRIVATE, MS.SHARED],
    ['rshared', MS.SHARED | MS.REC, MS.PRIVATE, MS.SHARED | MS.REC],
    ['slave', MS.SLAVE, MS.SLAVE, 0n],
    ['rslave', MS.SLAVE | MS.REC, MS.SLAVE, 0n],
    ['private', MS.PRIVATE, MS.PRIVATE, 0n],
    ['rprivate', MS.PRIVATE | MS.REC, MS.PRIVATE, 0n],
    ['unbindable', MS.PRIVATE, MS.PRIVATE, MS.UNBINDABLE],
    ['runbindable', MS.PRIVATE | MS.REC, MS.PRIVATE, MS.UNBINDABLE | MS.REC],
  ];
  for (const [value, root, parent, after] of expect) {
    const p = buildLaunchPlan(baseSpec((s) => (s.linux!.rootfsPropagation = value as never)), options());
    t.same([p.rootfsPropagation, p.rootfsParentPropagation, p.rootfsPropagationAfterPivot], [root, parent, after], `${value}: "/", the rootfs's parent mount, the new "/" (as runc)`);
  }
});

t.test('cgroup mounts: the container’s own cgroups, fresh in a cgroup namespace, bound without one', async (t) => {
  const withCgroupMount = (extra: (s: Spec) => void, over: Partial<PlanOptions> = {}) => {
    const plan = buildLaunchPlan(
      baseSpec((s) => {
        s.mounts = [{ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro'] }];
        extra(s);
      }),
      options({ id: 'box', ...over }),
    );
    return { mounts: plan.mounts.map((m) => [m.kind, m.fstype, m.source, m.destination, m.data]), symlinks: plan.symlinks.filter((l) => l.linkpath.startsWith('/sys')) };
  };
  t.same(withCgroupMount((s) => s.linux!.namespaces!.push({ type: 'cgroup' })).mounts, [
    [MountKind.Fs, 'tmpfs', 'tmpfs', '/sys/fs/cgroup', 'mode=755'],
    [MountKind.Fs, 'cgroup', 'cgroup', '/sys/fs/cgroup/cpu', 'cpu'],
    [MountKind.Fs, 'cgroup', 'cgroup', '/sys/fs/cgroup/systemd', 'name=systemd'],
  ], 'a cgroup namespace: fresh mounts, which show the namespace’s root; the hybrid cgroup2 side is not shown (as runc)');
  t.same(withCgroupMount(() => {}).mounts, [
    [MountKind.Fs, 'tmpfs', 'tmpfs', '/sys/fs/cgroup', 'mode=755'],
    [MountKind.Bind, '', '/sys/fs/cgroup/cpu/tsrunc/box', '/sys/fs/cgroup/cpu', ''],
    [MountKind.Bind, '', '/sys/fs/cgroup/systemd/tsrunc/box', '/sys/fs/cgroup/systemd', ''],
  ], 'none: the container’s own cgroup directories (the default /tsrunc/<id>)');
  t.same(withCgroupMount(() => {}, { cgroupPath: '/pod/c1' }).mounts[1], [MountKind.Bind, '', '/sys/fs/cgroup/cpu/pod/c1', '/sys/fs/cgroup/cpu', ''], 'cgroupsPath');
  const joined = withCgroupMount(() => {}, {
    host: { ...hybridHost, cgroups: { kind: 'v1', v1: [{ mountpoint: '/sys/fs/cgroup/cpu,cpuacct', controllers: 'cpu,cpuacct' }], unified: undefined } },
  });
  t.same(joined.mounts[1], [MountKind.Bind, '', '/sys/fs/cgroup/cpu,cpuacct/tsrunc/box', '/sys/fs/cgroup/cpu,cpuacct', '']);
  t.same(joined.symlinks, [
    { target: 'cpu,cpuacct', linkpath: '/sys/fs/cgroup/cpu' },
    { target: 'cpu,cpuacct', linkpath: '/sys/fs/cgroup/cpuacct' },
  ], 'a symlink per controller of a co-mounted hierarchy');
  const v2 = withCgroupMount(() => {}, { host: { ...hybridHost, cgroups: { kind: 'v2', v1: [], unified: '/sys/fs/cgroup' } } });
  t.same(v2.mounts, [[MountKind.Bind, '', '/sys/fs/cgroup/tsrunc/box', '/sys/fs/cgroup', '']], 'v2: the container’s cgroup2 directory');
});

t.test('hooks: the init gets createContainer/startContainer and the state JSON around its pid', async (t) => {
  const plan = buildLaunchPlan(
    baseSpec((s) => {
      s.annotations = { a: 'b' };
      s.hooks = {
        prestart: [{ path: '/bin/p' }],
        createContainer: [{ path: '/bin/c', args: ['c', '1'], env: ['X=1'], timeout: 3 }],
        startContainer: [{ path: '/bin/s' }],
        poststop: [{ path: '/bin/z' }],
      };
    }),
    { ...options(), id: 'box' },
  );
  t.same(plan.hooks, [
    { kind: HookKind.CreateContainer, timeout: 3, path: '/bin/c', args: ['c', '1'], env: ['X=1'] },
    { kind: HookKind.StartContainer, timeout: 0, path: '/bin/s', args: [], env: [] },
  ]);
  t.equal(plan.syncHooks, true, 'prestart runs in the runtime, before pivot_root');
  const json = JSON.parse(`${plan.hookState!.prefix}1${plan.hookState!.suffix}`);
  t.same(json, { ociVersion: '1.3.0', id: 'box', status: 'created', pid: 1, bundle: '/bundles/b', annotations: { a: 'b' } });
  const none = buildLaunchPlan(baseSpec(), options());
  t.same([none.hooks, none.syncHooks, none.hookState], [[], false, undefined]);
});

t.test('process.terminal asks the init for a pty of consoleSize', async (t) => {
  t.equal(buildLaunchPlan(baseSpec(), options()).terminal, undefined);
  t.same(buildLaunchPlan(baseSpec((s) => (s.process!.terminal = true)), options()).terminal, { rows: 0, cols: 0 });
  t.same(buildLaunchPlan(baseSpec((s) => {
    s.process!.terminal = true;
    s.process!.consoleSize = { height: 40, width: 120 };
  }), options()).terminal, { rows: 40, cols: 120 });
});

t.test('bind sources: the host resolves its part, the rootfs’s part is left to be resolved inside it', async (t) => {
  const links: Record<string, string> = {
    '/srv/alias': '/bundles/b/rootfs', // a host symlink into the rootfs
    '/bundles/b/rootfs/etc/evil': '/etc/shadow', // an image's symlink out of it
    '/bundles/b/link': 'vol/../vol2', // a relative host symlink
    '/loop': '/loop',
  };
  const readLink = (p: string) => links[p];
  const rootfs = '/bundles/b/rootfs';
  t.same(locateBindSource('/etc/hosts', rootfs, readLink), { inRoot: false, path: '/etc/hosts' });
  t.same(locateBindSource('/bundles/b/link/x', rootfs, readLink), { inRoot: false, path: '/bundles/b/vol2/x' });
  t.same(locateBindSource('/bundles/b/rootfs/etc/evil', rootfs, readLink), { inRoot: true, path: '/etc/evil' }, 'the image’s symlink is resolved in the rootfs, not read on the host');
  t.same(locateBindSource('/srv/alias/etc/evil', rootfs, readLink), { inRoot: true, path: '/etc/evil' }, 'also when the host path reaches the rootfs through a symlink');
  t.same(locateBindSource('/bundles/b/rootfs/../rootfs/a/../../x', rootfs, readLink), { inRoot: true, path: '/a/../../x' }, 'dot-dot inside the rootfs is the kernel’s to clamp at its root');
  t.same(locateBindSource('/bundles/b/rootfs', rootfs, readLink), { inRoot: true, path: '/' });
  t.same(locateBindSource('/bundles/b/rootfs2/x', rootfs, readLink), { inRoot: false, path: '/bundles/b/rootfs2/x' }, 'a sibling with the same prefix is not the rootfs');
  t.doesNotThrow(() => locateBindSource('/loop/x', rootfs, readLink), 'a symlink loop ends');

  const plan = buildLaunchPlan(
    baseSpec((s) => s.mounts!.push({ destination: '/x', source: 'rootfs/etc/evil', options: ['bind'] })),
    options({ readLink }),
  );
  const m = plan.mounts.find((m) => m.destination === '/x')!;
  t.equal(m.source, '/etc/evil');
  t.equal(m.options & MOUNT_OPT_SOURCE_IN_ROOT, MOUNT_OPT_SOURCE_IN_ROOT, 'the init resolves it in the rootfs');
});

t.test('linux.mountLabel: every tmpfs gets the context= option, where SELinux is enabled', async (t) => {
  const label = 'system_u:object_r:container_file_t:s0:c1.c2';
  const plan = buildLaunchPlan(baseSpec((s) => (s.linux!.mountLabel = label)), options({ host: { ...hybridHost, selinux: true } }));
  const tmpfs = plan.mounts.filter((m) => m.fstype === 'tmpfs');
  t.ok(tmpfs.length >= 2 && tmpfs.every((m) => m.data.includes(`context="${label}"`)), 'every tmpfs (/dev, /dev/shm) carries it');
  t.ok(plan.mounts.filter((m) => m.fstype === 'proc').every((m) => !m.data.includes('context=')), 'other filesystems do not');
  t.throws(() => buildLaunchPlan(baseSpec((s) => (s.linux!.mountLabel = label)), options()), { pointer: '/linux/mountLabel', message: /SELinux is not enabled/ }, 'refused where SELinux is not enabled');
});

t.test('no process (config.md: REQUIRED only at start): a plan without one, the container-wide fields still checked', async (t) => {
  const plan = buildLaunchPlan(baseSpec((s) => delete s.process), options());
  t.equal(plan.process, undefined);
  t.equal(plan.terminal, undefined);
  t.throws(
    () => buildLaunchPlan(baseSpec((s) => {
      delete s.process;
      s.linux!.personality = { domain: 'LINUX64' as 'LINUX' };
    }), options()),
    { message: /\/linux\/personality\/domain/ },
    'linux.personality is refused at create, not at the first exec',
  );
});
