// config-linux.md, everything but the cgroup sections: default filesystems, namespaces, user
// namespace mappings, time offsets, devices and the default devices, network devices, sysctl,
// seccomp and its listener (the container process state), rootfs propagation, masked and
// read-only paths, mount label, personality. Each case names the statements it checks; what no
// black-box test can observe is in `notTestable` with the reason.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { expect, skip } from '../harness.mjs';

const failed = (r) => r.status !== 0 && r.status !== null;
const sh = (cmd) => spawnSync('sh', ['-c', cmd], { encoding: 'utf8' });
const hostNs = (t) => fs.readlinkSync(`/proc/self/ns/${t}`);
const nsTypes = { pid: 'pid', network: 'net', mount: 'mnt', ipc: 'ipc', uts: 'uts', user: 'user', cgroup: 'cgroup', time: 'time' };
/** Probes printing the container's own namespace links, one per kernel name. */
const nsProbes = Object.values(nsTypes).map((k) => `ns_${k}=readlink /proc/self/ns/${k}`);

/**
 * create + start a checker bundle; the parsed result, the id and the out dir. `refusable` names
 * the field a case checks is applied: refusing it cleanly at create (an error, no container left)
 * is what runtime.md#runtimeCreate/5 allows, so the case skips rather than fails.
 */
async function check(w, probes, mutate = () => {}, { hold = false, refusable } = {}) {
  const out = w.out();
  const bundle = w.checkerBundle(out, ['r', ...probes, ...(hold ? ['--hold'] : [])], mutate);
  const id = w.id();
  const c = await w.run(['create', '--bundle', bundle, id]);
  if (refusable && failed(c)) await skipIfRefused(w, id, c, refusable);
  expect(c.status === 0, `create succeeds (${c.stderr.trim().slice(0, 300)})`);
  const s = await w.run(['start', id]);
  expect(s.status === 0, `start succeeds (${s.stderr.trim().slice(0, 300)})`);
  const r = await w.result(out, 'r');
  return { r, id, out, bundle };
}

/** A failed create of a field the case wanted applied: a skip if it was a clean refusal. */
async function skipIfRefused(w, id, c, field) {
  const st = await w.state(id);
  // An error with no message, or one that leaves a container, is no clean refusal: the case fails.
  if (st !== undefined || !c.stderr.trim()) return;
  skip(`the runtime refuses ${field} with an error (${c.stderr.trim().slice(0, 200)}), as runtime.md#runtimeCreate/5 allows`);
}

/**
 * Whether the runtime generates an error for this config: create fails, or (a runtime may find
 * out later) start fails. Returns a description of what happened when it did not, and the failing
 * operation's output (the error the runtime printed).
 */
async function refusal(w, mutate) {
  const id = w.id();
  const c = await w.run(['create', '--bundle', w.bundle(mutate), id]);
  if (failed(c)) return { refused: true, how: `create: ${c.stderr.trim().slice(0, 200)}`, printed: `${c.stderr}${c.stdout}`.trim() };
  const s = await w.run(['start', id]);
  if (failed(s)) return { refused: true, how: `start: ${s.stderr.trim().slice(0, 200)}`, printed: `${s.stderr}${s.stdout}`.trim() };
  return { refused: false, how: 'create and start both succeeded', printed: '' };
}

/** Whether this host's kernel opens a device node (its driver is there): else "usable" cannot be shown. */
const hostOpens = (p) => {
  try {
    fs.closeSync(fs.openSync(p, 'r+'));
    return true;
  } catch {
    return false;
  }
};

/** A copy of the busybox rootfs in the case's own directory (for cases that may damage it). */
function privateRootfs(w) {
  const dest = path.join(w.dir, 'rootfs');
  const r = spawnSync('cp', ['-a', w.rootfs, dest], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`cannot copy the rootfs: ${r.stderr}`);
  return dest;
}

const uniq = () => Math.random().toString(36).slice(2, 7);

/** This host's seccomp architecture (a filter for a foreign one only would not apply here), or none: the runtime's native. */
const SECCOMP_ARCH = { x64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64', ppc64: 'SCMP_ARCH_PPC64LE', s390x: 'SCMP_ARCH_S390X', riscv64: 'SCMP_ARCH_RISCV64', loong64: 'SCMP_ARCH_LOONGARCH64' }[process.arch];

/** A host network namespace (ip netns) that is removed in `finally` by the caller. */
function makeNetns() {
  const name = `ocinet-${uniq()}`;
  const r = sh(`ip netns add ${name}`);
  if (r.status !== 0) skip(`cannot make a network namespace on this host (${r.stderr.trim()})`);
  return { name, path: `/run/netns/${name}`, remove: () => sh(`ip netns delete ${name}`) };
}

/** A veth pair on the host (this kernel has no dummy driver); remove() deletes whatever is left of it. */
function makeVeth() {
  const a = `oca${uniq()}`;
  const b = `ocb${uniq()}`;
  const r = sh(`ip link add ${a} type veth peer name ${b}`);
  if (r.status !== 0) skip(`cannot make a veth pair on this host (${r.stderr.trim()})`);
  return { a, b, remove: () => sh(`ip link del ${a} 2>/dev/null; ip link del ${b} 2>/dev/null`) };
}
/** Runs `body` with a fresh veth pair, removed afterwards whatever happened. */
async function withVeth(body) {
  const v = makeVeth();
  try {
    await body(v);
  } finally {
    v.remove();
  }
}
const hostHasLink = (name) => sh(`ip link show dev ${name}`).status === 0;
/** lo, and the devices the kernel puts in every new network namespace (sit, ipip, gre, ip6 tunnels, vti). */
const FALLBACK_TUNNELS = /^(lo|sit0|tunl0|gre0|gretap0|erspan0|ip6tnl0|ip6gre0|ip6erspan0|ip_vti0|ip6_vti0)$/;

/**
 * A small python3 helper that listens on a UNIX stream socket, takes one connection and records
 * the SCM_RIGHTS fds (and at which payload offset each batch came), the file each fd is, and the
 * payload; then (seccomp) it answers seccomp notifications on the received fd with EXDEV, or
 * (console) keeps the pty master open and drains it.
 */
const FD_AGENT = String.raw`
import socket, sys, os, json, array, struct, fcntl, select, time, errno
sock_path, out_path, mode = sys.argv[1], sys.argv[2], sys.argv[3]
srv = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
srv.bind(sock_path)
os.chmod(sock_path, 0o777)
srv.listen(4)
srv.settimeout(20)
res = {'connections': 0, 'calls': [], 'fds': [], 'payload': ''}
fds = []
try:
    conn, _ = srv.accept()
    res['connections'] = 1
    conn.settimeout(10)
    data = b''
    # One byte at a time: fds arrive with the first byte of the sendmsg that carried them, so their
    # offset tells which call it was (a bigger read would merge a data-only call with the next).
    while True:
        msg, anc, flags, addr = conn.recvmsg(1, socket.CMSG_SPACE(16 * 4))
        got = []
        for level, typ, cdata in anc:
            if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                a = array.array('i')
                a.frombytes(cdata[: len(cdata) - (len(cdata) % a.itemsize)])
                got.extend(a)
        fds.extend(got)
        if not msg and not got:
            res['closed'] = True
            break
        if got:
            res['calls'].append({'offset': len(data), 'nfds': len(got)})
        data += msg
    res['payload'] = data.decode('utf8', 'replace')
    res['fds'] = [os.readlink('/proc/self/fd/%d' % f) for f in fds]
except Exception as e:
    res['error'] = repr(e)
# A second connection would be a reuse: note it if one comes within a moment.
srv.settimeout(0.3)
try:
    c2, _ = srv.accept()
    res['connections'] += 1
except Exception:
    pass
tmp = out_path + '.tmp'
with open(tmp, 'w') as f:
    json.dump(res, f)
os.rename(tmp, out_path)
end = time.time() + 15
if mode == 'seccomp' and fds:
    fd = fds[0]
    RECV, SEND = 0xc0502100, 0xc0182101
    handled = 0
    while time.time() < end:
        r, _, _ = select.select([fd], [], [], 0.5)
        if not r:
            continue
        buf = bytearray(80)
        try:
            fcntl.ioctl(fd, RECV, buf)
        except OSError:
            continue
        nid = struct.unpack_from('Q', buf, 0)[0]
        resp = bytearray(struct.pack('QqiI', nid, 0, -errno.EXDEV, 0))
        try:
            fcntl.ioctl(fd, SEND, resp)
            handled += 1
        except OSError:
            pass
elif mode == 'console' and fds:
    while time.time() < end:
        r, _, _ = select.select([fds[0]], [], [], 0.5)
        if r:
            try:
                if not os.read(fds[0], 4096):
                    break
            except OSError:
                break
`;

function python() {
  for (const p of ['/usr/bin/python3', '/usr/local/bin/python3']) if (fs.existsSync(p)) return p;
  skip('no python3 on this host for the socket helper');
}

/** Starts the fd agent; returns the socket path, a result() promise and stop(). */
async function fdAgent(w, mode) {
  const script = path.join(w.dir, `agent-${uniq()}.py`);
  fs.writeFileSync(script, FD_AGENT);
  const sock = path.join(w.dir, `agent-${uniq()}.sock`);
  const out = path.join(w.dir, `agent-${uniq()}.json`);
  const child = spawn(python(), [script, sock, out, mode], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  const up = await w.waitFor(() => fs.existsSync(sock), 5000);
  if (!up) {
    child.kill('SIGKILL');
    throw new Error(`the socket helper did not start: ${stderr}`);
  }
  return {
    sock,
    async result(ms = 10_000) {
      if (!(await w.waitFor(() => fs.existsSync(out), ms))) return undefined;
      return JSON.parse(fs.readFileSync(out, 'utf8'));
    },
    stop() {
      try {
        child.kill('SIGKILL');
      } catch {
        // gone
      }
    },
  };
}

export const cases = [
  // ---------------------------------------------------------------- default filesystems
  {
    name: 'config-linux.md: /proc, /sys, /dev/pts and /dev/shm are there with their filesystem types',
    statements: ['config-linux.md#configLinuxDefaultFilesystems/1'],
    async run(w) {
      const { r } = await check(w, ['m=cat /proc/self/mounts']);
      const types = new Map(r.m.out.split('\n').map((l) => l.split(' ')).map((f) => [f[1], f[2]]));
      for (const [p, t] of [['/proc', 'proc'], ['/sys', 'sysfs'], ['/dev/pts', 'devpts'], ['/dev/shm', 'tmpfs']]) {
        expect(types.get(p) === t, `${p} is a ${t} mount (${types.get(p) ?? 'not mounted'})`);
      }
    },
  },

  // ---------------------------------------------------------------- namespaces
  {
    name: 'config-linux.md: pid, network, mount, ipc and uts without path are new namespaces, and isolate',
    statements: ['config-linux.md#configLinuxNamespaces/2', 'config-linux.md#configLinuxNamespaces/6'],
    async run(w) {
      const { r } = await check(w, [...nsProbes, 'procs=ls /proc | grep -c "^[0-9]*$"', 'pid1=tr "\\0" " " < /proc/1/cmdline', 'links=ls /sys/class/net', 'host=hostname', 'mnt=grep -c " /checker.sh " /proc/self/mountinfo']);
      for (const t of ['pid', 'network', 'mount', 'ipc', 'uts']) {
        const k = nsTypes[t];
        expect(r[`ns_${k}`].rc === 0 && r[`ns_${k}`].out !== hostNs(k), `${t}: the container's ${r[`ns_${k}`].out} is not the runtime's ${hostNs(k)}`);
      }
      expect(/checker\.sh r/.test(r.pid1.out), `pid: the container process is PID 1 of its namespace (${r.pid1.out})`);
      expect(Number(r.procs.out) <= 5, `pid: only the container's few processes are visible (${r.procs.out})`);
      // A new network namespace also gets the kernel's fallback tunnel devices when their modules are loaded.
      const inside = r.links.out.split(/\s+/).filter(Boolean);
      expect(inside.includes('lo') && inside.every((n) => FALLBACK_TUNNELS.test(n)), `network: only lo (and the kernel's per-namespace fallback tunnels) in the new network stack (${r.links.out})`);
      expect(r.host.out === 'conformance', `uts: the container has its own hostname (${r.host.out})`);
      expect(r.mnt.out === '1', 'mount: the container mount table has its own mounts (/checker.sh)');
      expect(!fs.readFileSync('/proc/self/mountinfo', 'utf8').includes(' /checker.sh '), "mount: the container's mounts are not in the runtime's mount table");
    },
  },
  {
    name: 'config-linux.md: a cgroup namespace without path is new, and its root is the container cgroup',
    statements: ['config-linux.md#configLinuxNamespaces/2', 'config-linux.md#configLinuxNamespaces/6'],
    async run(w) {
      const { r } = await check(w, ['ns=readlink /proc/self/ns/cgroup', 'cg=cat /proc/self/cgroup'], (c) => c.linux.namespaces.push({ type: 'cgroup' }));
      expect(r.ns.out !== hostNs('cgroup'), `a new cgroup namespace (${r.ns.out} vs the runtime's ${hostNs('cgroup')})`);
      const lines = r.cg.out.split('\n').filter(Boolean);
      expect(lines.length > 0 && lines.every((l) => l.endsWith(':/')), `every hierarchy's path is / inside it (${lines.join('; ')})`);
    },
  },
  {
    name: 'config-linux.md: a time namespace without path is new, with the timeOffsets applied',
    statements: ['config-linux.md#configLinuxNamespaces/2', 'config-linux.md#configLinuxNamespaces/6'],
    async run(w) {
      if (!fs.existsSync('/proc/self/ns/time')) skip('this kernel has no time namespaces');
      const offset = 1_000_000;
      const before = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
      const { r } = await check(w, ['ns=readlink /proc/self/ns/time', 'up=cat /proc/uptime'], (c) => {
        c.linux.namespaces.push({ type: 'time' });
        c.linux.timeOffsets = { boottime: { secs: offset, nanosecs: 0 }, monotonic: { secs: offset, nanosecs: 0 } };
      });
      const after = Number(fs.readFileSync('/proc/uptime', 'utf8').split(' ')[0]);
      expect(r.ns.out !== hostNs('time'), `a new time namespace (${r.ns.out} vs the runtime's ${hostNs('time')})`);
      const up = Number(r.up.out.split(' ')[0]);
      expect(up >= before + offset - 1 && up <= after + offset + 1, `the container's uptime is the host's plus the boottime offset ${offset} s (${up}; host ${before}..${after})`);
    },
  },
  {
    name: 'config-linux.md: a namespace type left out of namespaces is the runtime namespace of that type',
    statements: ['config-linux.md#configLinuxNamespaces/7'],
    async run(w) {
      const { r } = await check(w, nsProbes, (c) => {
        c.linux.namespaces = [{ type: 'pid' }, { type: 'mount' }];
        delete c.hostname; // no UTS namespace of its own to set it in
      });
      for (const t of ['network', 'ipc', 'uts', 'user', 'cgroup', 'time']) {
        const k = nsTypes[t];
        if (!fs.existsSync(`/proc/self/ns/${k}`)) continue;
        expect(r[`ns_${k}`].out === hostNs(k), `${t}: the container is in the runtime's ${hostNs(k)} (${r[`ns_${k}`].out})`);
      }
    },
  },
  {
    name: 'config-linux.md: a namespace path (network from ip netns, uts and ipc of a host process) is joined',
    statements: ['config-linux.md#configLinuxNamespaces/4', 'config-linux.md#configLinuxNamespaces/3'],
    async run(w) {
      const netns = makeNetns();
      const holder = spawn('unshare', ['--uts', '--ipc', 'sleep', '30'], { stdio: 'ignore' });
      holder.on('error', () => {}); // no unshare: the wait below fails and the case skips
      try {
        const ready = await w.waitFor(() => {
          try {
            return fs.readlinkSync(`/proc/${holder.pid}/ns/uts`) !== hostNs('uts') && fs.readlinkSync(`/proc/${holder.pid}/ns/ipc`) !== hostNs('ipc');
          } catch {
            return false;
          }
        });
        if (!ready) skip('could not start a process in new uts and ipc namespaces with unshare');
        const want = { net: `net:[${fs.statSync(netns.path).ino}]`, uts: fs.readlinkSync(`/proc/${holder.pid}/ns/uts`), ipc: fs.readlinkSync(`/proc/${holder.pid}/ns/ipc`) };
        const { r } = await check(w, ['net=readlink /proc/self/ns/net', 'uts=readlink /proc/self/ns/uts', 'ipc=readlink /proc/self/ns/ipc'], (c) => {
          c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: netns.path } : n.type === 'uts' ? { type: 'uts', path: `/proc/${holder.pid}/ns/uts` } : n.type === 'ipc' ? { type: 'ipc', path: `/proc/${holder.pid}/ns/ipc` } : n));
        });
        for (const k of ['net', 'uts', 'ipc']) expect(r[k].out === want[k], `${k}: the container is in ${want[k]} (${r[k].out})`);
      } finally {
        holder.kill('SIGKILL');
        netns.remove();
      }
    },
  },
  {
    name: 'config-linux.md: a relative namespace path is an error',
    statements: ['config-linux.md#configLinuxNamespaces/3'],
    async run(w) {
      const netns = makeNetns();
      try {
        // Relative to /run/netns, and to the directory the runtime happens to run in: neither may be taken.
        const rel = path.relative(process.cwd(), netns.path);
        const r = await refusal(w, (c) => (c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: rel } : n))));
        expect(r.refused, `network namespace path ${rel} (not absolute) is refused (${r.how})`);
      } finally {
        netns.remove();
      }
    },
  },
  {
    name: 'config-linux.md: a namespace path of another type, or not a namespace at all, is an error',
    statements: ['config-linux.md#configLinuxNamespaces/5'],
    async run(w) {
      const netns = makeNetns();
      try {
        const r1 = await refusal(w, (c) => (c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'uts' ? { type: 'uts', path: netns.path } : n))));
        expect(r1.refused, `a uts entry whose path is a network namespace is refused (${r1.how})`);
        const file = path.join(w.out(), 'not-a-namespace');
        fs.writeFileSync(file, 'x');
        const r2 = await refusal(w, (c) => (c.linux.namespaces = c.linux.namespaces.map((n) => (n.type === 'network' ? { type: 'network', path: file } : n))));
        expect(r2.refused, `a network entry whose path is a regular file is refused (${r2.how})`);
      } finally {
        netns.remove();
      }
    },
  },
  {
    name: 'config-linux.md: a duplicated namespace type is an error',
    statements: ['config-linux.md#configLinuxNamespaces/8'],
    async run(w) {
      const r = await refusal(w, (c) => c.linux.namespaces.push({ type: 'network' }));
      expect(r.refused, `two network entries are refused (${r.how})`);
      const r2 = await refusal(w, (c) => c.linux.namespaces.push({ type: 'uts' }));
      expect(r2.refused, `two uts entries are refused (${r2.how})`);
    },
  },
  {
    name: 'config-linux.md: a namespace without type, or with an unknown type, is an error',
    statements: ['config-linux.md#configLinuxNamespaces/1'],
    async run(w) {
      const r = await refusal(w, (c) => c.linux.namespaces.push({ path: '/proc/self/ns/cgroup' }));
      expect(r.refused, `an entry without type is refused (${r.how})`);
      const r2 = await refusal(w, (c) => c.linux.namespaces.push({ type: 'bogus' }));
      expect(r2.refused, `an entry of type "bogus" is refused (${r2.how})`);
    },
  },

  // ---------------------------------------------------------------- user namespaces
  {
    name: 'config-linux.md: a user namespace gets exactly the uid and gid mappings, and the process runs as the mapped host ids',
    statements: ['config-linux.md#configLinuxNamespaces/2', 'config-linux.md#configLinuxNamespaces/6', 'config-linux.md#configLinuxUserNamespaceMappings/1', 'config-linux.md#configLinuxUserNamespaceMappings/2', 'config-linux.md#configLinuxUserNamespaceMappings/3'],
    async run(w) {
      const uid = [{ containerID: 0, hostID: 100000, size: 1000 }, { containerID: 1000, hostID: 300000, size: 2000 }];
      const gid = [{ containerID: 0, hostID: 200000, size: 65536 }];
      const { r, id } = await check(w, ['ns=readlink /proc/self/ns/user', 'uid=cat /proc/self/uid_map', 'gid=cat /proc/self/gid_map', 'id=id -u; id -g'], (c) => {
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = uid;
        c.linux.gidMappings = gid;
        c.mounts = c.mounts.filter((m) => m.type !== 'sysfs');
      }, { hold: true });
      expect(r.ns.out !== hostNs('user'), `a new user namespace (${r.ns.out})`);
      const norm = (s) => s.split('\n').map((l) => l.trim().split(/\s+/).join(' ')).filter(Boolean).sort().join('; ');
      const want = (m) => m.map((e) => `${e.containerID} ${e.hostID} ${e.size}`).sort().join('; ');
      expect(norm(r.uid.out) === want(uid), `uid_map is ${want(uid)} (${norm(r.uid.out)})`);
      expect(norm(r.gid.out) === want(gid), `gid_map is ${want(gid)} (${norm(r.gid.out)})`);
      expect(r.id.out.split('\n').join(' ') === '0 0', `the process is uid 0, gid 0 in the container (${r.id.out})`);
      const { pid } = await w.state(id);
      const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
      const hostUid = /^Uid:\s+(\d+)/m.exec(status)[1];
      const hostGid = /^Gid:\s+(\d+)/m.exec(status)[1];
      expect(hostUid === '100000' && hostGid === '200000', `seen from the host it runs as 100000:200000 (${hostUid}:${hostGid})`);
    },
  },
  {
    name: 'config-linux.md: a user namespace mapping does not change the ownership of the rootfs or bind-mounted files',
    statements: ['config-linux.md#configLinuxUserNamespaceMappings/4'],
    async run(w) {
      const out = w.out();
      const files = [w.rootfs, path.join(w.rootfs, 'bin'), path.join(w.rootfs, 'bin/busybox'), path.join(w.rootfs, 'etc/passwd'), out];
      const own = () => files.map((f) => { const s = fs.lstatSync(f); return `${f} ${s.uid}:${s.gid} ${s.mode.toString(8)}`; }).join('\n');
      const before = own();
      const bundle = w.checkerBundle(out, ['r', 'own=stat -c "%u:%g" /bin/busybox /etc/passwd'], (c) => {
        c.linux.namespaces.push({ type: 'user' });
        c.linux.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.linux.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
        c.mounts = c.mounts.filter((m) => m.type !== 'sysfs');
      });
      const id = w.id();
      const c = await w.run(['create', '--bundle', bundle, id]);
      expect(c.status === 0, `create succeeds (${c.stderr.trim().slice(0, 300)})`);
      expect(own() === before, `ownership is unchanged after create:\n${own()}\nwas\n${before}`);
      expect((await w.run(['start', id])).status === 0, 'start succeeds');
      const r = await w.result(out, 'r');
      // (Inside, the files show as the overflow id, or as 0 through an idmapped rootfs mount: both leave the owner alone.)
      expect(own() === before, `ownership is unchanged after start (inside: ${r.own.out.replace(/\n/g, ', ')})`);
    },
  },

  // ---------------------------------------------------------------- devices
  {
    name: 'config-linux.md: devices are there with their type, major, minor, mode and owner, and usable',
    statements: ['config-linux.md#configLinuxDevices/1', 'config-linux.md#configLinuxDevices/2', 'config-linux.md#configLinuxDevices/3', 'config-linux.md#configLinuxDevices/5'],
    async run(w) {
      const devs = [
        { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 1234, gid: 4321 },
        { path: '/dev/net/tun', type: 'c', major: 10, minor: 200, fileMode: 0o600, uid: 0, gid: 0 },
        { path: '/dev/loop200', type: 'b', major: 7, minor: 200, fileMode: 0o640, uid: 0, gid: 6 },
        { path: '/dev/unbuffered', type: 'u', major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 },
        { path: '/dev/sub/dir/fifo', type: 'p', fileMode: 0o620, uid: 5, gid: 7 },
      ];
      const kind = { c: 'character special file', u: 'character special file', b: 'block special file', p: 'fifo' };
      const probes = devs.map((d, i) => `d${i}=stat -c "%F|%t|%T|%a|%u|%g" ${d.path}`);
      const { r } = await check(w, [...probes, 'open_fuse=exec 3<>/dev/fuse && echo opened', 'open_tun=exec 3<>/dev/net/tun && echo opened'], (c) => {
        c.linux.devices = devs;
        // Access to devices is the cgroup allowlist's business: allow the two opened here explicitly.
        c.linux.resources = { devices: [{ allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }] };
      });
      devs.forEach((d, i) => {
        const want = [kind[d.type], ...(d.type === 'p' ? [] : [d.major.toString(16), d.minor.toString(16)]), d.fileMode.toString(8), String(d.uid), String(d.gid)];
        const got = r[`d${i}`].out.split('|');
        if (d.type === 'p') got.splice(1, 2);
        expect(r[`d${i}`].rc === 0 && got.join('|') === want.join('|'), `${d.path}: ${want.join('|')} (${r[`d${i}`].out})`);
      });
      for (const p of ['/dev/fuse', '/dev/net/tun']) if (!hostOpens(p)) skip(`the nodes are right, but this host kernel cannot open ${p} (no driver), so "usable" cannot be shown`);
      expect(r.open_fuse.out === 'opened', `/dev/fuse can be opened (${r.open_fuse.out})`);
      expect(r.open_tun.out === 'opened', `/dev/net/tun can be opened (${r.open_tun.out})`);
    },
  },
  {
    name: 'config-linux.md: a device outside /dev (in the rootfs) is there too',
    statements: ['config-linux.md#configLinuxDevices/1', 'config-linux.md#configLinuxDevices/3'],
    async run(w) {
      const rootfs = privateRootfs(w); // the runtime may have to write into the rootfs for this
      const { r } = await check(w, ['d=stat -c "%F|%t|%T|%a" /mnt/fuse', 'open=exec 3<>/mnt/fuse && echo opened'], (c) => {
        c.root.path = rootfs;
        c.linux.devices = [{ path: '/mnt/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 }];
        c.linux.resources = { devices: [{ allow: true, type: 'c', major: 10, minor: 229, access: 'rwm' }] };
      });
      expect(r.d.out === 'character special file|a|e5|666', `/mnt/fuse is character device 10:229, mode 666 (${r.d.out})`);
      if (!hostOpens('/dev/fuse')) skip('the node is right, but this host kernel cannot open /dev/fuse (no fuse driver), so "usable" cannot be shown');
      expect(r.open.out === 'opened', `/mnt/fuse can be opened (${r.open.out})`);
    },
  },
  {
    name: 'config-linux.md: a device path where a file of another kind already exists is an error',
    statements: ['config-linux.md#configLinuxDevices/4'],
    async run(w) {
      // A private copy of the rootfs: a runtime that replaces the file must not break the shared one.
      const rootfs = privateRootfs(w);
      const target = path.join(rootfs, 'etc/group');
      // /etc/group is a regular file of the rootfs; /dev/shm is a directory (a mount of the config).
      const r1 = await refusal(w, (c) => {
        c.root.path = rootfs;
        c.linux.devices = [{ path: '/etc/group', type: 'c', major: 10, minor: 229, fileMode: 0o666 }];
      });
      const now = fs.lstatSync(target);
      const kind = now.isFile() ? 'a regular file' : now.isCharacterDevice() ? 'a character device' : 'something else';
      const r2 = await refusal(w, (c) => {
        c.root.path = rootfs;
        c.linux.devices = [{ path: '/dev/shm', type: 'c', major: 10, minor: 229, fileMode: 0o666 }];
      });
      const problems = [];
      if (!r1.refused) problems.push(`a character device at /etc/group (a regular file) is not an error (${r1.how})`);
      if (!now.isFile()) problems.push(`the rootfs file /etc/group was replaced: it is ${kind} now`);
      if (!r2.refused) problems.push(`a character device at /dev/shm (a directory) is not an error (${r2.how})`);
      expect(problems.length === 0, problems.join('; '));
    },
  },
  {
    name: 'config-linux.md: a device without type or path, or a c/b device without major and minor, is an error',
    statements: ['config-linux.md#configLinuxDevices/2', 'config-linux.md#configLinuxDevices/3', 'config-linux.md#configLinuxDevices/5'],
    async run(w) {
      const bad = {
        'no type': { path: '/dev/fuse', major: 10, minor: 229 },
        'no path': { type: 'c', major: 10, minor: 229 },
        'type "x"': { path: '/dev/fuse', type: 'x', major: 10, minor: 229 },
        'c without major and minor': { path: '/dev/fuse', type: 'c' },
      };
      const accepted = [];
      for (const [what, d] of Object.entries(bad)) {
        const r = await refusal(w, (c) => (c.linux.devices = [d]));
        if (!r.refused) accepted.push(what);
      }
      expect(accepted.length === 0, `every invalid device is refused; accepted: ${accepted.join(', ')}`);
    },
  },
  {
    name: 'config-linux.md: the default devices are there, right and usable, and /dev/ptmx is the container devpts ptmx',
    statements: ['config-linux.md#configLinuxDefaultDevices/1'],
    async run(w) {
      const want = { null: '1:3', zero: '1:5', full: '1:7', random: '1:8', urandom: '1:9', tty: '5:0' };
      const { r } = await check(w, [
        ...Object.keys(want).map((d) => `${d}=stat -c "%F %t:%T" /dev/${d}`),
        'w_null=echo x > /dev/null && echo ok',
        'r_zero=head -c 4 /dev/zero | od -An -tx1',
        'w_full=echo x > /dev/full',
        'r_random=head -c 8 /dev/random | wc -c',
        'r_urandom=head -c 8 /dev/urandom | wc -c',
        'ptmx=stat -L -c "%d %i %t:%T" /dev/ptmx',
        'pts_ptmx=stat -c "%d %i %t:%T" /dev/pts/ptmx',
        'open_ptmx=exec 3<>/dev/ptmx && ls /dev/pts',
      ]);
      for (const [d, mm] of Object.entries(want)) {
        const [maj, min] = mm.split(':').map((n) => Number(n).toString(16));
        expect(r[d].out === `character special file ${maj}:${min}`, `/dev/${d} is character device ${mm} (${r[d].out})`);
      }
      expect(r.w_null.out === 'ok', `/dev/null takes writes (${r.w_null.out})`);
      expect(r.r_zero.out.trim() === '00 00 00 00', `/dev/zero reads zeros (${r.r_zero.out})`);
      expect(r.w_full.rc !== 0 && /no space/i.test(r.w_full.out), `writing /dev/full fails with ENOSPC (${r.w_full.out})`);
      expect(r.r_random.out === '8' && r.r_urandom.out === '8', `/dev/random and /dev/urandom read (${r.r_random.out}, ${r.r_urandom.out})`);
      expect(r.ptmx.rc === 0 && r.ptmx.out === r.pts_ptmx.out, `/dev/ptmx is /dev/pts/ptmx, by bind mount or symlink (${r.ptmx.out} vs ${r.pts_ptmx.out})`);
      expect(r.open_ptmx.rc === 0 && r.open_ptmx.out.split(/\s+/).includes('0'), `opening /dev/ptmx makes pty 0 in the container's own devpts (${r.open_ptmx.out})`);
    },
  },
  {
    name: 'config-linux.md: with terminal, /dev/console is the pseudoterminal the runtime passed on --console-socket',
    statements: ['config-linux.md#configLinuxDefaultDevices/1'],
    async run(w) {
      const agent = await fdAgent(w, 'console');
      try {
        const out = w.out();
        const bundle = w.checkerBundle(out, ['r', 'console=stat -c "%t:%T" /dev/console', 'tty=stat -L -c "%t:%T" /proc/self/fd/0', 'mnt=grep -c " /dev/console " /proc/self/mountinfo'], (c) => (c.process.terminal = true));
        const id = w.id();
        const c = await w.run(['create', '--bundle', bundle, '--console-socket', agent.sock, id]);
        expect(c.status === 0, `create with --console-socket succeeds (${c.stderr.trim().slice(0, 300)})`);
        const got = await agent.result();
        expect(got && got.fds.length === 1, `the runtime passed one fd on the console socket (${JSON.stringify(got)})`);
        expect((await w.run(['start', id])).status === 0, 'start succeeds');
        const r = (await w.result(out, 'r'));
        expect(r.console.rc === 0 && r.console.out === r.tty.out, `/dev/console is the terminal of the process, the pty (${r.console.out} vs stdin ${r.tty.out})`);
        expect(r.console.out.startsWith('88:'), `it is a /dev/pts pty, major 136 (${r.console.out})`);
        expect(r.mnt.out === '1', `/dev/console is a bind mount (${r.mnt.out} mountinfo lines)`);
      } finally {
        agent.stop();
      }
    },
  },

  // ---------------------------------------------------------------- network devices
  {
    name: 'config-linux.md: netDevices: a host veth is moved in, renamed, up, with its permanent global addresses',
    statements: ['config-linux.md#configLinuxNetworkDevices/1', 'config-linux.md#configLinuxNetworkDevices/5', 'config-linux.md#configLinuxNetworkDevices/6'],
    async run(w) {
      await withVeth(async (v) => {
      sh(`ip addr add 192.0.2.17/24 dev ${v.a}`);
      const v6 = fs.existsSync('/proc/net/if_inet6') && sh(`ip -6 addr add 2001:db8::17/64 dev ${v.a} nodad`).status === 0;
      const { r } = await check(w, ['links=ls /sys/class/net', 'addr=ip -o addr show dev ctr0', 'flags=cat /sys/class/net/ctr0/flags'], (c) => (c.linux.netDevices = { [v.a]: { name: 'ctr0' } }), { hold: true });
      expect(r.links.out.split(/\s+/).includes('ctr0'), `the device is in the container as ctr0 (${r.links.out})`);
      expect(!hostHasLink(v.a), `${v.a} left the host namespace`);
      expect(/inet 192\.0\.2\.17\/24/.test(r.addr.out), `its IPv4 address 192.0.2.17/24 is kept (${r.addr.out})`);
      if (v6) expect(/inet6 2001:db8::17\/64/.test(r.addr.out), `its IPv6 address 2001:db8::17/64 is kept (${r.addr.out})`);
      expect((parseInt(r.flags.out, 16) & 1) === 1, `it is up (IFF_UP) (flags ${r.flags.out})`);
      });
    },
  },
  {
    name: 'config-linux.md: netDevices: the device is not moved back to the host when the container is deleted',
    statements: ['config-linux.md#configLinuxNetworkDevices/8'],
    async run(w) {
      await withVeth(async (v) => {
      const { r, id } = await check(w, ['links=ls /sys/class/net'], (c) => (c.linux.netDevices = { [v.a]: { name: 'ctr0' } }), { hold: true });
      expect(r.links.out.split(/\s+/).includes('ctr0'), `the device is in the container as ctr0 (${r.links.out})`);
      expect((await w.run(['kill', id, 'KILL'])).status === 0, 'kill succeeds');
      expect(await w.waitFor(async () => (await w.state(id))?.status === 'stopped'), 'the container stopped');
      expect((await w.run(['delete', id])).status === 0, 'delete succeeds');
      // A veth dies with its namespace (and takes its peer along); moved back, it would be on the host again.
      await w.waitFor(() => !hostHasLink(v.b), 3000);
      expect(!hostHasLink(v.a) && !hostHasLink('ctr0'), `neither ${v.a} nor ctr0 came back to the host`);
      expect(!hostHasLink(v.b), `its peer ${v.b} went with it: the veth was destroyed with the namespace`);
      });
    },
  },
  {
    name: 'config-linux.md: netDevices: a device missing on the host, or a name already in the container (lo), is an error',
    statements: ['config-linux.md#configLinuxNetworkDevices/2', 'config-linux.md#configLinuxNetworkDevices/3'],
    async run(w) {
      await withVeth(async (v) => {
      const control = await refusal(w, (c) => (c.linux.netDevices = { [v.a]: { name: 'ctr0' } }));
      if (control.refused) skip(`the runtime refuses even a valid netDevices entry (${control.how}), so its refusing invalid ones shows nothing`);
      await w.run(['delete', '--force', [...w.ids].pop()]);
      await w.waitFor(() => !hostHasLink(v.b), 1500);
      v.remove();
      const re = sh(`ip link add ${v.a} type veth peer name ${v.b}`);
      // Else "naming it lo is refused" below would pass only because the device is missing.
      expect(re.status === 0 && hostHasLink(v.a), `re-created ${v.a} on the host (${re.stderr.trim()})`);
      const missing = `ocx${uniq()}`;
      const r1 = await refusal(w, (c) => (c.linux.netDevices = { [missing]: { name: 'ctr0' } }));
      expect(r1.refused, `moving ${missing}, which does not exist, is refused (${r1.how})`);
      const r2 = await refusal(w, (c) => (c.linux.netDevices = { [v.a]: { name: 'lo' } }));
      expect(r2.refused, `naming it lo, which the new namespace has, is refused (${r2.how})`);
      });
    },
  },
  {
    name: 'config-linux.md: netDevices: a name template with %d is allowed and the kernel names the device',
    statements: ['config-linux.md#configLinuxNetworkDevices/3', 'config-linux.md#configLinuxNetworkDevices/4'],
    async run(w) {
      // The second move collides with the first one's name unless the template is honoured.
      await withVeth((v1) => withVeth(async (v2) => {
        const { r } = await check(w, ['links=ls /sys/class/net'], (c) => (c.linux.netDevices = { [v1.a]: { name: 'eth%d' }, [v2.a]: { name: 'eth%d' } }));
        const names = r.links.out.split(/\s+/).filter((n) => /^eth\d+$/.test(n));
        expect(names.length === 2, `both devices are in the container as eth<N>, with different names (${r.links.out.split(/\s+/).join(' ')})`);
        expect(!hostHasLink(v1.a) && !hostHasLink(v2.a), `${v1.a} and ${v2.a} left the host namespace`);
      }));
    },
  },

  // ---------------------------------------------------------------- sysctl
  {
    name: 'config-linux.md: sysctl values are set in the container namespaces, not on the host',
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const host = fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
      const want = host === '1' ? '0' : '1';
      const { r } = await check(w, ['fwd=cat /proc/sys/net/ipv4/ip_forward', 'dom=cat /proc/sys/kernel/domainname'], (c) => (c.linux.sysctl = { 'net.ipv4.ip_forward': want, 'kernel.domainname': 'oci.example' }), { refusable: 'these sysctl values' });
      expect(r.fwd.out === want, `net.ipv4.ip_forward is ${want} in the container (${r.fwd.out})`);
      expect(r.dom.out === 'oci.example', `kernel.domainname is oci.example in the container (${r.dom.out})`);
      expect(fs.readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim() === host, 'the host value is unchanged');
    },
  },

  // ---------------------------------------------------------------- seccomp
  {
    name: 'config-linux.md: seccomp: listed syscalls get their action (EPERM by default, errnoRet otherwise), others are allowed',
    statements: ['config-linux.md#configLinuxSeccomp/1', 'config-linux.md#configLinuxSeccomp/9', 'config-linux.md#configLinuxSeccomp/10'],
    async run(w) {
      const { r } = await check(w, ['mkdir=mkdir /dev/a', 'chmod=chmod 600 /dev/null', 'touch=touch /dev/b && echo ok'], (c) => {
        c.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          ...(SECCOMP_ARCH ? { architectures: [SECCOMP_ARCH] } : {}),
          syscalls: [
            { names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' },
            { names: ['chmod', 'fchmodat', 'fchmodat2'], action: 'SCMP_ACT_ERRNO', errnoRet: 18 },
          ],
        };
      });
      expect(r.mkdir.rc !== 0 && /not permitted/i.test(r.mkdir.out), `mkdir fails with EPERM (${r.mkdir.out})`);
      expect(r.chmod.rc !== 0 && /cross-device/i.test(r.chmod.out), `chmod fails with errnoRet 18, EXDEV (${r.chmod.out})`);
      expect(r.touch.out === 'ok', `an unlisted syscall works (${r.touch.out})`);
    },
  },
  {
    name: 'config-linux.md: seccomp: args rules match on index, value and op',
    statements: ['config-linux.md#configLinuxSeccomp/12', 'config-linux.md#configLinuxSeccomp/13', 'config-linux.md#configLinuxSeccomp/14'],
    async run(w) {
      // sethostname(name, len): len (index 1) == 3 is refused, other lengths are not; umask(mask): mask & 0o77 == 0o22
      // is refused (busybox ignores umask's result, so the mask set before stays: 027).
      const um = (m) => `umask 027; umask ${m}; umask`;
      const { r } = await check(w, ['h3=hostname abc', 'h4=hostname abcd && hostname', 'h9=hostname abcdefghi && hostname', `u022=${um('022')}`, `u122=${um('0122')}`, `u066=${um('066')}`], (c) => {
        for (const k of ['bounding', 'effective', 'permitted']) c.process.capabilities[k].push('CAP_SYS_ADMIN');
        c.linux.seccomp = {
          defaultAction: 'SCMP_ACT_ALLOW',
          syscalls: [
            { names: ['sethostname'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 3, op: 'SCMP_CMP_EQ' }] },
            { names: ['sethostname'], action: 'SCMP_ACT_ERRNO', errnoRet: 18, args: [{ index: 1, value: 8, op: 'SCMP_CMP_GT' }] },
            { names: ['umask'], action: 'SCMP_ACT_ERRNO', args: [{ index: 0, value: 0o77, valueTwo: 0o22, op: 'SCMP_CMP_MASKED_EQ' }] },
          ],
        };
      });
      expect(r.h3.rc !== 0 && /not permitted/i.test(r.h3.out), `sethostname with length 3 (EQ 3) is refused (${r.h3.out})`);
      expect(r.h4.rc === 0 && r.h4.out === 'abcd', `sethostname with length 4 is allowed (${r.h4.out})`);
      expect(r.h9.rc !== 0 && /cross-device/i.test(r.h9.out), `sethostname with length 9 (GT 8) gets errnoRet 18 (${r.h9.out})`);
      expect(r.u022.out === '0027', `umask(022) (MASKED_EQ 077, 022) is refused: the mask stays 0027 (${r.u022.out})`);
      expect(r.u122.out === '0027', `umask(0122), 022 under the mask 077, is refused too (${r.u122.out})`);
      expect(r.u066.out === '0066', `umask(066) is allowed (${r.u066.out})`);
    },
  },
  {
    name: 'config-linux.md: seccomp: an errnoRet or defaultErrnoRet with an action that takes no errno is an error',
    statements: ['config-linux.md#configLinuxSeccomp/2', 'config-linux.md#configLinuxSeccomp/11'],
    async run(w) {
      const r1 = await refusal(w, (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', defaultErrnoRet: 5, syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] }));
      expect(r1.refused && r1.printed !== '', `defaultErrnoRet with defaultAction SCMP_ACT_ALLOW is refused with an error printed (${r1.how})`);
      const r2 = await refusal(w, (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_KILL', errnoRet: 5 }] }));
      expect(r2.refused && r2.printed !== '', `errnoRet with action SCMP_ACT_KILL is refused with an error printed (${r2.how})`);
    },
  },
  {
    name: 'config-linux.md: seccomp: missing defaultAction, empty names, missing action or an incomplete arg is an error',
    statements: ['config-linux.md#configLinuxSeccomp/1', 'config-linux.md#configLinuxSeccomp/9', 'config-linux.md#configLinuxSeccomp/10', 'config-linux.md#configLinuxSeccomp/12', 'config-linux.md#configLinuxSeccomp/13', 'config-linux.md#configLinuxSeccomp/14'],
    async run(w) {
      const bad = {
        'no defaultAction': { syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] },
        'empty names': { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: [], action: 'SCMP_ACT_ERRNO' }] },
        'no action': { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'] }] },
        'arg without op': { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, value: 3 }] }] },
        'arg without value': { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ index: 1, op: 'SCMP_CMP_EQ' }] }] },
        'arg without index': { defaultAction: 'SCMP_ACT_ALLOW', syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO', args: [{ value: 3, op: 'SCMP_CMP_EQ' }] }] },
      };
      const accepted = [];
      for (const [what, s] of Object.entries(bad)) {
        const r = await refusal(w, (c) => (c.linux.seccomp = s));
        if (!r.refused) accepted.push(what);
      }
      expect(accepted.length === 0, `every invalid seccomp config is refused; accepted: ${accepted.join(', ')}`);
    },
  },
  {
    name: 'config-linux.md: seccomp: listenerMetadata without listenerPath is an error',
    statements: ['config-linux.md#configLinuxSeccomp/8'],
    async run(w) {
      // No SCMP_ACT_NOTIFY rule (that would need a listenerPath of its own): only the metadata is wrong.
      const r = await refusal(w, (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerMetadata: 'meta', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_ERRNO' }] }));
      expect(r.refused, `listenerMetadata without listenerPath is refused (${r.how})`);
    },
  },
  {
    name: 'config-linux.md: seccomp: SCMP_ACT_NOTIFY with a listenerPath nobody listens on is an error',
    statements: ['config-linux.md#configLinuxSeccomp/6'],
    async run(w) {
      const r = await refusal(w, (c) => (c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: path.join(w.dir, 'nobody.sock'), syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] }));
      expect(r.refused, `a listenerPath that cannot be sent to is an error (${r.how})`);
    },
  },
  {
    name: 'config-linux.md: seccomp: the listener gets one container process state per connection, with the seccomp fd by SCM_RIGHTS',
    statements: ['config-linux.md#configLinuxSeccomp/3', 'config-linux.md#configLinuxSeccomp/4', 'config-linux.md#configLinuxSeccomp/5', 'config-linux.md#configLinuxSeccomp/7', 'config-linux.md#containerprocessstate/1', 'config-linux.md#containerprocessstate/2', 'config-linux.md#containerprocessstate/3', 'config-linux.md#containerprocessstate/4', 'config-linux.md#containerprocessstate/5'],
    async run(w) {
      const agent = await fdAgent(w, 'seccomp');
      try {
        const out = w.out();
        const bundle = w.checkerBundle(out, ['r', 'mkdir=timeout 5 mkdir /dev/notified', 'touch=touch /dev/plain && echo ok'], (c) => {
          c.linux.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: agent.sock, listenerMetadata: 'conformance-metadata', syscalls: [{ names: ['mkdir', 'mkdirat'], action: 'SCMP_ACT_NOTIFY' }] };
          c.annotations = { 'org.example.key': 'value' };
        });
        const id = w.id();
        const c = await w.run(['create', '--bundle', bundle, id]);
        expect(c.status === 0, `create succeeds (${c.stderr.trim().slice(0, 300)})`);
        const got = await agent.result();
        expect(got && got.connections >= 1, `the runtime connected to the AF_UNIX SOCK_STREAM listener (${JSON.stringify(got)})`);
        expect(!got.error, `the connection was read to its end without error (${got.error})`);
        expect(got.closed === true, 'the runtime closed the connection after sending');
        expect(got.connections === 1, `one connection, not reused or repeated (${got.connections})`);
        let msg;
        try {
          msg = JSON.parse(got.payload);
        } catch {
          expect(false, `the payload is exactly one JSON document (${JSON.stringify(got.payload.slice(0, 300))})`);
        }
        expect(got.fds.length >= 1 && /seccomp/.test(got.fds[0]), `a seccomp notify fd came by SCM_RIGHTS (${got.fds.join(', ')})`);
        expect(got.calls.length === 1 && got.calls[0].offset === 0, `fds only in the first sendmsg, with the payload's first byte (fds came at: ${JSON.stringify(got.calls)})`);
        expect(Array.isArray(msg.fds) && msg.fds.indexOf('seccompFd') >= 0 && msg.fds.length === got.fds.length, `fds names seccompFd, one name per fd passed (${JSON.stringify(msg.fds)}, ${got.fds.length} fds)`);
        expect(/seccomp/.test(got.fds[msg.fds.indexOf('seccompFd')] ?? ''), 'the fd at the index of seccompFd is the seccomp listener');
        expect(typeof msg.ociVersion === 'string' && /^\d+\.\d+\.\d+/.test(msg.ociVersion), `ociVersion is a version string (${msg.ociVersion})`);
        expect(msg.metadata === 'conformance-metadata', `metadata is listenerMetadata (${msg.metadata})`);
        const state = await w.state(id);
        expect(Number.isInteger(msg.pid) && msg.pid === state.pid, `pid is the container process as the runtime sees it (${msg.pid}; state says ${state.pid})`);
        const s = msg.state ?? {};
        expect(s.id === id && typeof s.status === 'string' && s.pid === state.pid && fs.realpathSync(s.bundle ?? '/nonexistent-bundle') === fs.realpathSync(bundle), `state is the container's state (${JSON.stringify(s)})`);
        expect(s.annotations?.['org.example.key'] === 'value', `state carries the annotations (${JSON.stringify(s.annotations)})`);
        expect((await w.run(['start', id])).status === 0, 'start succeeds');
        const r = await w.result(out, 'r');
        expect(r.mkdir.rc !== 0 && /cross-device/i.test(r.mkdir.out), `mkdir was answered by the agent through that fd, with EXDEV (${r.mkdir.out}, rc ${r.mkdir.rc})`);
        expect(r.touch.out === 'ok', `other syscalls are not notified (${r.touch.out})`);
      } finally {
        agent.stop();
      }
    },
  },

  // ---------------------------------------------------------------- rootfs propagation
  {
    name: 'config-linux.md: rootfsPropagation shared and unbindable are set on the container root mount',
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      for (const [prop, re] of [['shared', /\sshared:\d+/], ['unbindable', /\sunbindable/]]) {
        const { r } = await check(w, ['root=awk \'$5 == "/"\' /proc/self/mountinfo'], (c) => (c.linux.rootfsPropagation = prop), { refusable: `rootfsPropagation ${prop}` });
        expect(re.test(r.root.out), `with ${prop}, the root mount is ${prop} (${r.root.out})`);
      }
    },
  },

  // ---------------------------------------------------------------- masked and read-only paths
  {
    name: 'config-linux.md: masked paths (a file, a directory) cannot be read in the container, and only there',
    // That they are applied (configLinuxMaskedPaths/1 only says the values are absolute: the next case).
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const { r } = await check(w, ['ver=cat /proc/version | wc -c', 'etc=ls -A /etc', 'syskernel=ls -A /sys/kernel', 'cmdline=cat /proc/cmdline | wc -c'], (c) => (c.linux.maskedPaths = ['/proc/version', '/etc', '/sys/kernel']), { refusable: 'these maskedPaths' });
      expect(r.ver.out === '0', `/proc/version reads nothing (${r.ver.out} bytes)`);
      expect(r.etc.out === '', `/etc lists nothing (${r.etc.out})`);
      expect(r.syskernel.out === '', `/sys/kernel lists nothing (${r.syskernel.out})`);
      expect(Number(r.cmdline.out) > 0, `an unmasked /proc file still reads (${r.cmdline.out} bytes)`);
      expect(fs.readFileSync('/proc/version', 'utf8').length > 0 && fs.readdirSync(path.join(w.rootfs, 'etc')).length > 0, "the paths are the container's: the host's /proc/version and the rootfs /etc are untouched");
    },
  },
  {
    name: 'config-linux.md: a relative masked path is an error',
    statements: ['config-linux.md#configLinuxMaskedPaths/1'],
    async run(w) {
      const r = await refusal(w, (c) => (c.linux.maskedPaths = ['proc/version']));
      expect(r.refused, `maskedPaths "proc/version" is refused (${r.how})`);
    },
  },
  {
    name: 'config-linux.md: read-only paths cannot be written in the container, other paths can',
    // That they are applied (configLinuxReadonlyPaths/1 only says the values are absolute: the next case).
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const { r } = await check(w, ['shm=touch /dev/shm/x', 'dev=touch /dev/y && echo ok', 'mnt=awk \'$2 == "/dev/shm" { o = $4 } END { print o }\' /proc/self/mounts'], (c) => (c.linux.readonlyPaths = [...c.linux.readonlyPaths, '/dev/shm']), { refusable: 'readonlyPaths /dev/shm' });
      expect(r.shm.rc !== 0 && /read-only/i.test(r.shm.out), `writing under /dev/shm fails: read-only file system (${r.shm.out})`);
      expect(/(^|,)ro(,|$)/.test(r.mnt.out), `/dev/shm, as the container sees it (the top mount), is ro (${r.mnt.out})`);
      expect(r.dev.out === 'ok', `/dev, not listed, is still writable (${r.dev.out})`);
    },
  },
  {
    name: 'config-linux.md: a relative read-only path is an error',
    statements: ['config-linux.md#configLinuxReadonlyPaths/1'],
    async run(w) {
      const r = await refusal(w, (c) => (c.linux.readonlyPaths = ['dev/shm']));
      expect(r.refused, `readonlyPaths "dev/shm" is refused (${r.how})`);
    },
  },

  // ---------------------------------------------------------------- mount label
  {
    name: 'config-linux.md: mountLabel sets the SELinux context of the container mounts',
    statements: [],
    async run() {
      // Not a pass on an SELinux host either: nothing is checked yet.
      skip(`not checked yet: it needs an SELinux host and a label valid in its policy${fs.existsSync('/sys/fs/selinux/enforce') ? '' : ' (this host has no SELinux)'}`);
    },
  },

  // ---------------------------------------------------------------- personality
  {
    name: 'config-linux.md: personality LINUX32 makes uname report a 32-bit machine, LINUX the native one',
    // That it is applied; configLinuxPersonality/1 (domain REQUIRED) is the next case's.
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const native = sh('uname -m').stdout.trim();
      if (native !== 'x86_64' && native !== 'aarch64') skip(`no 32-bit personality to tell apart on ${native}`);
      const { r } = await check(w, ['m=uname -m'], (c) => (c.linux.personality = { domain: 'LINUX32' }), { refusable: 'linux.personality' });
      expect(/^(i[3-6]86|armv\d+l|arm.*)$/.test(r.m.out), `LINUX32: uname -m is a 32-bit machine (${r.m.out})`);
      const { r: r2 } = await check(w, ['m=uname -m'], (c) => (c.linux.personality = { domain: 'LINUX' }), { refusable: 'linux.personality' });
      expect(r2.m.out === native, `LINUX: uname -m is ${native} (${r2.m.out})`);
    },
  },
  {
    name: 'config-linux.md: a personality without domain, or with an unknown one, is an error',
    statements: ['config-linux.md#configLinuxPersonality/1'],
    async run(w) {
      const control = await refusal(w, (c) => (c.linux.personality = { domain: 'LINUX' }));
      if (control.refused) skip(`the runtime refuses even a valid personality (${control.how}), so its refusing invalid ones shows nothing`);
      const r = await refusal(w, (c) => (c.linux.personality = { flags: [] }));
      expect(r.refused, `personality without domain is refused (${r.how})`);
      const r2 = await refusal(w, (c) => (c.linux.personality = { domain: 'BOGUS' }));
      expect(r2.refused, `personality domain "BOGUS" is refused (${r2.how})`);
    },
  },
];

export const notTestable = {
  'config-linux.md#configLinuxDevices/6':
    'a recommendation to whoever writes config.json (do not list the same type, major and minor twice); it asks nothing of the runtime, which may legitimately create such duplicates when told to',
  'config-linux.md#configLinuxNetworkDevices/7':
    'that the runtime does not "actively manage" a moved interface later cannot be told apart from the container or the kernel changing it; there is no single observable event to check, only the absence of unspecified future actions',
};
