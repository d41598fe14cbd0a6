// process.apparmorProfile where AppArmor runs (issue 17): in the cgroup v2 guest (Debian's kernel,
// AppArmor enabled) a test profile is loaded with apparmor_parser, and a container's process is
// confined by it: /proc/self/attr/current names it, and a read the profile denies is refused.
// exec gets it too (--apparmor). Imported by cgroup-v2-suite.ts; this host's kernel runs no LSM
// (process-attributes.test.ts shows the refusal there).
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { containersIn, makeBundle, stateRoot, tempDir, tsrunc, uniqueId } from '../helpers/cli.js';

t.test('AppArmor: a loaded profile confines the container process and an exec', async (t) => {
  const enabled = fs.existsSync('/sys/module/apparmor/parameters/enabled') && fs.readFileSync('/sys/module/apparmor/parameters/enabled', 'utf8').trim() === 'Y';
  if (!enabled) return t.fail('AppArmor is not enabled in this kernel (the guest’s should have it)');
  if (!fs.existsSync('/sys/kernel/security/apparmor')) spawnSync('mount', ['-t', 'securityfs', 'securityfs', '/sys/kernel/security']);
  const profile = `tsrunc-test-${process.pid}`;
  const dir = tempDir(t);
  const file = path.join(dir, profile);
  // Everything a shell needs, but /etc/group.
  fs.writeFileSync(file, ['abi <abi/3.0>,', `profile ${profile} flags=(attach_disconnected,mediate_deleted) {`, '  file,', '  capability,', '  signal,', '  unix,', '  deny /etc/group r,', '}', ''].join('\n'));
  const load = spawnSync('apparmor_parser', ['--replace', file], { encoding: 'utf8' });
  if (load.status !== 0) return t.fail(`apparmor_parser: ${load.stderr}`);
  t.teardown(() => spawnSync('apparmor_parser', ['--remove', file]));

  const root = stateRoot(t);
  const script = 'cat /proc/self/attr/current; cat /etc/passwd >/dev/null && echo passwd-read; cat /etc/group 2>&1 >/dev/null || echo group-denied';
  const id = uniqueId('aa');
  const bundle = makeBundle(t, (s) => {
    s.process!.args = ['sh', '-c', script];
    s.process!.apparmorProfile = profile;
  });
  const r = tsrunc(root, ['run', '--bundle', bundle, id]);
  t.equal(r.status, 0, `run (stderr: ${r.stderr.trim()})`);
  const lines = r.stdout.trim().split('\n');
  t.equal(lines[0], `${profile} (enforce)`, 'the process runs under the profile');
  t.equal(lines[1], 'passwd-read', 'what the profile allows works');
  t.match(lines.slice(2).join(' '), /Permission denied.*group-denied|group-denied/, 'the read it denies is refused');

  const plain = uniqueId('aa-exec');
  t.equal(tsrunc(root, ['run', '--detach', '--bundle', makeBundle(t, (s) => (s.process!.args = ['sleep', '120'])), plain]).status, 0, 'an unconfined container');
  const exec = tsrunc(root, ['exec', '--apparmor', profile, plain, 'cat', '/proc/self/attr/current']);
  t.equal(exec.stdout.trim(), `${profile} (enforce)`, `exec --apparmor confines the exec'd process (stderr: ${exec.stderr.trim()})`);
  const own = tsrunc(root, ['exec', plain, 'cat', '/proc/self/attr/current']);
  t.equal(own.stdout.trim(), 'unconfined', 'without it the process is as its container');
  t.equal(tsrunc(root, ['delete', '--force', plain]).status, 0);

  const missing = tsrunc(root, ['create', '--bundle', makeBundle(t, (s) => (s.process!.apparmorProfile = 'tsrunc-no-such-profile')), uniqueId('aa-missing')]);
  t.not(missing.status, 0, 'a profile that is not loaded');
  t.match(missing.stderr, /apply AppArmor profile \(process\.apparmorProfile\) `tsrunc-no-such-profile`: .*\(ENOENT\)/, missing.stderr.trim());
  t.same(containersIn(root), [], 'nothing left');
});
