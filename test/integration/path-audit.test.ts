// Every string from config.json or the command line that becomes a path, tried with an escape: a
// symlink planted in the rootfs, a ".." climb, a symlink at the path we write. Each is refused with
// a clear error or kept inside the container; the host is checked to be untouched. (The escapes of
// the CVE classes are in security.test.ts; the audit table is in issue 9's note.)
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { containersIn, expectCreateRefused, makeBundle, privateRootfs, rootSkipReason, runScript, stateRoot, tempDir, tsrunc, uniqueId } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

t.test('a bind source inside the rootfs is resolved there: an image’s symlink cannot name a host file', async (t) => {
  const rootfs = privateRootfs(t);
  const host = tempDir(t, 'tsrunc-secret-');
  const secret = path.join(host, 'secret');
  fs.writeFileSync(secret, 'host secret');
  fs.symlinkSync(secret, path.join(rootfs, 'etc/evil'));
  // The same path inside the rootfs: where the link leads when it is resolved as the container would.
  fs.mkdirSync(path.join(rootfs, host), { recursive: true });
  fs.writeFileSync(path.join(rootfs, secret), 'container file');
  const r = runScript(t, stateRoot(t), 'cat /mnt/seen', (s) => {
    s.root = { path: rootfs, readonly: true };
    s.mounts!.push({ destination: '/mnt/seen', type: 'bind', source: path.join(rootfs, 'etc/evil'), options: ['bind', 'ro'] });
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, 'container file', 'the link was followed inside the rootfs, never to the host file');
});

t.test('mount destinations climbing with ".." stay inside the rootfs', async (t) => {
  const rootfs = privateRootfs(t);
  const r = runScript(t, stateRoot(t), 'grep -c " /climbed " /proc/self/mountinfo', (s) => {
    s.root = { path: rootfs, readonly: true };
    s.mounts!.push({ destination: '/../../../../climbed', type: 'tmpfs', source: 'tmpfs', options: [] });
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), '1', 'mounted at /climbed of the container');
  t.ok(fs.statSync(path.join(rootfs, 'climbed')).isDirectory(), 'its mount point was made in the rootfs');
});

t.test('device paths: a symlink in the rootfs cannot place a node on the host; a bound node must be that device', async (t) => {
  const rootfs = privateRootfs(t);
  const hostDir = tempDir(t, 'tsrunc-devdir-');
  fs.symlinkSync(hostDir, path.join(rootfs, 'devlink'));
  const r = runScript(t, stateRoot(t), 'stat -c "%F %t:%T" /devlink/mynull', (s) => {
    s.root = { path: rootfs, readonly: false };
    s.linux!.devices = [{ path: '/devlink/mynull', type: 'c', major: 1, minor: 3, fileMode: 0o666 }];
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), 'character special file 1:3');
  t.same(fs.readdirSync(hostDir), [], 'nothing was made in the host directory');
  t.ok(fs.statSync(path.join(rootfs, hostDir, 'mynull')).isCharacterDevice(), 'the node is inside the rootfs');

  // In a user namespace nodes are bound from the host at the same path: one that is not the device
  // named (here a plain host file) is refused rather than bound into the container.
  const root = stateRoot(t);
  expectCreateRefused(
    t,
    root,
    (s) => {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.devices = [{ path: '/etc/passwd', type: 'c', major: 1, minor: 3 }];
    },
    /create device `\/etc\/passwd`: is a regular file, not the character device 1:3/,
    'a host file as a device',
  );
  const ok = runScript(t, root, 'stat -c "%t:%T" /dev/kmsg', (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    s.linux!.devices = [{ path: '/dev/kmsg', type: 'c', major: 1, minor: 11 }];
  });
  t.equal(ok.status, 0, ok.stderr);
  t.equal(ok.stdout.trim(), '1:b', 'the real device is bound');
});

t.test('cgroupsPath and unified keys cannot climb out of the container’s cgroup', async (t) => {
  const root = stateRoot(t);
  const name = `tsrunc-escape-${process.pid}`;
  for (const cgroupsPath of [`/tsrunc/../../${name}`, `../${name}`, `x/../../../${name}`]) {
    expectCreateRefused(t, root, (s) => (s.linux!.cgroupsPath = cgroupsPath), /\/linux\/cgroupsPath: must not contain a "\.\." component/, cgroupsPath);
  }
  const made = execFileSync('find', ['/sys/fs/cgroup', '-maxdepth', '3', '-name', name], { encoding: 'utf8' });
  t.equal(made, '', 'no cgroup was made anywhere');

  const victim = path.join(tempDir(t), 'victim');
  fs.writeFileSync(victim, 'untouched');
  const key = `memory.max/../../../../../../../..${victim}`;
  expectCreateRefused(
    t,
    root,
    (s) => (s.linux!.resources = { unified: { [key]: 'written' } }),
    /\/linux\/resources\/unified\/memory\.max~1\.\.~1.*: must be a cgroup v2 interface file name/,
    'unified key',
  );
  t.equal(fs.readFileSync(victim, 'utf8'), 'untouched');
});

t.test('the pid file: a symlink at its path is replaced, never written through', async (t) => {
  const root = stateRoot(t);
  const dir = tempDir(t);
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious');
  const pidFile = path.join(dir, 'init.pid');
  fs.symlinkSync(victim, pidFile);
  const id = uniqueId('pidfile');
  const r = tsrunc(root, ['create', '--pid-file', pidFile, '--bundle', makeBundle(t), id]);
  t.equal(r.status, 0, r.stderr);
  t.equal(fs.readFileSync(victim, 'utf8'), 'precious', 'the symlink’s target is untouched');
  t.notOk(fs.lstatSync(pidFile).isSymbolicLink());
  t.equal(fs.readFileSync(pidFile, 'utf8'), String(JSON.parse(tsrunc(root, ['state', id]).stdout).pid));
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('container ids name one directory of the state root, and nothing outside it', async (t) => {
  const root = stateRoot(t);
  fs.mkdirSync(root, { recursive: true });
  const bundle = makeBundle(t);
  for (const id of ['../escape', 'a/b', '..', '.', '', 'x\ny']) {
    const r = tsrunc(root, ['create', '--bundle', bundle, id]);
    t.equal(r.status, 1, `${JSON.stringify(id)}: refused`);
    t.match(r.stderr, /invalid container id/, `${JSON.stringify(id)}: the error says why`);
  }
  t.notOk(fs.existsSync(path.join(root, '../escape')), 'nothing made beside the state root');
  t.same(containersIn(root), []);
});

t.test('the state directory: only its owner may read it or write it', async (t) => {
  const root = stateRoot(t);
  const id = uniqueId('perms');
  t.equal(tsrunc(root, ['create', '--bundle', makeBundle(t), id]).status, 0);
  const mode = (p: string) => fs.statSync(p).mode & 0o7777;
  t.equal(mode(root), 0o700, 'the state root: 0700');
  const dir = path.join(root, id);
  t.equal(mode(dir), 0o711, 'the container directory: 0711 (its files reachable, not listable)');
  t.equal(mode(path.join(dir, 'state.json')), 0o600);
  for (const name of fs.readdirSync(dir)) {
    t.equal(mode(path.join(dir, name)) & 0o044, 0, `${name}: not readable by group or others`);
  }
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);

  const open = path.join(tempDir(t), 'open');
  fs.mkdirSync(open, { mode: 0o777 });
  fs.chmodSync(open, 0o777);
  const r = tsrunc(open, ['create', '--bundle', makeBundle(t), uniqueId('open')]);
  t.equal(r.status, 1);
  t.match(r.stderr, /state root .* is writable by other users \(mode 0777\)/);
  t.same(fs.readdirSync(open), [], 'nothing made in it');
});
