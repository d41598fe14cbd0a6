// The known runtime escape classes, each tried the way its exploit works and each shown to be
// closed: a test here fails on a runtime that lacks the protection it names (issue 9's note shows
// each failing with its protection removed). Nothing here writes anything harmful to the host: host
// state is read before and after, and the values a working escape would write are harmless.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import t from 'tap';
import type { Spec } from '../../src/spec/generated/config.js';
import {
  busyboxRootfs,
  containersIn,
  expectCreateRefused,
  makeBundle,
  privateRootfs,
  rootSkipReason,
  runScript,
  stateRoot,
  tempDir,
  tsrunc,
  tsruncBin,
  uniqueId,
  waitFor,
} from '../helpers/cli.js';
import { buildProbe } from '../helpers/probes.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

const initHelper = path.resolve(path.dirname(tsruncBin), '../addon/build/Release/tsrunc-init');

const readSysctl = (name: string) => fs.readFileSync(`/proc/sys/${name}`, 'utf8');

t.test('sysctl keys that climb out of a namespace are refused, and the host’s sysctls stay as they were', async (t) => {
  const root = stateRoot(t);
  const swappiness = readSysctl('vm/swappiness');
  const corePattern = readSysctl('kernel/core_pattern');
  const other = String((Number(swappiness) + 1) % 101);
  const escapes = [
    'net/../vm/swappiness',
    'net/ipv4/../../vm/swappiness',
    'net/ipv4/conf/../../../vm/swappiness',
    'net/./../vm/swappiness',
    'net//../vm/swappiness',
    'net.ipv4/../../vm/swappiness',
    'net/ipv4/conf/lo/../../../../vm/swappiness',
    'vm/swappiness',
    'vm.swappiness',
  ];
  for (const key of escapes) {
    expectCreateRefused(t, root, (s) => (s.linux!.sysctl = { [key]: other }), /config\.json: \/linux\/sysctl\/\S+: (is not a sysctl name|is not in a kernel namespace).*\(config-linux\.md#configLinuxSysctl\)/, key);
    t.equal(readSysctl('vm/swappiness'), swappiness, `${key}: the host's vm.swappiness is unchanged`);
  }
  // A fuzzed set, through the real CLI: keys that mix ".", "..", empty and odd components around
  // vm/swappiness. Each is refused with the sysctl section's error; the host value never moves.
  const pieces = ['net', 'ipv4', 'conf', 'all', 'lo', '..', '.', '', '...', ' ', '*', 'vm', 'swappiness', '%2e%2e', 'net.ipv4'];
  let seed = 9;
  const pick = () => pieces[(seed = (seed * 1103515245 + 12345) & 0x7fffffff) % pieces.length]!;
  for (let i = 0; i < 25; i++) {
    const key = [pick(), pick(), pick(), 'vm', 'swappiness'].join(i % 3 ? '/' : '.');
    // A key made only of plain names under net/ is a network sysctl that does not exist: ENOENT.
    const refused = /\/linux\/sysctl\/.*\(config-linux\.md#configLinuxSysctl\)|write sysctl `\/proc\/sys\/net\/[^`]*`: No such file or directory \(ENOENT\)/;
    expectCreateRefused(t, root, (s) => (s.linux!.sysctl = { [key]: other }), refused, `fuzzed ${JSON.stringify(key)}`);
  }
  t.equal(readSysctl('vm/swappiness'), swappiness, 'after the fuzzed keys, the host’s vm.swappiness is unchanged');

  // core_pattern is only ever "written" with its own value, so even an escape would change nothing.
  expectCreateRefused(t, root, (s) => (s.linux!.sysctl = { 'net/../kernel/core_pattern': corePattern.trim() }), /a "\.\." component is not allowed/, 'core_pattern');
  t.equal(readSysctl('kernel/core_pattern'), corePattern);

  // A network namespace joined by path that is the runtime's own is the host's: refused as well.
  expectCreateRefused(
    t,
    root,
    (s) => {
      s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'network');
      s.linux!.namespaces!.push({ type: 'network', path: `/proc/${process.pid}/ns/net` });
      s.linux!.sysctl = { 'net.ipv4.ip_forward': readSysctl('net/ipv4/ip_forward').trim() === '1' ? '0' : '1' };
    },
    /net\.\* sysctls are not allowed in the runtime's own network namespace/,
    'host netns by path',
  );

  // What is allowed really lands in the container's own namespace.
  const hostForward = readSysctl('net/ipv4/ip_forward');
  const r = runScript(t, root, 'cat /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmni', (s) => {
    s.linux!.sysctl = { 'net/ipv4/ip_forward': hostForward.trim() === '1' ? '0' : '1', 'kernel.shmmni': '2048' };
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout, `${hostForward.trim() === '1' ? '0' : '1'}\n2048\n`, 'the container sees its values');
  t.equal(readSysctl('net/ipv4/ip_forward'), hostForward, 'the host does not');
});

t.test('CVE-2025-52881: a procfs write redirected by a mount over /proc reaches only procfs', async (t) => {
  const host = tempDir(t);
  const forward = path.join(host, 'ip_forward');
  const oom = path.join(host, 'oom_score_adj');
  fs.writeFileSync(forward, 'untouched\n');
  fs.writeFileSync(oom, 'untouched\n');
  const root = stateRoot(t);
  const bundle = makeBundle(t, (s) => {
    // Mounted after /proc: files of the host over the procfs files the init writes.
    s.mounts!.push(
      { destination: '/proc/sys/net/ipv4/ip_forward', type: 'bind', source: forward, options: ['bind', 'rw'] },
      { destination: '/proc/self/oom_score_adj', type: 'bind', source: oom, options: ['bind', 'rw'] },
    );
    s.linux!.sysctl = { 'net.ipv4.ip_forward': '1' };
    s.process!.oomScoreAdj = 345;
    s.process!.args = ['sleep', '30'];
  });
  const id = uniqueId('procredirect');
  const c = tsrunc(root, ['create', '--bundle', bundle, id]);
  t.equal(c.status, 0, c.stderr);
  const pid = JSON.parse(tsrunc(root, ['state', id]).stdout).pid as number;
  t.equal(fs.readFileSync(`/proc/${pid}/oom_score_adj`, 'utf8'), '345\n', 'oom_score_adj is set on the init itself');
  t.equal(fs.readFileSync(forward, 'utf8'), 'untouched\n', 'the host file over ip_forward was not written');
  t.equal(fs.readFileSync(oom, 'utf8'), 'untouched\n', 'the host file over oom_score_adj was not written');
  const seen = tsrunc(root, ['exec', id, 'cat', '/proc/sys/net/ipv4/conf/all/forwarding']);
  t.equal(seen.stdout, '1\n', 'the sysctl itself was set, in the container’s network namespace');
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('CVE-2025-31133: a /dev/null replaced by a symlink is refused, never bound over a masked path', async (t) => {
  const root = stateRoot(t);
  const corePattern = readSysctl('kernel/core_pattern');
  // /dev comes from a directory of the bundle (so no device is made), where null is a symlink to
  // the host-wide core_pattern: binding "/dev/null" by path would put that file, writable, over
  // the masked path.
  const dev = tempDir(t, 'tsrunc-dev-');
  fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(dev, 'null'));
  expectCreateRefused(
    t,
    root,
    (s) => {
      s.mounts = s.mounts!.filter((m) => !m.destination.startsWith('/dev'));
      s.mounts.push({ destination: '/dev', type: 'bind', source: dev, options: ['rbind'] });
      s.linux!.maskedPaths = ['/proc/kcore', '/proc/keys'];
    },
    /mask path `\/dev\/null`: is a symlink, not the character device 1:3/,
    '/dev/null as a symlink',
  );
  t.equal(readSysctl('kernel/core_pattern'), corePattern);

  // A masked or read-only path that is itself a symlink is refused too, not followed.
  const rootfs = privateRootfs(t);
  fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(rootfs, 'etc/masked'));
  for (const field of ['maskedPaths', 'readonlyPaths'] as const) {
    expectCreateRefused(
      t,
      root,
      (s) => {
        s.root = { path: rootfs, readonly: true };
        s.linux![field] = ['/etc/masked'];
      },
      /`\/etc\/masked`: is a symlink, which is never followed here/,
      `${field} through a symlink`,
    );
  }
});

t.test('CVE-2025-52565: /dev/console is bound only from the verified pty, never through a symlink', { skip: spawnSync('script', ['--version']).status === 0 ? false : 'script(1) from util-linux is needed' }, async (t) => {
  const root = stateRoot(t);
  const runWithTerminal = (mutate: (s: Spec) => void) => {
    const bundle = makeBundle(t, (s) => {
      s.process!.terminal = true;
      mutate(s);
    });
    const command = `${tsruncBin} --root ${root} run --bundle ${bundle} ${uniqueId('console')}`;
    return spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
  };
  const ok = runWithTerminal((s) => {
    s.process!.args = ['sh', '-c', 'stat -c "console %t:%T" /dev/console; stat -L -c "stdin %t:%T" /proc/self/fd/0; grep -c " /dev/console " /proc/self/mountinfo'];
  });
  t.equal(ok.status, 0, ok.stderr);
  // Through script(1)'s terminal: carriage returns, and now and then a NUL it echoes (as "^@").
  const seen = ok.stdout.replace(/[\0\r]|\^@/g, '');
  const console = /console (\w+:\w+)/.exec(seen)?.[1];
  t.ok(console, `/dev/console exists (${seen.trim()})`);
  t.equal(console, /stdin (\w+:\w+)/.exec(seen)?.[1], '/dev/console is the process’s own pty');
  t.match(seen, /^1$/m, 'bound once, over /dev/console');

  const corePattern = readSysctl('kernel/core_pattern');
  const dev = tempDir(t, 'tsrunc-dev-');
  fs.mkdirSync(path.join(dev, 'pts'));
  fs.symlinkSync('pts/ptmx', path.join(dev, 'ptmx'));
  fs.symlinkSync('/proc/sys/kernel/core_pattern', path.join(dev, 'console'));
  const bad = runWithTerminal((s) => {
    s.mounts = s.mounts!.filter((m) => m.destination !== '/dev' && m.destination !== '/dev/shm' && m.destination !== '/dev/mqueue');
    s.mounts.splice(1, 0, { destination: '/dev', type: 'bind', source: dev, options: ['rbind'] });
    s.linux!.maskedPaths = []; // the bundle's /dev has no null to mask files with
    s.process!.args = ['cat', '/proc/sys/kernel/core_pattern'];
  });
  t.not(bad.status, 0, 'refused');
  t.match(bad.stdout + bad.stderr, /bind the terminal over `\/dev\/console`: is a symlink, not a file or character device/);
  t.equal(readSysctl('kernel/core_pattern'), corePattern);
  t.same(containersIn(root), [], 'nothing left');
});

t.test('CVE-2021-30465: a mount destination that is, or races to become, a symlink never mounts outside the rootfs', async (t) => {
  const rootfs = privateRootfs(t);
  const outside = tempDir(t, 'tsrunc-outside-');
  for (let i = 0; i < 8; i++) fs.mkdirSync(path.join(outside, `m${i}`));
  const result = path.join(tempDir(t), 'escaped');
  // In the container's mount namespace, after every mount and before pivot_root: how many mount
  // points are the host directory (or below it)?
  const hook = { path: '/bin/sh', args: ['sh', '-c', `awk -v d=${outside} '$5 == d || index($5, d "/") == 1' /proc/self/mountinfo | wc -l >> ${result}`] };
  const mutate = (s: Spec) => {
    s.root = { path: rootfs, readonly: true };
    for (let i = 0; i < 8; i++) s.mounts!.push({ destination: `/race/m${i}`, type: 'tmpfs', source: 'tmpfs', options: ['size=64k'] });
    s.hooks = { createContainer: [hook] };
  };

  // Static: /race is a symlink to the host directory.
  fs.symlinkSync(outside, path.join(rootfs, 'race'));
  const root = stateRoot(t);
  const r = runScript(t, root, 'true', mutate);
  t.equal(r.status, 0, r.stderr);

  // Raced: another process swaps /race between a directory and that symlink as fast as it can.
  fs.rmSync(path.join(rootfs, 'race'));
  const flipper = spawn(process.execPath, ['-e', `
    const fs = require('fs'); const d = ${JSON.stringify(path.join(rootfs, 'race'))};
    for (;;) {
      try { fs.rmSync(d, { recursive: true, force: true }); fs.symlinkSync(${JSON.stringify(outside)}, d); } catch {}
      try { fs.unlinkSync(d); fs.mkdirSync(d); } catch {}
    }`], { stdio: 'ignore' });
  t.teardown(() => flipper.kill('SIGKILL'));
  let created = 0;
  for (let i = 0; i < 12; i++) if (runScript(t, root, 'true', mutate).status === 0) created++;
  flipper.kill('SIGKILL');
  const counts = fs.readFileSync(result, 'utf8').trim().split('\n').map(Number);
  t.ok(created > 0 && counts.length > created / 2, `containers were made under the race (${created} of 12, ${counts.length} checked)`);
  t.same(counts.filter((n) => n !== 0), [], 'no mount point ever was the host directory');
  t.same(fs.readdirSync(outside).sort(), ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6', 'm7'], 'the host directory holds what it held');
});

t.test('CVE-2024-21626: no runtime fd reaches the container, and a cwd through /proc/self/fd is refused', async (t) => {
  const root = stateRoot(t);
  const r = runScript(t, root, 'ls /proc/self/fd; readlink /proc/self/cwd');
  t.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  t.same(lines.slice(0, -1).map(Number).filter((fd) => fd > 3), [], `only stdio and ls's own (${lines.join(' ')})`);
  t.equal(lines.at(-1), '/', 'the cwd is the container’s');

  for (let fd = 3; fd <= 12; fd++) {
    for (const cwd of [`/proc/self/fd/${fd}`, `/proc/self/fd/${fd}/..`, `/proc/1/fd/${fd}`]) {
      expectCreateRefused(t, root, (s) => (s.process!.cwd = cwd), /chdir to cwd `\/proc\/(self|1)\/fd\/\d+(\/\.\.)?`: (Too many (levels of )?symbolic links( encountered)? \(ELOOP\)|No such file or directory \(ENOENT\))/, `cwd ${cwd}`);
    }
  }

  // exec: the same, through --cwd, into a running container.
  const id = uniqueId('cwd');
  t.equal(tsrunc(root, ['run', '-d', '--bundle', makeBundle(t, (s) => (s.process!.args = ['sleep', '30'])), id]).status, 0);
  for (let fd = 3; fd <= 8; fd++) {
    const e = tsrunc(root, ['exec', '--cwd', `/proc/self/fd/${fd}`, id, 'pwd']);
    t.equal(e.status, 1, `exec --cwd /proc/self/fd/${fd}: refused`);
    t.match(e.stderr, /chdir to cwd `\/proc\/self\/fd\/\d+`: (Too many (levels of )?symbolic links( encountered)? \(ELOOP\)|No such file or directory \(ENOENT\))/);
  }
  const e = tsrunc(root, ['exec', id, 'ls', '/proc/self/fd']);
  t.same(e.stdout.trim().split('\n').map(Number).filter((fd) => fd > 3), [], `exec: only stdio and ls's own (${e.stdout.trim().replace(/\n/g, ' ')})`);
  t.equal(tsrunc(root, ['delete', '--force', id]).status, 0);
});

t.test('CVE-2019-5736: no process in the container can reach the runtime’s binaries through /proc/<pid>/exe', async (t) => {
  const root = stateRoot(t);
  const out = tempDir(t, 'tsrunc-watch-');
  fs.chmodSync(out, 0o777);
  const probes = buildProbe('exe-watch');
  // A watches its pid namespace; B joins it, so B's init sits at the start gate in A's view, and
  // `exec` into A brings the helper into it too.
  const a = uniqueId('watch');
  const aBundle = makeBundle(t, (s) => {
    s.mounts!.push({ destination: '/probes', type: 'bind', source: probes, options: ['rbind', 'ro'] }, { destination: '/out', type: 'bind', source: out, options: ['rbind', 'rw'] });
    s.process!.args = ['/probes/exe-watch', '/out/seen', '/out/stop', '60'];
  });
  t.equal(tsrunc(root, ['run', '-d', '--bundle', aBundle, a]).status, 0);
  t.ok(await waitFor(() => fs.existsSync(path.join(out, 'seen'))), 'the watcher runs');
  const aPid = JSON.parse(tsrunc(root, ['state', a]).stdout).pid as number;

  const b = uniqueId('joiner');
  const bBundle = makeBundle(t, (s) => {
    s.linux!.namespaces = s.linux!.namespaces!.filter((n) => n.type !== 'pid');
    s.linux!.namespaces!.push({ type: 'pid', path: `/proc/${aPid}/ns/pid` });
    s.process!.args = ['sleep', '1'];
  });
  const created = tsrunc(root, ['create', '--bundle', bBundle, b]);
  t.equal(created.status, 0, created.stderr);
  await new Promise((r) => setTimeout(r, 1000)); // B's init waits at the gate, in A's pid namespace
  t.equal(tsrunc(root, ['start', b]).status, 0);
  for (let i = 0; i < 5; i++) t.equal(tsrunc(root, ['exec', a, 'true']).status, 0, 'exec into the watched container');
  t.ok(await waitFor(() => tsrunc(root, ['state', b]).stdout.includes('"stopped"'), 10_000));
  fs.writeFileSync(path.join(out, 'stop'), '');
  t.ok(await waitFor(() => /^done \d+$/m.test(fs.readFileSync(path.join(out, 'seen'), 'utf8')), 10_000), 'the watcher finished');
  tsrunc(root, ['delete', '--force', b]);
  tsrunc(root, ['delete', '--force', a]);

  const seen = fs.readFileSync(path.join(out, 'seen'), 'utf8');
  const id = (p: string) => {
    const st = fs.statSync(p);
    return `${st.dev}:${st.ino}`;
  };
  const exes = [...seen.matchAll(/^exe (\d+:\d+)/gm)].map((m) => m[1]);
  t.ok(exes.includes(id(path.join(busyboxRootfs, 'bin/busybox'))), `the watcher did see B's program (${exes.join(' ')})`);
  for (const [name, file] of [['tsrunc', fs.realpathSync(tsruncBin)], ['node', fs.realpathSync(process.execPath)], ['tsrunc-init', initHelper]] as const) {
    t.notOk(exes.includes(id(file)), `no handle on the host's ${name} binary`);
  }
  t.notMatch(seen, /^writable/m, 'nothing the watcher reached could be opened for writing');
});

t.test('user namespaces: uid 0 inside is the mapped uid outside, on a bind mount', async (t) => {
  const shared = tempDir(t, 'tsrunc-userns-');
  fs.chownSync(shared, 200000, 200000);
  const r = runScript(t, stateRoot(t), 'id -u; touch /shared/made; mkdir /shared/dir', (s) => {
    s.linux!.namespaces!.push({ type: 'user' });
    s.linux!.uidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    s.linux!.gidMappings = [{ containerID: 0, hostID: 200000, size: 65536 }];
    s.mounts!.push({ destination: '/shared', type: 'bind', source: shared, options: ['rbind', 'rw'] });
  });
  t.equal(r.status, 0, r.stderr);
  t.equal(r.stdout.trim(), '0', 'root inside');
  for (const name of ['made', 'dir']) {
    const st = fs.statSync(path.join(shared, name));
    t.same([st.uid, st.gid], [200000, 200000], `${name} belongs to the mapped ids on the host`);
  }
});
