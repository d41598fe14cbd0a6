// Each namespace seen from inside the container: a probe script prints what the container sees.
import fs from 'node:fs';
import t from 'tap';
import { rootSkipReason, runScript, stateRoot } from '../helpers/cli.js';

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
