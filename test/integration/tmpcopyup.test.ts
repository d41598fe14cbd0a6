// The tmpcopyup mount option (issue 17): a tmpfs mounted over a directory of the rootfs starts with
// a copy of it (files, directories, symlinks, owners, modes and times), as runc's does; writes go to
// the tmpfs, never to the rootfs; a read-only one is filled, then made read-only.
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { busyboxRootfs, containersIn, makeBundle, privateRootfs, rootSkipReason, runScript, stateRoot, tsrunc, uniqueId } from '../helpers/cli.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

t.test('a tmpfs with tmpcopyup starts with what it covers, and the rootfs is left alone', async (t) => {
  const rootfs = privateRootfs(t);
  const data = path.join(rootfs, 'data');
  fs.mkdirSync(path.join(data, 'sub'), { recursive: true });
  fs.writeFileSync(path.join(data, 'sub', 'file'), 'hello\n');
  fs.chownSync(path.join(data, 'sub', 'file'), 1234, 5678);
  fs.chmodSync(path.join(data, 'sub', 'file'), 0o604);
  fs.symlinkSync('sub/file', path.join(data, 'link'));
  fs.chmodSync(data, 0o750);
  fs.utimesSync(path.join(data, 'sub', 'file'), 1_000_000, 1_000_000);
  const script = [
    'cat /data/sub/file /data/link',
    'stat -c "%u:%g %a %Y" /data/sub/file',
    'readlink /data/link',
    'stat -c "%a" /data',
    'grep " /data " /proc/self/mountinfo | cut -d" " -f9',
    'echo new > /data/new && echo written',
  ].join('; ');
  const r = runScript(t, stateRoot(t), script, (s) => {
    s.root = { path: rootfs, readonly: true };
    s.mounts!.push({ destination: '/data', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'mode=700'] });
  });
  t.equal(r.status, 0, `run (stderr: ${r.stderr.trim()})`);
  t.same(r.stdout.trim().split('\n'), ['hello', 'hello', '1234:5678 604 1000000', 'sub/file', '750', 'tmpfs', 'written'], 'contents, owner, mode, time, symlink; the root takes the covered directory’s mode; writable');
  t.notOk(fs.existsSync(path.join(data, 'new')), 'the write went to the tmpfs, not the rootfs');
});

t.test('a read-only tmpfs with tmpcopyup is filled, then read-only', async (t) => {
  const r = runScript(t, stateRoot(t), 'cat /etc/passwd | head -1; touch /etc/x 2>/dev/null || echo read-only', (s) => {
    s.mounts!.push({ destination: '/etc', type: 'tmpfs', source: 'tmpfs', options: ['tmpcopyup', 'ro'] });
  });
  t.equal(r.status, 0, `run (stderr: ${r.stderr.trim()})`);
  t.same(r.stdout.trim().split('\n'), [fs.readFileSync(path.join(busyboxRootfs, 'etc/passwd'), 'utf8').split('\n')[0], 'read-only']);
});

t.test('tmpcopyup on a mount that is not a tmpfs is refused with its pointer', async (t) => {
  const root = stateRoot(t);
  const bundle = makeBundle(t, (s) => s.mounts!.push({ destination: '/x', type: 'proc', source: 'proc', options: ['nosuid', 'tmpcopyup'] }));
  const r = tsrunc(root, ['create', '--bundle', bundle, uniqueId('copyup')]);
  t.not(r.status, 0);
  t.match(r.stderr, /config\.json: \/mounts\/\d+\/options\/1: tmpcopyup copies what a tmpfs covers into it: not for a mount of type "proc"/);
  t.same(containersIn(root), []);
});
