// Idmapped bind mounts (issue 17; config.md idmap/ridmap, uidMappings/gidMappings): the mount shows
// the filesystem's ids through its own mapping (MOUNT_ATTR_IDMAP), and a file created through it
// is stored with the ids the mapping gives back on the host. Errors carry the mount's pointer.
import fs from 'node:fs';
import path from 'node:path';
import t, { type Test } from 'tap';
import { containersIn, makeBundle, rootSkipReason, runScript, stateRoot, tempDir, tsrunc, uniqueId } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

/** A host directory with a file owned by 0:0, open to everyone (the container's uid may differ). */
function hostDir(t: Test): string {
  const dir = tempDir(t, 'tsrunc-idmap-');
  fs.chmodSync(dir, 0o777);
  fs.writeFileSync(path.join(dir, 'by-host-root'), 'x');
  fs.chownSync(path.join(dir, 'by-host-root'), 0, 0);
  return dir;
}

t.test('its own mappings: on-disk 0 shows as 1000, and what uid 1000 creates is 0 on the host', async (t) => {
  const dir = hostDir(t);
  const map = [{ containerID: 0, hostID: 1000, size: 1 }];
  const r = runScript(t, stateRoot(t), 'stat -c %u:%g /idm/by-host-root /plain/by-host-root; grep " /idm " /proc/self/mountinfo | grep -c idmapped; su_=$(id -u); touch /idm/made-by-$su_ && echo made', (s) => {
    s.process!.user = { uid: 1000, gid: 1000 };
    s.mounts!.push({ destination: '/plain', type: 'bind', source: dir, options: ['bind'] });
    s.mounts!.push({ destination: '/idm', type: 'bind', source: dir, options: ['bind', 'idmap'], uidMappings: map, gidMappings: map });
  });
  t.equal(r.status, 0, `run (stderr: ${r.stderr.trim()})`);
  t.same(r.stdout.trim().split('\n'), ['1000:1000', '0:0', '1', 'made'], 'idmapped view, plain view, the kernel calls it idmapped, a file made');
  const st = fs.statSync(path.join(dir, 'made-by-1000'));
  t.same([st.uid, st.gid], [0, 0], 'created by uid 1000 through the mount: 0:0 on the host');
});

t.test('idmap without mappings takes the container’s user namespace: its root owns the host’s root files', async (t) => {
  const dir = hostDir(t);
  const r = runScript(t, stateRoot(t), 'stat -c %u:%g /idm/by-host-root; touch /idm/made-inside && echo made', (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    s.mounts!.push({ destination: '/idm', type: 'bind', source: dir, options: ['bind', 'idmap'] });
  });
  t.equal(r.status, 0, `run (stderr: ${r.stderr.trim()})`);
  t.same(r.stdout.trim().split('\n'), ['0:0', 'made'], "the host's 0 is the container's root");
  const st = fs.statSync(path.join(dir, 'made-inside'));
  t.same([st.uid, st.gid], [0, 0], 'what the container root (host uid 200000) creates is 0:0 on the host, not 200000');
});

t.test('refused with the mount’s pointer: not a bind, one mapping without the other, idmap with nothing to map', async (t) => {
  const dir = hostDir(t);
  const map = [{ containerID: 0, hostID: 1000, size: 1 }];
  const cases: Array<[string, (m: Record<string, unknown>) => void, RegExp]> = [
    ['a tmpfs', (m) => Object.assign(m, { type: 'tmpfs', source: 'tmpfs', options: ['idmap'], uidMappings: map, gidMappings: map }), /\/mounts\/\d+\/options\/0: an idmapping applies to a bind mount/],
    ['uidMappings alone', (m) => Object.assign(m, { options: ['bind', 'idmap'], uidMappings: map }), /\/mounts\/\d+\/gidMappings: is required with uidMappings/],
    ['idmap without a user namespace', (m) => Object.assign(m, { options: ['rbind', 'ridmap'] }), /\/mounts\/\d+\/options\/1: ridmap without uidMappings and gidMappings needs the container's own user namespace/],
  ];
  for (const [what, shape, message] of cases) {
    const root = stateRoot(t);
    const bundle = makeBundle(t, (s) => {
      const m: Record<string, unknown> = { destination: '/idm', type: 'bind', source: dir };
      shape(m);
      s.mounts!.push(m as never);
    });
    const r = tsrunc(root, ['create', '--bundle', bundle, uniqueId('idmap')]);
    t.not(r.status, 0, what);
    t.match(r.stderr, message, r.stderr.trim());
    t.same(containersIn(root), [], 'nothing left');
  }
});

t.test('a filesystem the kernel will not idmap (sysfs): the init’s error names the config’s mount, nothing left', async (t) => {
  const root = stateRoot(t);
  const map = [{ containerID: 0, hostID: 1000, size: 1 }];
  const bundle = makeBundle(t, (s) => s.mounts!.push({ destination: '/idm', type: 'bind', source: '/sys/kernel', options: ['bind', 'idmap'], uidMappings: map, gidMappings: map }));
  const r = tsrunc(root, ['create', '--bundle', bundle, uniqueId('idmap-sysfs')]);
  t.not(r.status, 0);
  t.match(r.stderr, /config\.json: \/mounts\/\d+: make the idmapped mount `\/idm`: idmap `\/sys\/kernel` \(its filesystem may not support idmapped mounts\): .*\(E[A-Z]+\)/, r.stderr.trim());
  t.same(containersIn(root), [], 'nothing left');
});
