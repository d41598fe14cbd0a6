// config-linux.md, the cgroup sections: Control groups, cgroupsPath and cgroup ownership, the
// allowed device list, memory, cpu, blockIO, hugepageLimits, network, pids, rdma, unified,
// intelRdt and memoryPolicy. The container's cgroups are looked at from the host
// (/proc/<pid>/cgroup of the state's pid, then the controller files under the cgroup mounts),
// limits are checked from inside where they can be (a fork loop, an allocation, opening a device).
// Works on cgroup v1 (or hybrid) and on a pure cgroup v2 host: the layout is detected.
import fs from 'node:fs';
import path from 'node:path';
import { expect, skip } from '../harness.mjs';

// ---------------------------------------------------------------------------------------------
// The host's cgroup layout.

/** Every cgroup/cgroup2/resctrl mount of this (the runtime's) mount namespace. */
function mounts() {
  const list = [];
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').trim().split('\n')) {
    const [pre, post] = line.split(' - ');
    const f = pre.split(' ');
    const [fstype, , superOpts] = post.split(' ');
    list.push({ point: f[4].replace(/\\040/g, ' '), root: f[3], fstype, opts: (superOpts ?? '').split(',') });
  }
  return list;
}

/** A pure cgroup v2 host: /sys/fs/cgroup is the unified hierarchy itself. */
const pureV2 = () => fs.existsSync('/sys/fs/cgroup/cgroup.controllers');

/** The cgroup2 mount point (pure v2, or the unified part of a hybrid host), or undefined. */
const v2Mount = () => mounts().find((m) => m.fstype === 'cgroup2')?.point;

/** The v1 mount point of a controller (or named hierarchy), or undefined. */
const v1Mount = (controller) => mounts().find((m) => m.fstype === 'cgroup' && m.opts.includes(controller))?.point;

/** /proc/<pid>/cgroup as [{ hier, controllers, path }]. */
function cgroupLines(pid) {
  return fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n').map((l) => {
    const [hier, ctl, ...rest] = l.split(':');
    return { hier, controllers: ctl ? ctl.split(',') : [], path: rest.join(':') };
  });
}

/** The cgroup path of a pid for a v1 controller, or for the v2 hierarchy (controller ''). */
function cgroupPath(pid, controller) {
  const line = cgroupLines(pid).find((l) => (controller === '' ? l.hier === '0' && l.controllers.length === 0 : l.controllers.includes(controller)));
  return line?.path;
}

/** The host directory of a pid's cgroup for a controller: the v2 one on a pure v2 host. */
function cgroupDir(pid, controller) {
  if (pureV2() || controller === '') {
    const m = v2Mount();
    const p = cgroupPath(pid, '');
    return m && p !== undefined ? path.join(m, p) : undefined;
  }
  const m = v1Mount(controller);
  const p = cgroupPath(pid, controller);
  return m && p !== undefined ? path.join(m, p) : undefined;
}

const read = (file) => {
  try {
    return fs.readFileSync(file, 'utf8').trim();
  } catch (e) {
    return `<unreadable: ${e.code}>`;
  }
};

/** A controller file of the container: the v1 name on v1, the v2 name on a pure v2 host. */
function ctlFile(pid, controller, v1name, v2name) {
  const dir = cgroupDir(pid, controller);
  expect(dir, `the container process is in a ${controller} cgroup (${JSON.stringify(cgroupLines(pid))})`);
  return path.join(dir, pureV2() ? v2name : v1name);
}

/** Controllers available in the v2 hierarchy (its root's cgroup.controllers). */
const v2Controllers = () => {
  const m = v2Mount();
  return m ? read(path.join(m, 'cgroup.controllers')).split(/\s+/).filter(Boolean) : [];
};

/** Every place a cgroup path could be made: each v1 hierarchy mount and the v2 mount. */
const hierarchyMounts = () => [...new Set(mounts().filter((m) => m.fstype === 'cgroup' || m.fstype === 'cgroup2').map((m) => m.point))];

/** Removes the cgroup directories of `rel` (and its parents up to `top`) in every hierarchy. */
function removeCgroups(rel, top) {
  for (const m of hierarchyMounts()) {
    let p = rel;
    while (p && p !== '/' && p !== '.') {
      const dir = path.join(m, p);
      try {
        // Children first: a runtime may have left sub-cgroups.
        if (fs.existsSync(dir)) for (const sub of fs.readdirSync(dir, { withFileTypes: true })) if (sub.isDirectory()) removeCgroups(path.join(p, sub.name), path.join(p, sub.name));
        fs.rmdirSync(dir);
      } catch {
        // not there, or still busy
      }
      if (p === top || path.basename(p) === top) break;
      p = path.dirname(p);
    }
  }
}

/** Every host cgroup directory of a pid (all hierarchies), to remove what a runtime leaves. */
function allCgroupDirs(pid) {
  const dirs = [];
  try {
    for (const l of cgroupLines(pid)) {
      const m = l.hier === '0' ? v2Mount() : mounts().find((x) => x.fstype === 'cgroup' && l.controllers.some((c) => x.opts.includes(c)))?.point;
      if (m && l.path !== '/') dirs.push(path.join(m, l.path));
    }
  } catch {
    // the process is gone
  }
  return dirs;
}

/** rmdir each directory (children first) and its parents while their name contains `token`. */
function removeDirs(dirs, token) {
  for (const start of dirs) {
    let d = start;
    while (d.includes(token)) {
      try {
        if (fs.existsSync(d)) for (const sub of fs.readdirSync(d, { withFileTypes: true })) if (sub.isDirectory()) removeDirs([path.join(d, sub.name)], sub.name);
        fs.rmdirSync(d);
      } catch {
        // not there, or still busy
      }
      if (path.basename(d).includes(token)) break;
      d = path.dirname(d);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Containers.

const failed = (r) => r.status !== 0 && r.status !== null;

/**
 * After a failed create of a config whose `field` the case checks is applied: a clean refusal (an
 * error printed, no container left) is what runtime.md#runtimeCreate/5 allows, so the case skips.
 * Anything else falls through to the case's failure.
 */
async function skipIfRefused(w, id, c, field) {
  if (!field || !failed(c) || !c.stderr.trim()) return;
  if ((await w.state(id)) !== undefined) return;
  skip(`the runtime refuses ${field} with an error (${c.stderr.trim().slice(0, 200)}), as runtime.md#runtimeCreate/5 allows`);
}

/** A running container whose checker ran `probes` and holds; its id, out dir, pid and results. */
async function running(w, mutate, probes = [], { refusable } = {}) {
  const out = w.out();
  const bundle = w.checkerBundle(out, ['up', ...probes, '--hold'], mutate);
  const id = w.id();
  const c = await w.run(['create', '--bundle', bundle, id]);
  await skipIfRefused(w, id, c, refusable);
  expect(c.status === 0, `create succeeds (${c.stderr.trim().slice(0, 300)})`);
  const { pid } = await w.state(id);
  const s = await w.run(['start', id]);
  expect(s.status === 0, `start succeeds (${s.stderr.trim().slice(0, 300)})`);
  const up = await w.result(out, 'up', 15_000);
  return { id, out, pid, up };
}

/** A created (not started) container: its id and pid. The process waits, so cgroups can be read. */
async function created(w, mutate, { refusable } = {}) {
  const id = w.id();
  const c = await w.run(['create', '--bundle', w.bundle(mutate), id]);
  await skipIfRefused(w, id, c, refusable);
  expect(c.status === 0, `create succeeds (${c.stderr.trim().slice(0, 300)})`);
  const st = await w.state(id);
  expect(st?.pid > 0, 'state has a pid');
  return { id, pid: st.pid };
}

/** Whether a created container is usable: a valid control config, to tell checking from refusing everything. */
async function accepts(w, mutate) {
  const id = w.id();
  const c = await w.run(['create', '--bundle', w.bundle(mutate), id]);
  await w.run(['delete', '--force', id]);
  return { ok: c.status === 0, how: c.stderr.trim().slice(0, 200) };
}

const pids = () => fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p));

/**
 * Processes a failed create left: new since `before`, and the runtime's: its binary, or holding
 * the case's files (the create's output files, the bundle, the rootfs as root or cwd). The
 * world token cannot show them: only the container's own process gets it, at execve.
 */
function leftBehind(w, before) {
  const runtime = fs.realpathSync(w.runtime.path);
  const ours = (l) => l === w.dir || l.startsWith(`${w.dir}/`);
  return pids().filter((p) => !before.has(p)).filter((p) => {
    try {
      if (fs.readlinkSync(`/proc/${p}/exe`) === runtime) return true;
      if (ours(fs.readlinkSync(`/proc/${p}/root`)) || ours(fs.readlinkSync(`/proc/${p}/cwd`))) return true;
      return fs.readdirSync(`/proc/${p}/fd`).some((fd) => {
        try {
          return ours(fs.readlinkSync(`/proc/${p}/fd/${fd}`));
        } catch {
          return false;
        }
      });
    } catch {
      return false; // gone, or a zombie
    }
  });
}

/** create of a config that must be refused: an error, no container left, no process left. */
async function refused(w, mutate, what) {
  const id = w.id();
  const before = new Set(pids());
  const c = await w.run(['create', '--bundle', w.bundle(mutate), id]);
  if (c.status === 0) {
    const st = await w.state(id);
    expect(false, `create of ${what} is an error (it succeeded; the container is ${st?.status} with pid ${st?.pid})`);
  }
  expect(failed(c), `create of ${what} is an error`);
  // runtime.md#runtimeCreate/5: a new container MUST NOT be created (not even a stopped one).
  const st = await w.state(id);
  expect(st === undefined, `no container is left (state says ${st?.status})`);
  // (A moment for a process the runtime is still killing.)
  await w.waitFor(() => leftBehind(w, before).length === 0, 2000);
  const left = leftBehind(w, before);
  expect(left.length === 0 && w.leftoverProcesses().length === 0, `no process of it is left (${[...left, ...w.leftoverProcesses()].join(', ')})`);
  return c;
}

const resources = (c, r) => {
  c.linux.resources = { ...(c.linux.resources ?? {}), ...r };
};

const unique = (w) => `oci-conformance-${path.basename(w.dir).slice(-6)}`;

/** A block device of this host for blockIO entries (one `prefer` likes if any): major, minor, name and I/O scheduler. */
function blockDevice(prefer = () => false) {
  const names = fs.readdirSync('/sys/block');
  const ordered = [...names.filter((n) => /^(vd|sd|nvme|xvd|hd)/.test(n)), ...names.filter((n) => n.startsWith('loop'))];
  const name = ordered.find(prefer) ?? ordered[0];
  if (!name) return undefined;
  const [major, minor] = read(`/sys/block/${name}/dev`).split(':').map(Number);
  return { name, major, minor, scheduler: read(`/sys/block/${name}/queue/scheduler`) };
}
/** The active I/O scheduler of a block device ("[bfq]" in its scheduler file), or undefined. */
const activeScheduler = (name) => /\[([\w-]+)\]/.exec(read(`/sys/block/${name}/queue/scheduler`))?.[1];

const resctrlMount = () => mounts().find((m) => m.fstype === 'resctrl')?.point;

/** Removes the CLOS and MON groups a misbehaving runtime left for the case's containers: closids and RMIDs are scarce until reboot. */
function removeResctrlGroups(w, r) {
  for (const id of w.ids) {
    for (const d of [path.join(r, id, 'mon_groups', id), path.join(r, 'mon_groups', id), path.join(r, id)]) {
      try {
        fs.rmdirSync(d);
      } catch {
        // not there (as it should be)
      }
    }
  }
}

const ownerOf = (p) => {
  try {
    return fs.statSync(p).uid;
  } catch {
    return undefined;
  }
};

/** A uid-1000 container with a cgroup namespace and a rw cgroup mount: its cgroup dir and the delegate files (only) are its own. */
async function delegation(w, delegate) {
  const { pid } = await running(w, (c) => {
    c.process.user = { uid: 1000, gid: 1000 };
    c.linux.namespaces.push({ type: 'cgroup' });
    c.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'rw'] });
    resources(c, { pids: { limit: 100 } });
  });
  // It ran: a delegate file missing from the cgroup did not make it fail (/10).
  const dir = cgroupDir(pid, '');
  expect(ownerOf(dir) === 1000, `the cgroup directory ${dir} is owned by uid 1000 (${ownerOf(dir)})`);
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isDirectory()) continue;
    const want = delegate.includes(f) ? 1000 : 0;
    expect(ownerOf(p) === want, `${f} is owned by uid ${want} (${ownerOf(p)})${delegate.includes(f) ? ' (a delegate file)' : ' (not a delegate file)'}`);
  }
}

const FUSE = { path: '/dev/fuse', type: 'c', major: 10, minor: 229, fileMode: 0o666, uid: 0, gid: 0 };
const KMSG = { path: '/dev/kmsg', type: 'c', major: 1, minor: 11, fileMode: 0o644, uid: 0, gid: 0 };
const OPEN_R = 'r=: < /dev/fuse';
const OPEN_W = 'w=: > /dev/fuse';
const denied = (r) => r.rc !== 0 && /not permitted/i.test(r.out);
const allowed = (r) => r.rc === 0;
/** Whether this host's kernel opens a device node (its driver is there): else "allowed" cannot be shown by opening it. */
const hostOpens = (p, flags = 'r+') => {
  try {
    fs.closeSync(fs.openSync(p, flags));
    return true;
  } catch {
    return false;
  }
};
const needFuse = () => {
  if (!hostOpens('/dev/fuse')) skip('this host kernel cannot open /dev/fuse (no fuse driver), so an allowed open cannot be shown');
};

/** A block device whose valid throttles the runtime accepts (else a skip): its refusals then mean something. */
async function throttlesAccepted(w) {
  const dev = blockDevice();
  if (!dev) skip('this host has no block device');
  const { major, minor } = dev;
  const control = await accepts(w, (c) => resources(c, { blockIO: { throttleReadBpsDevice: [{ major, minor, rate: 1048576 }], throttleReadIOPSDevice: [{ major, minor, rate: 300 }] } }));
  if (!control.ok) skip(`the runtime refuses even valid blockIO throttles (${control.how}), so its refusing invalid entries shows nothing`);
  return { major, minor };
}

export const cases = [
  // ------------------------------------------------------------------------------- cgroupsPath
  {
    name: 'config-linux.md cgroups: an absolute cgroupsPath is the container cgroup, relative to each cgroup mount point',
    statements: ['config-linux.md#configLinuxCgroupsPath/1', 'config-linux.md#configLinuxCgroupsPath/2'],
    async run(w) {
      const rel = `/${unique(w)}/abs`;
      const dirs = [];
      try {
        const { pid } = await created(w, (c) => {
          c.linux.cgroupsPath = rel;
          resources(c, { memory: { limit: 256 * 1024 * 1024 }, pids: { limit: 200 }, cpu: { shares: 512 } });
        });
        dirs.push(...allCgroupDirs(pid));
        if (pureV2()) {
          expect(cgroupPath(pid, '') === rel, `the container's cgroup is ${rel} (/proc/${pid}/cgroup: ${cgroupPath(pid, '')})`);
          expect(fs.existsSync(path.join(v2Mount(), rel, 'cgroup.procs')), `${v2Mount()}${rel} exists`);
        } else {
          for (const ctl of ['memory', 'pids', 'cpu']) {
            if (!v1Mount(ctl)) continue;
            expect(cgroupPath(pid, ctl) === rel, `the ${ctl} cgroup is ${rel} (/proc/${pid}/cgroup: ${cgroupPath(pid, ctl)})`);
            expect(read(path.join(v1Mount(ctl), rel, 'cgroup.procs')).split('\n').includes(String(pid)), `${v1Mount(ctl)}${rel}/cgroup.procs lists the container process`);
          }
        }
      } finally {
        for (const id of w.ids) await w.run(['delete', '--force', id]);
        removeCgroups(rel, unique(w));
        removeDirs(dirs, unique(w));
      }
    },
  },
  {
    name: 'config-linux.md cgroups: the same relative cgroupsPath attaches to the same cgroup each time',
    statements: ['config-linux.md#configLinuxCgroupsPath/1', 'config-linux.md#configLinuxCgroupsPath/3'],
    async run(w) {
      const rel = `${unique(w)}/rel`;
      const seen = [];
      const dirs = [];
      try {
        for (let i = 0; i < 2; i++) {
          const { id, pid } = await created(w, (c) => {
            c.linux.cgroupsPath = rel;
            resources(c, { pids: { limit: 100 } });
          });
          const ctl = pureV2() ? '' : 'pids';
          const p = cgroupPath(pid, ctl);
          seen.push(p);
          dirs.push(...allCgroupDirs(pid));
          const d = await w.run(['delete', '--force', id]);
          expect(d.status === 0, `delete succeeds (${d.stderr.trim()})`);
        }
        expect(seen[0] === seen[1], `both containers were in the same cgroup (${seen.join(' and ')})`);
        expect(seen[0] !== '/' && seen[0].includes(unique(w)), `that cgroup is one made from cgroupsPath ${rel} (${seen[0]})`);
      } finally {
        for (const id of w.ids) await w.run(['delete', '--force', id]);
        removeDirs(dirs, unique(w));
      }
    },
  },
  {
    name: 'config-linux.md cgroups: a second container with the same cgroupsPath joins that cgroup, or create is an error',
    statements: ['config-linux.md#configLinuxCgroupsPath/3', 'config-linux.md#configLinuxControlGroups/1'],
    async run(w) {
      const rel = `/${unique(w)}/shared`;
      const dirs = [];
      try {
        const mutate = (c) => {
          c.linux.cgroupsPath = rel;
          resources(c, { pids: { limit: 100 } });
        };
        const first = await created(w, mutate);
        dirs.push(...allCgroupDirs(first.pid));
        const ctl = pureV2() ? '' : 'pids';
        expect(cgroupPath(first.pid, ctl) === rel, `the first container is in ${rel} (${cgroupPath(first.pid, ctl)})`);
        const id = w.id();
        const c = await w.run(['create', '--bundle', w.bundle(mutate), id]);
        if (c.status === 0) {
          const st = await w.state(id);
          expect(cgroupPath(st.pid, ctl) === rel, `the second container is in the same cgroup ${rel} (${cgroupPath(st.pid, ctl)})`);
        } else {
          // A runtime that checks the cgroup is fit (not empty) must make that an error, and leave nothing behind.
          expect(failed(c), 'the refusal is an error');
          const st = await w.state(id);
          expect(st === undefined, `no second container is left (state says ${st?.status})`);
          const firstState = await w.state(first.id);
          expect(firstState?.status === 'created' && firstState.pid === first.pid, `the refused create left the first container alone (it is now ${firstState?.status} with pid ${firstState?.pid}; it was created with pid ${first.pid}: ${c.stderr.trim().slice(0, 200)})`);
          expect(cgroupPath(first.pid, ctl) === rel, `the first container is still in ${rel}`);
        }
      } finally {
        for (const id of w.ids) await w.run(['delete', '--force', id]);
        removeCgroups(rel, unique(w));
        removeDirs(dirs, unique(w));
      }
    },
  },
  {
    name: 'config-linux.md cgroups: a cgroupsPath that cannot be a cgroup (under a file) is an error',
    statements: ['config-linux.md#configLinuxCgroupsPath/4'],
    async run(w) {
      // cgroup.procs is a file in the root of every hierarchy: nothing can be made below it.
      await refused(w, (c) => {
        c.linux.cgroupsPath = '/cgroup.procs/oci-conformance';
        resources(c, { pids: { limit: 100 } });
      }, 'cgroupsPath /cgroup.procs/oci-conformance');
    },
  },
  // ---------------------------------------------------------------------------- ownership
  {
    name: 'config-linux.md cgroups: on cgroup v1 the container cgroup keeps its owner, even with a cgroup namespace and a rw cgroup mount',
    statements: ['config-linux.md#configLinuxCgroupsPath/5'],
    async run(w) {
      if (pureV2()) skip('this host uses cgroup v2 only: the v1 rule does not apply');
      const { pid } = await running(w, (c) => {
        c.process.user = { uid: 1000, gid: 1000 };
        c.linux.namespaces.push({ type: 'cgroup' });
        c.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'rw'] });
        resources(c, { pids: { limit: 100 } });
      });
      const dirs = allCgroupDirs(pid);
      expect(dirs.length > 0, `the container has cgroups of its own (${JSON.stringify(cgroupLines(pid))})`);
      // The v1 hierarchies wherever this host mounts them (the unified one of a hybrid host is not v1).
      const v1 = mounts().filter((m) => m.fstype === 'cgroup').map((m) => m.point);
      let checked = 0;
      for (const d of dirs) {
        if (!v1.some((p) => d.startsWith(`${p}/`))) continue;
        checked++;
        for (const f of ['', 'cgroup.procs', 'tasks']) {
          const o = ownerOf(path.join(d, f));
          expect(o === undefined || o === 0, `${path.join(d, f)} is still owned by root (uid ${o})`);
        }
      }
      expect(checked > 0, `the container has a cgroup in a v1 hierarchy (${dirs.join(', ')})`);
    },
  },
  {
    name: 'config-linux.md cgroups: without a cgroup namespace, or without a rw cgroup mount, the cgroup owner is not changed',
    statements: ['config-linux.md#configLinuxCgroupsPath/6', 'config-linux.md#configLinuxCgroupsPath/8'],
    async run(w) {
      const variants = {
        'no cgroup namespace, rw cgroup mount': (c) => c.mounts.push({ destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'rw'] }),
        'a cgroup namespace, no cgroup mount': (c) => c.linux.namespaces.push({ type: 'cgroup' }),
      };
      for (const [what, change] of Object.entries(variants)) {
        const { id, pid } = await running(w, (c) => {
          c.process.user = { uid: 1000, gid: 1000 };
          change(c);
          resources(c, { pids: { limit: 100 } });
        });
        const dirs = allCgroupDirs(pid);
        expect(dirs.length > 0, `${what}: the container has cgroups of its own`);
        for (const d of dirs) {
          for (const f of ['', 'cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control', 'tasks']) {
            const o = ownerOf(path.join(d, f));
            expect(o === undefined || o === 0, `${what}: ${path.join(d, f)} is still owned by root (uid ${o})`);
          }
        }
        await w.run(['delete', '--force', id]);
      }
    },
  },
  {
    name: 'config-linux.md cgroups: on cgroup v2 with a cgroup namespace and a rw cgroup mount, only the delegate files change owner',
    statements: ['config-linux.md#configLinuxCgroupsPath/7', 'config-linux.md#configLinuxCgroupsPath/9', 'config-linux.md#configLinuxCgroupsPath/10', 'config-linux.md#configLinuxCgroupsPath/12'],
    async run(w) {
      if (!pureV2()) skip('this host uses cgroup v1 (hybrid): delegation applies to cgroup v2 only (v1 ownership is the v1 case)');
      if (!fs.existsSync('/sys/kernel/cgroup/delegate')) skip('this kernel has no /sys/kernel/cgroup/delegate (the fallback case covers it)');
      await delegation(w, read('/sys/kernel/cgroup/delegate').split('\n').map((l) => l.trim()).filter(Boolean));
    },
  },
  {
    name: 'config-linux.md cgroups: without /sys/kernel/cgroup/delegate, delegation falls back to cgroup.procs, cgroup.subtree_control, cgroup.threads',
    statements: ['config-linux.md#configLinuxCgroupsPath/11'],
    async run(w) {
      if (!pureV2()) skip('this host uses cgroup v1 (hybrid): delegation applies to cgroup v2 only');
      if (fs.existsSync('/sys/kernel/cgroup/delegate')) skip('this kernel has /sys/kernel/cgroup/delegate: the fallback list cannot be exercised without removing a kernel file');
      await delegation(w, ['cgroup.procs', 'cgroup.subtree_control', 'cgroup.threads']);
    },
  },
  // ---------------------------------------------------------------------------- devices
  {
    name: 'config-linux.md cgroups: devices are applied in order: deny all, then allow the one device',
    statements: ['config-linux.md#configLinuxDeviceAllowedlist/1', 'config-linux.md#configLinuxDeviceAllowedlist/2'],
    async run(w) {
      needFuse();
      const { up } = await running(w, (c) => {
        c.linux.devices = [FUSE];
        resources(c, { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }] });
      }, [OPEN_R, OPEN_W]);
      expect(allowed(up.r), `/dev/fuse opens for reading: the later allow wins (${up.r.out})`);
      expect(allowed(up.w), `/dev/fuse opens for writing (${up.w.out})`);
    },
  },
  {
    name: 'config-linux.md cgroups: devices are applied in order: allow the device, then deny all',
    statements: ['config-linux.md#configLinuxDeviceAllowedlist/1', 'config-linux.md#configLinuxDeviceAllowedlist/2'],
    async run(w) {
      const { up } = await running(w, (c) => {
        c.linux.devices = [FUSE];
        resources(c, { devices: [{ allow: true, type: 'c', major: 10, minor: 229, access: 'rw' }, { allow: false, access: 'rwm' }] });
      }, [OPEN_R, OPEN_W]);
      expect(denied(up.r), `opening /dev/fuse for reading is not permitted: the later deny wins (rc ${up.r.rc}: ${up.r.out})`);
      expect(denied(up.w), `opening /dev/fuse for writing is not permitted (rc ${up.w.rc}: ${up.w.out})`);
    },
  },
  {
    name: 'config-linux.md cgroups: a device entry allows only its access (r), and a deny entry for one device denies it',
    statements: ['config-linux.md#configLinuxDeviceAllowedlist/1', 'config-linux.md#configLinuxDeviceAllowedlist/2'],
    async run(w) {
      needFuse();
      const a = await running(w, (c) => {
        c.linux.devices = [FUSE];
        resources(c, { devices: [{ allow: false, access: 'rwm' }, { allow: true, type: 'c', major: 10, minor: 229, access: 'r' }] });
      }, [OPEN_R, OPEN_W]);
      expect(allowed(a.up.r), `with access "r", /dev/fuse opens for reading (${a.up.r.out})`);
      expect(denied(a.up.w), `with access "r", opening /dev/fuse for writing is not permitted (rc ${a.up.w.rc}: ${a.up.w.out})`);
      // Everything allowed first, so only the deny entry can keep /dev/fuse out; /dev/kmsg (in no
      // runtime's default list) shows the allow-all took effect and the deny is for c 10:229 only.
      // (The deny is rw, not m: the runtime may still have to make the node.)
      if (!hostOpens('/dev/kmsg', 'a')) skip('this host refuses opening /dev/kmsg for writing (kernel.printk_devkmsg=off?), so the allow-all cannot be shown');
      const b = await running(w, (c) => {
        c.linux.devices = [FUSE, KMSG];
        resources(c, { devices: [{ allow: true, access: 'rwm' }, { allow: false, type: 'c', major: 10, minor: 229, access: 'rw' }] });
      }, [OPEN_R, 'kmsg=: > /dev/kmsg']);
      expect(denied(b.up.r), `after allow-all, a deny entry for c 10:229 makes /dev/fuse not openable (rc ${b.up.r.rc}: ${b.up.r.out})`);
      expect(allowed(b.up.kmsg), `/dev/kmsg (c 1:11, allowed only by the allow-all entry) opens for writing (${b.up.kmsg.out})`);
    },
  },
  // ---------------------------------------------------------------------------- memory
  {
    name: 'config-linux.md cgroups: memory.limit is the cgroup limit, and a process allocating past it is OOM-killed',
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const limit = 32 * 1024 * 1024;
      const { pid, up } = await running(w, (c) => resources(c, { memory: { limit, swap: limit } }), ['small=head -c 4m /dev/zero | tail > /dev/null', 'big=echo 1000 > /proc/self/oom_score_adj; head -c 128m /dev/zero | tail > /dev/null'], { refusable: 'memory.limit and swap' });
      // (The allocating pipeline volunteers as the OOM victim, so the checker's own shell survives to report.)
      const file = ctlFile(pid, 'memory', 'memory.limit_in_bytes', 'memory.max');
      expect(read(file) === String(limit), `${file} is ${limit} (${read(file)})`);
      expect(up.small.rc === 0, `a 4 MiB allocation works (rc ${up.small.rc}: ${up.small.out})`);
      expect(up.big.rc === 137, `a 128 MiB allocation is killed by SIGKILL (rc ${up.big.rc}: ${up.big.out})`);
      const events = pureV2() ? read(path.join(path.dirname(file), 'memory.events')) : read(path.join(path.dirname(file), 'memory.oom_control'));
      expect(/oom_kill [1-9]/.test(events), `the cgroup counts an OOM kill (${events.replace(/\n/g, '; ')})`);
    },
  },
  {
    name: 'config-linux.md cgroups: memory reservation, swap, swappiness and disableOOMKiller are written; limit -1 is unlimited',
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const mib = 1024 * 1024;
      const { pid } = await created(w, (c) => resources(c, { memory: { limit: 64 * mib, reservation: 32 * mib, swap: 96 * mib, swappiness: 0, disableOOMKiller: true } }), { refusable: 'these memory settings' });
      if (pureV2()) {
        const d = cgroupDir(pid, '');
        expect(read(path.join(d, 'memory.low')) === String(32 * mib), `memory.low is the reservation (${read(path.join(d, 'memory.low'))})`);
        if (fs.existsSync(path.join(d, 'memory.swap.max'))) expect(read(path.join(d, 'memory.swap.max')) === String(32 * mib), `memory.swap.max is swap - limit (${read(path.join(d, 'memory.swap.max'))})`);
      } else {
        const d = cgroupDir(pid, 'memory');
        expect(read(path.join(d, 'memory.soft_limit_in_bytes')) === String(32 * mib), `memory.soft_limit_in_bytes is the reservation (${read(path.join(d, 'memory.soft_limit_in_bytes'))})`);
        if (fs.existsSync(path.join(d, 'memory.memsw.limit_in_bytes'))) expect(read(path.join(d, 'memory.memsw.limit_in_bytes')) === String(96 * mib), `memory.memsw.limit_in_bytes is swap (${read(path.join(d, 'memory.memsw.limit_in_bytes'))})`);
        expect(read(path.join(d, 'memory.swappiness')) === '0', `memory.swappiness is 0 (${read(path.join(d, 'memory.swappiness'))})`);
        expect(/oom_kill_disable 1/.test(read(path.join(d, 'memory.oom_control'))), `memory.oom_control has oom_kill_disable 1 (${read(path.join(d, 'memory.oom_control')).replace(/\n/g, '; ')})`);
      }
      const u = await created(w, (c) => resources(c, { memory: { limit: -1 } }), { refusable: 'memory.limit -1' });
      const f = ctlFile(u.pid, 'memory', 'memory.limit_in_bytes', 'memory.max');
      const v = read(f);
      expect(v === 'max' || BigInt(v) >= 2n ** 62n, `limit -1 leaves ${f} unlimited (${v})`);
    },
  },
  {
    name: 'config-linux.md cgroups: memory.kernelTCP (not recommended) is applied where the kernel has it, with kernel -1',
    // NOT RECOMMENDED (configLinuxMemory/1, /2) is advice to config authors (notTestable); a runtime
    // that takes the fields applies them like any other, or refuses them.
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      if (pureV2()) skip('cgroup v2 has no kernel or kernelTCP limits: nothing to see applied');
      const tcp = 16 * 1024 * 1024;
      const { pid } = await created(w, (c) => resources(c, { memory: { limit: 128 * 1024 * 1024, kernel: -1, kernelTCP: tcp } }), { refusable: 'memory.kernel and kernelTCP' });
      const f = path.join(cgroupDir(pid, 'memory'), 'memory.kmem.tcp.limit_in_bytes');
      if (!fs.existsSync(f)) skip('this kernel has no memory.kmem.tcp.limit_in_bytes');
      expect(read(f) === String(tcp), `${f} is ${tcp} (${read(f)})`);
    },
  },
  // ---------------------------------------------------------------------------- cpu
  {
    name: 'config-linux.md cgroups: cpu quota, period and a burst no larger than quota are written',
    // configLinuxCPU/1, /2 constrain the values (a runtime MAY refuse quota < burst): notTestable.
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const { pid } = await created(w, (c) => resources(c, { cpu: { quota: 50000, period: 100000, burst: 20000 } }), { refusable: 'cpu quota, period and burst' });
      const d = cgroupDir(pid, 'cpu');
      if (pureV2()) {
        expect(read(path.join(d, 'cpu.max')) === '50000 100000', `cpu.max is "50000 100000" (${read(path.join(d, 'cpu.max'))})`);
        if (!fs.existsSync(path.join(d, 'cpu.max.burst'))) skip('this kernel has no cpu.max.burst');
        expect(read(path.join(d, 'cpu.max.burst')) === '20000', `cpu.max.burst is 20000 (${read(path.join(d, 'cpu.max.burst'))})`);
      } else {
        expect(read(path.join(d, 'cpu.cfs_quota_us')) === '50000', `cpu.cfs_quota_us is 50000 (${read(path.join(d, 'cpu.cfs_quota_us'))})`);
        expect(read(path.join(d, 'cpu.cfs_period_us')) === '100000', `cpu.cfs_period_us is 100000 (${read(path.join(d, 'cpu.cfs_period_us'))})`);
        if (!fs.existsSync(path.join(d, 'cpu.cfs_burst_us'))) skip('this kernel has no cpu.cfs_burst_us');
        expect(read(path.join(d, 'cpu.cfs_burst_us')) === '20000', `cpu.cfs_burst_us is 20000 (${read(path.join(d, 'cpu.cfs_burst_us'))})`);
      }
    },
  },
  {
    name: 'config-linux.md cgroups: cpu idle 1 is written (SCHED_IDLE for the cgroup)',
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const { pid } = await created(w, (c) => resources(c, { cpu: { idle: 1 } }), { refusable: 'cpu.idle' });
      const f = path.join(cgroupDir(pid, 'cpu'), 'cpu.idle');
      if (!fs.existsSync(f)) skip('this kernel has no cpu.idle');
      expect(read(f) === '1', `cpu.idle is 1 (${read(f)})`);
    },
  },
  {
    name: 'config-linux.md cgroups: cpu shares, cpus and mems are written',
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const { pid } = await created(w, (c) => resources(c, { cpu: { shares: 512, cpus: '0', mems: '0' } }), { refusable: 'cpu shares, cpus and mems' });
      const d = cgroupDir(pid, 'cpu');
      const cs = cgroupDir(pid, 'cpuset');
      if (pureV2()) {
        // The spec gives no shares-to-weight conversion (runtimes use a linear one, 512 → 20, or a
        // quadratic one, 512 → 59); any maps the default 1024 to 100, so 512 is below it.
        const weight = Number(read(path.join(d, 'cpu.weight')));
        expect(weight >= 1 && weight < 100, `cpu.weight is below the default 100, as shares 512 < 1024 (${weight})`);
        expect(read(path.join(cs, 'cpuset.cpus')) === '0', `cpuset.cpus is 0 (${read(path.join(cs, 'cpuset.cpus'))})`);
        expect(read(path.join(cs, 'cpuset.mems')) === '0', `cpuset.mems is 0 (${read(path.join(cs, 'cpuset.mems'))})`);
      } else {
        expect(read(path.join(d, 'cpu.shares')) === '512', `cpu.shares is 512 (${read(path.join(d, 'cpu.shares'))})`);
        expect(read(path.join(cs, 'cpuset.cpus')) === '0', `cpuset.cpus is 0 (${read(path.join(cs, 'cpuset.cpus'))})`);
        expect(read(path.join(cs, 'cpuset.mems')) === '0', `cpuset.mems is 0 (${read(path.join(cs, 'cpuset.mems'))})`);
      }
      const affinity = /Cpus_allowed_list:\s*(\S+)/.exec(read(`/proc/${pid}/status`))?.[1];
      expect(affinity === '0', `the container process may run on CPU 0 only (${affinity})`);
    },
  },
  // ---------------------------------------------------------------------------- blockIO
  // The four throttles, two cases of two: [what, config fields, v2 io.max keys, v1 file suffixes, rates].
  ...[
    ['bps', ['throttleReadBpsDevice', 'throttleWriteBpsDevice'], ['rbps', 'wbps'], ['read_bps_device', 'write_bps_device'], [1048576, 2097152]],
    ['iops', ['throttleReadIOPSDevice', 'throttleWriteIOPSDevice'], ['riops', 'wiops'], ['read_iops_device', 'write_iops_device'], [300, 150]],
  ].map(([what, fields, v2Keys, v1Files, rates]) => ({
    name: `config-linux.md cgroups: blockIO throttle ${what} entries (major, minor, rate) are written`,
    // That they are applied; their fields being REQUIRED (configLinuxBlockIO/3-6) is the error case's.
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const dev = blockDevice();
      if (!dev) skip('this host has no block device');
      const { pid } = await created(w, (c) => resources(c, { blockIO: Object.fromEntries(fields.map((f, i) => [f, [{ major: dev.major, minor: dev.minor, rate: rates[i] }]])) }), { refusable: `blockIO ${fields.join(' and ')}` });
      const key = `${dev.major}:${dev.minor}`;
      if (pureV2()) {
        const m = read(path.join(cgroupDir(pid, ''), 'io.max'));
        const want = v2Keys.map((k, i) => `${k}=${rates[i]}`);
        expect(want.every((kv) => new RegExp(`^${key} .*${kv}`, 'm').test(m)), `io.max limits ${dev.name} to ${want.join(' ')} (${m})`);
      } else {
        const d = cgroupDir(pid, 'blkio');
        v1Files.forEach((f, i) => {
          const got = read(path.join(d, `blkio.throttle.${f}`));
          expect(got === `${key} ${rates[i]}`, `blkio.throttle.${f} is "${key} ${rates[i]}" (${got})`);
        });
      }
    },
  })),
  {
    name: 'config-linux.md cgroups: blockIO weightDevice entries (major, minor, weight) are written',
    // That they are applied; the entry's rules (configLinuxBlockIO/1, /2) are the error case's.
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      // Per-device weights need a weight-aware I/O scheduler on that very device (BFQ, or CFQ on old
      // kernels): the kernel refuses them (EOPNOTSUPP) for a device under another one, and io.weight
      // (iocost) takes them only where iocost is enabled, which runtimes do not use for weightDevice.
      const dev = blockDevice((n) => ['bfq', 'cfq'].includes(activeScheduler(n)));
      if (!dev) skip('this host has no block device');
      const sched = activeScheduler(dev.name);
      if (sched !== 'bfq' && sched !== 'cfq') skip(`no block device here uses BFQ or CFQ (${dev.name}: ${dev.scheduler}): per-device weights cannot be set on this host`);
      const probe = pureV2() ? ['io.bfq.weight'] : sched === 'bfq' ? ['blkio.bfq.weight_device'] : ['blkio.weight_device'];
      const root = pureV2() ? v2Mount() : v1Mount('blkio');
      const anyCgroup = root && fs.readdirSync(root, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      const has = root && (probe.some((f) => fs.existsSync(path.join(root, f))) || anyCgroup.some((n) => probe.some((f) => fs.existsSync(path.join(root, n, f)))));
      if (!has) skip(`no per-device weight file (${probe.join(', ')}) in the cgroups: this kernel has no ${sched} cgroup support`);
      const { pid } = await created(w, (c) => resources(c, { blockIO: { weightDevice: [{ major: dev.major, minor: dev.minor, weight: 500 }] } }), { refusable: 'blockIO weightDevice' });
      const d = cgroupDir(pid, pureV2() ? '' : 'blkio');
      const f = probe.map((x) => path.join(d, x)).find((x) => fs.existsSync(x));
      expect(f, `the container cgroup has a per-device weight file (${probe.join(', ')})`);
      expect(new RegExp(`^${dev.major}:${dev.minor} 500$`, 'm').test(read(f)), `${f} gives ${dev.major}:${dev.minor} weight 500 (${read(f)})`);
    },
  },
  {
    name: 'config-linux.md cgroups: a blockIO entry without major or minor, or a weightDevice entry with neither weight nor leafWeight, is an error',
    statements: ['config-linux.md#configLinuxBlockIO/1', 'config-linux.md#configLinuxBlockIO/2', 'config-linux.md#configLinuxBlockIO/3', 'config-linux.md#configLinuxBlockIO/5'],
    async run(w) {
      const { major, minor } = await throttlesAccepted(w);
      await refused(w, (c) => resources(c, { blockIO: { weightDevice: [{ major, minor }] } }), 'a weightDevice entry with neither weight nor leafWeight');
      await refused(w, (c) => resources(c, { blockIO: { weightDevice: [{ minor, weight: 500 }] } }), 'a weightDevice entry without major');
      await refused(w, (c) => resources(c, { blockIO: { throttleReadBpsDevice: [{ minor, rate: 1048576 }] } }), 'a throttleReadBpsDevice entry without major');
      await refused(w, (c) => resources(c, { blockIO: { throttleWriteIOPSDevice: [{ major, rate: 300 }] } }), 'a throttleWriteIOPSDevice entry without minor');
    },
  },
  {
    name: 'config-linux.md cgroups: a blockIO throttle entry without rate is an error',
    statements: ['config-linux.md#configLinuxBlockIO/4', 'config-linux.md#configLinuxBlockIO/6'],
    async run(w) {
      const { major, minor } = await throttlesAccepted(w);
      await refused(w, (c) => resources(c, { blockIO: { throttleReadBpsDevice: [{ major, minor }] } }), 'a throttleReadBpsDevice entry without rate');
      await refused(w, (c) => resources(c, { blockIO: { throttleWriteIOPSDevice: [{ major, minor }] } }), 'a throttleWriteIOPSDevice entry without rate');
    },
  },
  // ---------------------------------------------------------------------------- hugetlb
  {
    name: 'config-linux.md cgroups: hugepageLimits (pageSize, limit) are applied where the hugetlb controller is, or create is an error',
    statements: ['config-linux.md#configLinuxHugePageLimits/1', 'config-linux.md#configLinuxHugePageLimits/2', 'config-linux.md#configLinuxUnified/4'],
    async run(w) {
      const sizes = fs.existsSync('/sys/kernel/mm/hugepages') ? fs.readdirSync('/sys/kernel/mm/hugepages') : [];
      const kb = sizes.map((s) => Number(/hugepages-(\d+)kB/.exec(s)?.[1])).find((n) => n > 0);
      if (!kb) skip('this host has no huge pages');
      const pageSize = kb >= 1048576 ? `${kb / 1048576}GB` : kb >= 1024 ? `${kb / 1024}MB` : `${kb}KB`;
      const onV1 = !pureV2() && v1Mount('hugetlb');
      const onV2 = v2Controllers().includes('hugetlb');
      if (!onV1 && !onV2) skip('this host has no hugetlb controller');
      const limit = 4 * kb * 1024;
      const id = w.id();
      const c = await w.run(['create', '--bundle', w.bundle((cfg) => resources(cfg, { hugepageLimits: [{ pageSize, limit }] })), id]);
      if (c.status !== 0) {
        // Only acceptable when the controller is on the v2 hierarchy and config is the v1 form (Unified/4).
        expect(!onV1 && onV2, `create is not refused: hugetlb is on the v1 hierarchy (${c.stderr.trim().slice(0, 200)})`);
        return;
      }
      const { pid } = await w.state(id);
      const dir = onV1 ? cgroupDir(pid, 'hugetlb') : cgroupDir(pid, '');
      const names = onV1 ? [`hugetlb.${pageSize}.limit_in_bytes`, `hugetlb.${pageSize}.rsvd.limit_in_bytes`] : [`hugetlb.${pageSize}.max`, `hugetlb.${pageSize}.rsvd.max`];
      const values = names.map((n) => read(path.join(dir, n)));
      expect(values.includes(String(limit)), `${pageSize} hugetlb limit ${limit} is in ${dir} (${names.map((n, i) => `${n}=${values[i]}`).join(', ')})${onV1 ? '' : '; hugetlb is only on the cgroup v2 hierarchy here, so hugepageLimits must be converted or refused'}`);
    },
  },
  // ---------------------------------------------------------------------------- network
  {
    name: 'config-linux.md cgroups: network classID and priorities (name, priority) are written',
    statements: ['config-linux.md#configLinuxNetwork/1'],
    async run(w) {
      if (pureV2()) skip('cgroup v2 has no net_cls or net_prio controller');
      if (!v1Mount('net_prio') || !v1Mount('net_cls')) skip('net_cls/net_prio are not mounted on this host (no hierarchy a runtime can use)');
      const { pid } = await created(w, (c) => resources(c, { network: { classID: 1048577, priorities: [{ name: 'lo', priority: 5 }] } }));
      const prio = read(path.join(cgroupDir(pid, 'net_prio'), 'net_prio.ifpriomap'));
      expect(/^lo 5$/m.test(prio), `net_prio.ifpriomap gives lo priority 5 (${prio.replace(/\n/g, '; ')})`);
      const cls = read(path.join(cgroupDir(pid, 'net_cls'), 'net_cls.classid'));
      expect(cls === '1048577', `net_cls.classid is 1048577 (${cls})`);
    },
  },
  // ---------------------------------------------------------------------------- pids
  {
    name: 'config-linux.md cgroups: pids.limit is the cgroup limit and stops a fork loop',
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      const { pid, up } = await running(w, (c) => resources(c, { pids: { limit: 8 } }), ['fork=for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16; do sleep 5 & done; echo forked'], { refusable: 'pids.limit' });
      const f = ctlFile(pid, 'pids', 'pids.max', 'pids.max');
      expect(read(f) === '8', `${f} is 8 (${read(f)})`);
      expect(/fork|resource temporarily unavailable/i.test(up.fork.out), `the 16 background processes could not all be forked (${up.fork.out})`);
    },
  },
  {
    name: 'config-linux.md cgroups: a pids limit of 0 is a limit of 0, not "unlimited"',
    statements: ['config-linux.md#configLinuxPIDS/1'],
    async run(w) {
      // The container process joins the cgroup (joining is never refused) and execs sleep: no fork needed.
      const { pid } = await created(w, (c) => {
        c.process.args = ['sleep', '30'];
        resources(c, { pids: { limit: 0 } });
      });
      const f = ctlFile(pid, 'pids', 'pids.max', 'pids.max');
      expect(read(f) === '0', `${f} is 0 (${read(f)})`);
    },
  },
  // ---------------------------------------------------------------------------- rdma
  {
    name: 'config-linux.md cgroups: rdma hcaHandles/hcaObjects are written for the device',
    statements: ['config-linux.md#configLinuxRDMA/1'],
    async run(w) {
      const present = /^rdma\s/m.test(read('/proc/cgroups')) || v2Controllers().includes('rdma');
      if (!present) skip('this kernel has no rdma cgroup controller');
      const devs = fs.existsSync('/sys/class/infiniband') ? fs.readdirSync('/sys/class/infiniband') : [];
      if (!devs.length) skip('this host has no RDMA device');
      const dev = devs[0];
      const { pid } = await created(w, (c) => resources(c, { rdma: { [dev]: { hcaHandles: 3, hcaObjects: 100 } } }));
      const f = ctlFile(pid, 'rdma', 'rdma.max', 'rdma.max');
      expect(new RegExp(`^${dev} hca_handle=3 hca_object=100$`, 'm').test(read(f)), `${f} limits ${dev} (${read(f)})`);
    },
  },
  // ---------------------------------------------------------------------------- unified
  {
    name: 'config-linux.md cgroups: unified referring to a controller that is not present is an error',
    statements: ['config-linux.md#configLinuxUnified/3'],
    async run(w) {
      await refused(w, (c) => resources(c, { unified: { 'nosuchcontroller.max': '1' } }), 'unified key nosuchcontroller.max');
      const absent = ['pids', 'memory', 'cpu', 'io', 'rdma'].find((x) => !v2Controllers().includes(x));
      const value = { pids: '10', memory: '67108864', cpu: '50000 100000', io: '', rdma: '' }[absent];
      if (absent && value) await refused(w, (c) => resources(c, { unified: { [`${absent}.max`]: value } }), `unified key ${absent}.max, where the cgroup v2 hierarchy has no ${absent} controller (${v2Controllers().join(' ') || 'none'})`);
    },
  },
  {
    name: 'config-linux.md cgroups: unified values are written to the v2 files, with their controllers enabled, known to the runtime or not',
    statements: ['config-linux.md#configLinuxUnified/1', 'config-linux.md#configLinuxUnified/2'],
    async run(w) {
      if (!pureV2()) skip('not a pure cgroup v2 host: runtimes manage v1 controllers here (the error case covers unified on v1)');
      const { pid } = await created(w, (c) => resources(c, { unified: { 'pids.max': '17', 'cpu.weight.nice': '5', 'memory.oom.group': '1' } }));
      const d = cgroupDir(pid, '');
      expect(read(path.join(d, 'pids.max')) === '17', `pids.max is 17: the pids controller is enabled and written (${read(path.join(d, 'pids.max'))})`);
      expect(read(path.join(d, 'cpu.weight.nice')) === '5', `cpu.weight.nice is 5 (${read(path.join(d, 'cpu.weight.nice'))})`);
      expect(read(path.join(d, 'memory.oom.group')) === '1', `memory.oom.group is 1 (${read(path.join(d, 'memory.oom.group'))})`);
    },
  },
  // ---------------------------------------------------------------------------- intelRdt
  {
    name: 'config-linux.md cgroups: intelRdt without a mounted resctrl filesystem is an error',
    statements: ['config-linux.md#configLinuxIntelRdt/2'],
    async run(w) {
      if (resctrlMount()) skip(`resctrl is mounted at ${resctrlMount()}`);
      await refused(w, (c) => (c.linux.intelRdt = { closID: 'oci-conformance' }), 'intelRdt with no resctrl mounted');
    },
  },
  {
    name: 'config-linux.md cgroups: intelRdt puts the process in the CLOS directory (its id, or closID, or / the root) and removes only what it made',
    statements: ['config-linux.md#configLinuxIntelRdt/1', 'config-linux.md#configLinuxIntelRdt/3', 'config-linux.md#configLinuxIntelRdt/4', 'config-linux.md#configLinuxIntelRdt/13', 'config-linux.md#configLinuxIntelRdt/14', 'config-linux.md#configLinuxIntelRdt/17', 'config-linux.md#configLinuxIntelRdt/18', 'config-linux.md#configLinuxIntelRdt/19', 'config-linux.md#configLinuxIntelRdt/20'],
    async run(w) {
      const r = resctrlMount();
      if (!r) skip('no resctrl filesystem is mounted on this host');
      const listing = () => fs.readdirSync(r).sort().join(' ');
      const schemata = read(path.join(r, 'schemata'));
      const pre = path.join(r, `${unique(w)}-pre`);
      try {
        // /3: a container without intelRdt leaves resctrl alone.
        const before = listing();
        const plain = await created(w);
        expect(listing() === before, 'a container without intelRdt makes no resctrl directory');
        await w.run(['delete', '--force', plain.id]);
        // /1, /14, /13: no closID: the container id's directory, the pid in its tasks, the root schemata untouched.
        const a = await created(w, (c) => (c.linux.intelRdt = {}));
        expect(read(path.join(r, a.id, 'tasks')).split('\n').includes(String(a.pid)), `${r}/${a.id}/tasks lists the container process`);
        expect(read(path.join(r, 'schemata')) === schemata, 'no schema given: the root schemata file is unchanged');
        await w.run(['delete', '--force', a.id]);
        expect(!fs.existsSync(path.join(r, a.id)), `delete removed ${r}/${a.id}, which the runtime made (/19)`);
        // /4: closID "/" is the root CLOS.
        const b = await created(w, (c) => (c.linux.intelRdt = { closID: '/' }));
        expect(read(path.join(r, 'tasks')).split('\n').includes(String(b.pid)), 'closID / puts the process in the root tasks file');
        await w.run(['delete', '--force', b.id]);
        // /17, /18: a closID with no schema must exist beforehand; then it is used and not removed (/20).
        await refused(w, (c) => (c.linux.intelRdt = { closID: `${unique(w)}-missing` }), 'intelRdt closID naming no existing directory, with no schema');
        fs.mkdirSync(pre);
        const d = await created(w, (c) => (c.linux.intelRdt = { closID: path.basename(pre) }));
        expect(read(path.join(pre, 'tasks')).split('\n').includes(String(d.pid)), `${pre}/tasks lists the container process`);
        await w.run(['delete', '--force', d.id]);
        expect(fs.existsSync(pre), 'delete left the pre-configured closID directory in place');
      } finally {
        // Whatever a runtime left (the groups' processes are gone: delete first).
        for (const id of w.ids) await w.run(['delete', '--force', id]);
        removeResctrlGroups(w, r);
        for (const g of [pre, path.join(r, `${unique(w)}-missing`)]) {
          try {
            fs.rmdirSync(g);
          } catch {
            // not made, or already gone
          }
        }
      }
    },
  },
  {
    name: 'config-linux.md cgroups: intelRdt schemas are written to the CLOS schemata (L3 then MB, then schemata), checked against an existing one, and monitoring gets a MON group',
    statements: ['config-linux.md#configLinuxIntelRdt/8', 'config-linux.md#configLinuxIntelRdt/9', 'config-linux.md#configLinuxIntelRdt/20', 'config-linux.md#configLinuxIntelRdt/11', 'config-linux.md#configLinuxIntelRdt/12', 'config-linux.md#configLinuxIntelRdt/15', 'config-linux.md#configLinuxIntelRdt/16', 'config-linux.md#configLinuxIntelRdt/21', 'config-linux.md#configLinuxIntelRdt/22', 'config-linux.md#configLinuxIntelRdt/23', 'config-linux.md#configLinuxIntelRdt/24'],
    async run(w) {
      const r = resctrlMount();
      if (!r) skip('no resctrl filesystem is mounted on this host');
      const rootSchemata = read(path.join(r, 'schemata')).split('\n').map((l) => l.trim());
      const l3 = rootSchemata.find((l) => l.startsWith('L3:'));
      const mb = rootSchemata.find((l) => l.startsWith('MB:'));
      if (!l3 && !mb) skip('the resctrl root schemata has neither L3 nor MB lines');
      const closID = `${unique(w)}-clos`;
      const dir = path.join(r, closID);
      try {
        // /15, /9, /11, /12: a new closID directory is made and the values are in its schemata.
        const a = await created(w, (c) => (c.linux.intelRdt = { closID, ...(l3 ? { l3CacheSchema: l3 } : {}), ...(mb ? { memBwSchema: mb } : {}), schemata: [l3 ?? mb] }));
        expect(fs.existsSync(dir), `${dir} was created`);
        const s = read(path.join(dir, 'schemata'));
        for (const line of [l3, mb].filter(Boolean)) expect(s.includes(line.replace(/\s+/g, '')) || s.includes(line), `${dir}/schemata holds ${line} (${s})`);
        expect(read(path.join(dir, 'tasks')).split('\n').includes(String(a.pid)), `${dir}/tasks lists the container process`);
        await w.run(['delete', '--force', a.id]);
        expect(fs.existsSync(dir), `delete left ${dir} in place: closID was set (/20)`);
        // /16: an existing closID whose schemata differs from the config is an error.
        if (l3) {
          const other = l3.replace(/=([0-9a-f]+)/, (m, v) => `=${(parseInt(v, 16) >> 1 || 1).toString(16)}`);
          if (other !== l3) await refused(w, (c) => (c.linux.intelRdt = { closID, l3CacheSchema: other }), 'an l3CacheSchema that differs from the existing closID directory');
        }
        // /21-/24: enableMonitoring makes mon_groups/<id> under the CTRL_MON group, removed at delete.
        if (fs.existsSync(path.join(r, 'mon_groups'))) {
          const m = await created(w, (c) => (c.linux.intelRdt = { enableMonitoring: true }));
          const mon = path.join(r, m.id, 'mon_groups', m.id);
          expect(fs.existsSync(mon), `${mon} exists`);
          await w.run(['delete', '--force', m.id]);
          expect(!fs.existsSync(mon), `${mon} is gone after delete`);
          // /24: with every RMID taken (MON groups made on the host until mkdir fails), enableMonitoring is an error.
          const rmids = Number(read(path.join(r, 'info/L3_MON/num_rmids')));
          if (rmids > 0 && rmids <= 1024) {
            const made = [];
            try {
              for (let i = 0; i < rmids; i++) {
                const g = path.join(r, 'mon_groups', `${unique(w)}-${i}`);
                try {
                  fs.mkdirSync(g);
                  made.push(g);
                } catch {
                  break;
                }
              }
              await refused(w, (c) => (c.linux.intelRdt = { closID: '/', enableMonitoring: true }), 'enableMonitoring when no MON group can be made');
            } finally {
              for (const g of made.reverse()) {
                try {
                  fs.rmdirSync(g);
                } catch {
                  // already gone
                }
              }
            }
          }
        }
      } finally {
        for (const id of w.ids) await w.run(['delete', '--force', id]);
        removeResctrlGroups(w, r);
        try {
          fs.rmdirSync(dir);
        } catch {
          // not made, or already gone
        }
      }
    },
  },
  // ---------------------------------------------------------------------------- memoryPolicy
  {
    name: 'config-linux.md cgroups: a memoryPolicy without mode is an error',
    statements: ['config-linux.md#configLinuxMemoryPolicy/1'],
    async run(w) {
      if (!fs.existsSync('/proc/self/numa_maps')) skip('this kernel has no NUMA support (/proc/self/numa_maps)');
      const control = await accepts(w, (c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' }));
      if (!control.ok) skip(`the runtime refuses even a valid memoryPolicy (${control.how}), so its refusing one without mode shows nothing`);
      await refused(w, (c) => (c.linux.memoryPolicy = { nodes: '0' }), 'a memoryPolicy without mode');
    },
  },
  {
    name: 'config-linux.md cgroups: memoryPolicy mode is applied to the process',
    // That it is applied; configLinuxMemoryPolicy/1 (mode REQUIRED) is the case before.
    statements: ['runtime.md#runtimeCreate/4'],
    async run(w) {
      if (!fs.existsSync('/proc/self/numa_maps')) skip('this kernel has no NUMA support (/proc/self/numa_maps)');
      const { up } = await running(w, (c) => (c.linux.memoryPolicy = { mode: 'MPOL_BIND', nodes: '0' }), ['numa=head -1 /proc/self/numa_maps'], { refusable: 'linux.memoryPolicy' });
      expect(/ bind:0( |$)/.test(up.numa.out), `the container's processes have policy bind:0 (${up.numa.out})`);
    },
  },
];

export const notTestable = {
  'config-linux.md#configLinuxMemory/1': 'NOT RECOMMENDED: advice to config authors against setting kernel; it asks nothing of a runtime (that a value given is applied is runtime.md#runtimeCreate/4, checked with kernelTCP)',
  'config-linux.md#configLinuxMemory/2': 'NOT RECOMMENDED: advice to config authors against setting kernelTCP; it asks nothing of a runtime (that a value given is applied is runtime.md#runtimeCreate/4, checked)',
  'config-linux.md#configLinuxCPU/1': 'a constraint on the config values (quota no smaller than burst); the runtime MAY, not MUST, refuse a config that breaks it, so no verdict follows from what it does',
  'config-linux.md#configLinuxCPU/2': 'a constraint on the config values (burst no larger than a positive quota); the runtime MAY, not MUST, refuse a config that breaks it, so no verdict follows from what it does',
  'config-linux.md#configLinuxMemory/3': 'checkBeforeUpdate governs updating the limit of a running container; runtime.md defines no update operation, so the standard operations never set a new limit over current usage',
  'config-linux.md#configLinuxIntelRdt/5': 'a rule on the value a config author writes (SHOULD start with L3:, no newline); the spec gives the runtime no behaviour for a value that breaks it',
  'config-linux.md#configLinuxIntelRdt/6': 'a rule on the value a config author writes (memBwSchema MUST start with MB:, no newline); the spec gives the runtime no behaviour for a value that breaks it',
  'config-linux.md#configLinuxIntelRdt/10': 'the order in which the runtime writes l3CacheSchema and memBwSchema to the schemata file leaves no trace in the file: both lines end up there either way (only a trace of the runtime’s syscalls could show the order)',
  'config-linux.md#configLinuxIntelRdt/7': 'a rule on the schemata values a config author writes (no newlines); the spec gives the runtime no behaviour for a value that breaks it',
};
