// Each namespace seen from inside the container: a probe script prints what the container sees.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import t, { type Test } from 'tap';
import type { Spec } from '../../src/spec/generated/config.js';
import { expectCreateRefused, hostMounts, makeBundle, privateRootfs, rootSkipReason, runScript, stateRoot, tsrunc, uniqueId, waitFor } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

const PROBE = [
  'echo "hostname=$(hostname)"',
  'echo "domainname=$(cat /proc/sys/kernel/domainname)"',
  'echo "pid=$$"',
  'for n in pid mnt uts ipc net cgroup user; do echo "ns.$n=$(readlink /proc/self/ns/$n)"; done',
  'echo "netdevs=$(ls /sys/class/net | tr "\\n" " ")"',
  'echo "uid_map=$(cat /proc/self/uid_map | tr -s " " | tr "\\n" ";")"',
  'echo "root_mount=$(awk \'$5 == "/"\' /proc/self/mountinfo | wc -l)"',
  'echo "mounts=$(wc -l < /proc/self/mountinfo)"',
  'echo "procs=$(cd /proc && echo [0-9]*)"',
].join('; ');

function parse(out: string): Record<string, string> {
  return Object.fromEntries(out.trim().split('\n').map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1).trim()]));
}

const hostNs = (n: string) => fs.readlinkSync(`/proc/self/ns/${n}`);

t.test('pid, mount, uts, ipc, network and cgroup namespaces are the container’s own', async (t) => {
  const r = runScript(t, stateRoot(t), PROBE, (s) => {
    s.hostname = 'probe-host';
    s.domainname = 'probe.example';
    s.linux!.namespaces!.push({ type: 'cgroup' });
  });
  t.equal(r.status, 0, r.stderr);
  const seen = parse(r.stdout);
  t.equal(seen.hostname, 'probe-host');
  t.equal(seen.domainname, 'probe.example');
  t.equal(seen.pid, '1', 'the process is PID 1');
  // sh (pid 1) and the subshell of $(…), numbered after the probe's earlier commands: no host process.
  const procs = seen.procs!.split(' ');
  t.ok(procs.length <= 3 && procs[0] === '1', `it sees only its own processes in /proc (${seen.procs})`);
  for (const n of ['pid', 'mnt', 'uts', 'ipc', 'net', 'cgroup']) t.not(seen[`ns.${n}`], hostNs(n), `${n} namespace differs from the host's`);
  t.equal(seen['ns.user'], hostNs('user'), 'no user namespace was asked for');
  t.equal(seen.netdevs, 'lo', 'a new network namespace has only lo');
  t.equal(seen.root_mount, '1', 'its own root mount');
  t.ok(Number(seen.mounts) < 40, `its own, short mount table (${seen.mounts} entries)`);
});

t.test('namespaces left out are the host’s', async (t) => {
  const r = runScript(t, stateRoot(t), PROBE, (s) => {
    s.linux!.namespaces = [{ type: 'mount' }];
    delete s.hostname;
    s.linux!.maskedPaths = [];
    s.linux!.readonlyPaths = [];
    s.mounts = s.mounts!.filter((m) => m.type !== 'sysfs' && m.type !== 'mqueue' && m.type !== 'cgroup');
  });
  t.equal(r.status, 0, r.stderr);
  const seen = parse(r.stdout);
  for (const n of ['pid', 'uts', 'ipc', 'net']) t.equal(seen[`ns.${n}`], hostNs(n), `${n} is shared with the host`);
  t.not(seen.pid, '1');
});

t.test('joining a namespace by path', async (t) => {
  // Join the test process's own uts namespace by path: the container sees the host hostname.
  const r = runScript(t, stateRoot(t), PROBE, (s) => {
    delete s.hostname;
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'uts');
    s.linux!.namespaces!.push({ type: 'uts', path: `/proc/${process.pid}/ns/uts` });
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(parse(r.stdout)['ns.uts'], hostNs('uts'));
});

t.test('a user namespace maps container root to a host range', async (t) => {
  const r = runScript(t, stateRoot(t), `${PROBE}; echo "id=$(id -u):$(id -g)"; echo "owner=$(stat -c %u:%g /bin/busybox)"`, (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  });
  t.equal(r.status, 0, r.stderr);
  const seen = parse(r.stdout);
  t.not(seen['ns.user'], hostNs('user'));
  t.equal(seen.uid_map, '0 100000 65536;', 'the mapping written by the runtime');
  t.equal(seen.id, '0:0', 'root inside');
  t.equal(seen.owner, '65534:65534', 'host root-owned files show as the overflow id');
});

/** A process in new namespaces of `flags` (unshare(1) options), to join by path; killed at teardown. */
async function holder(t: Test, ...flags: string[]): Promise<number> {
  const child = spawn('unshare', [...flags, 'sleep', '120'], { stdio: 'ignore' });
  t.teardown(() => void child.kill('SIGKILL'));
  const pid = child.pid!;
  // unshare(1) execs sleep once its namespaces exist.
  await waitFor(() => fs.readlinkSync(`/proc/${pid}/exe`).endsWith('/sleep'));
  return pid;
}

t.test('no mount namespace: the mounts are the host’s while it runs, and all gone after delete', async (t) => {
  const rootfs = privateRootfs(t);
  const root = stateRoot(t);
  const before = hostMounts();
  const id = uniqueId('nomnt');
  const bundle = makeBundle(t, (s) => {
    s.root = { path: rootfs, readonly: true };
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount');
    delete s.linux!.maskedPaths;
    delete s.linux!.readonlyPaths;
    s.process!.args = ['sh', '-c', 'ls /proc/1/exe >/dev/null && echo ready; sleep 60'];
  });
  t.equal(tsrunc(root, ['run', '-d', '--bundle', bundle, id]).status, 0);
  const during = hostMounts().filter((m) => m === rootfs || m.startsWith(`${rootfs}/`));
  t.ok(during.includes(`${rootfs}/proc`) && during.includes(rootfs), `the container's mounts are in the host's namespace (${during.length})`);
  const e = tsrunc(root, ['exec', id, 'sh', '-c', 'ls /bin/busybox && cat /proc/self/mountinfo | wc -l']);
  t.equal(e.status, 0, e.stderr);
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
  t.same(hostMounts(), before, 'the host’s mount table is what it was before create');
});

t.test('no mount namespace: masks, read-only paths and rootfsPropagation are refused, not applied to the host', async (t) => {
  const root = stateRoot(t);
  const noMount = (s: Spec) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount'));
  expectCreateRefused(t, root, noMount, /\/linux\/maskedPaths: masking paths needs a mount namespace/, 'maskedPaths');
  expectCreateRefused(t, root, (s) => {
    noMount(s);
    delete s.linux!.maskedPaths;
  }, /\/linux\/readonlyPaths: making paths read-only needs a mount namespace/, 'readonlyPaths');
});

t.test('a mount namespace joined by path: the rootfs is set up in it, the host’s stays untouched', async (t) => {
  const pid = await holder(t, '--mount', '--propagation', 'private');
  const before = hostMounts();
  const r = runScript(t, stateRoot(t), PROBE, (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'mount');
    s.linux!.namespaces!.push({ type: 'mount', path: `/proc/${pid}/ns/mnt` });
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(parse(r.stdout)['ns.mnt'], fs.readlinkSync(`/proc/${pid}/ns/mnt`), 'the container is in the joined mount namespace');
  t.same(hostMounts(), before, 'nothing reached the host');
});

t.test('a uts namespace joined by path takes the hostname; the runtime’s own is refused', async (t) => {
  const pid = await holder(t, '--uts');
  const hostname = fs.readFileSync('/proc/sys/kernel/hostname', 'utf8');
  const r = runScript(t, stateRoot(t), PROBE, (s) => {
    s.hostname = 'joined-uts';
    s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'uts' ? { type: 'uts', path: `/proc/${pid}/ns/uts` } : n));
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(parse(r.stdout).hostname, 'joined-uts');
  t.equal(spawnSync('nsenter', ['-t', String(pid), '-u', 'hostname'], { encoding: 'utf8' }).stdout.trim(), 'joined-uts', 'set in the joined namespace');
  t.equal(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8'), hostname, 'not on the host');
  expectCreateRefused(
    t,
    stateRoot(t),
    (s) => (s.linux!.namespaces = s.linux!.namespaces!.map((n) => (n.type === 'uts' ? { type: 'uts', path: `/proc/${process.pid}/ns/uts` } : n))),
    /\/hostname: cannot be set in the runtime's own uts namespace \(joined by path\)/,
    'the runtime’s own uts namespace',
  );
  t.equal(fs.readFileSync('/proc/sys/kernel/hostname', 'utf8'), hostname);
});
