// config-linux.md "Cgroup ownership": when the container's cgroup is handed to its user, and which files.
import t from 'tap';
import { cgroupOwner, delegateFiles, FALLBACK_DELEGATE_FILES } from '../../src/cgroups/delegation.js';
import { baseSpec } from '../helpers/specs.js';
import type { Spec } from '../../src/spec/generated/config.js';

const cgroupMount = { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'rw'] };

function delegating(change: (s: Spec) => void = () => {}): Spec {
  return baseSpec((s) => {
    s.process!.user = { uid: 1000, gid: 1000 };
    s.linux!.namespaces!.push({ type: 'cgroup' });
    s.mounts!.push({ ...cgroupMount, options: [...cgroupMount.options] });
    change(s);
  });
}

t.test('delegated on v2 with a new cgroup namespace and a read-write cgroup mount', async (t) => {
  t.equal(cgroupOwner(delegating(), 'v2'), 1000);
  t.equal(cgroupOwner(delegating((s) => (s.mounts!.at(-1)!.destination = 'sys/fs/cgroup/')), 'v2'), 1000, 'the destination is compared cleaned');
  t.equal(cgroupOwner(delegating((s) => delete s.process!.user), 'v2'), 0, 'no user is uid 0');
});

t.test('left alone otherwise', async (t) => {
  for (const kind of ['v1', 'hybrid', 'none'] as const) t.equal(cgroupOwner(delegating(), kind), undefined, `never on ${kind}: not secure on v1`);
  t.equal(cgroupOwner(delegating((s) => (s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'cgroup'))), 'v2'), undefined, 'no cgroup namespace');
  t.equal(cgroupOwner(delegating((s) => (s.linux!.namespaces!.find((n) => n.type === 'cgroup')!.path = '/proc/1/ns/cgroup')), 'v2'), undefined, 'a joined cgroup namespace is not new');
  t.equal(cgroupOwner(delegating((s) => s.mounts!.at(-1)!.options!.push('ro')), 'v2'), undefined, 'a read-only cgroup mount');
  t.equal(cgroupOwner(delegating((s) => s.mounts!.pop()), 'v2'), undefined, 'no cgroup mount');
  t.equal(cgroupOwner(delegating((s) => (s.mounts!.at(-1)!.source = 'cgroup2')), 'v2'), undefined, 'the source must be "cgroup"');
});

t.test('through a user namespace, the host uid the process uid maps to', async (t) => {
  const userns = (s: Spec) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
  };
  t.equal(cgroupOwner(delegating(userns), 'v2'), 101000);
  t.equal(cgroupOwner(delegating((s) => (userns(s), (s.process!.user!.uid = 70000))), 'v2'), undefined, 'an unmapped uid: nobody to hand it to');
  t.equal(cgroupOwner(delegating((s) => s.linux!.namespaces!.push({ type: 'user', path: '/proc/1/ns/user' })), 'v2'), undefined, 'a joined user namespace');
});

t.test('the files: the directory, then the kernel list, or the spec fallback', async (t) => {
  t.same(delegateFiles('cgroup.procs\ncgroup.threads\ncgroup.subtree_control\nmemory.oom.group\nmemory.reclaim\n'), ['.', 'cgroup.procs', 'cgroup.threads', 'cgroup.subtree_control', 'memory.oom.group', 'memory.reclaim']);
  t.same(delegateFiles(undefined), ['.', ...FALLBACK_DELEGATE_FILES]);
  t.same(delegateFiles('../x\na/b\ncgroup.procs\n'), ['.', 'cgroup.procs'], 'never a path out of the cgroup');
});
