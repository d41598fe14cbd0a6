import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import t from 'tap';
import { fastParse } from '../../src/cli/fast-parse.js';
import { buildParser, COMMANDS, type Dispatch, GLOBAL_OPTIONS, longFlagNames, main, normalizeArgs, preScanLogSettings, rejectUnknownFlags, splitExecCommand } from '../../src/cli/main.js';

/** Parses argv the way the CLI does and returns the command run and its arguments. */
async function parse(argv: string[]): Promise<{ command: string; args: Record<string, unknown> }> {
  let seen: { command: string; args: Record<string, unknown> } | undefined;
  const dispatch: Dispatch = async (c, args) => {
    seen = { command: c.command.split(' ')[0]!, args };
  };
  const long = longFlagNames();
  const args = normalizeArgs(splitExecCommand(argv, long), long);
  rejectUnknownFlags(args, long);
  await (await buildParser(args, dispatch)).parseAsync();
  if (!seen) throw new Error('no command ran');
  return seen;
}

t.test('containerd create invocation', async (t) => {
  const { command, args } = await parse([
    '--root', '/run/containerd/runc/k8s.io', '--log', '/b/log.json', '--log-format', 'json', '--systemd-cgroup',
    'create', '--bundle', '/b', '--pid-file', '/b/init.pid', '--no-new-keyring', 'abc',
  ]);
  t.equal(command, 'create');
  t.match(args, { root: '/run/containerd/runc/k8s.io', log: '/b/log.json', logFormat: 'json', systemdCgroup: true, bundle: '/b', pidFile: '/b/init.pid', noNewKeyring: true, containerId: 'abc', noPivot: false });
});

t.test('--k=v, single-dash long flags and short aliases', async (t) => {
  t.match((await parse(['-root=/r', 'create', '-b', '/b', '--pid-file=/p', '-no-pivot', 'x'])).args, { root: '/r', bundle: '/b', pidFile: '/p', noPivot: true, containerId: 'x' });
  t.match((await parse(['run', '-d', '-no-subreaper', 'x'])).args, { detach: true, noSubreaper: true });
  t.match((await parse(['delete', '-f', 'x'])).args, { force: true });
  t.match((await parse(['list', '--format', 'json'])).args, { format: 'json' });
});

t.test('kill takes the signal positionally, default SIGTERM', async (t) => {
  t.match((await parse(['kill', 'x'])).args, { containerId: 'x', signal: 'SIGTERM', all: false });
  t.match((await parse(['kill', '--all', 'x', '9'])).args, { containerId: 'x', signal: '9', all: true });
  t.match((await parse(['kill', 'x', 'KILL'])).args, { signal: 'KILL' });
});

t.test('defaults', async (t) => {
  t.match((await parse(['state', 'x'])).args, { logFormat: 'text', debug: false });
  t.equal((await parse(['state', 'x'])).args.root, undefined, 'no --root: the Runtime picks the default for this user (state/root.ts)');
  t.match((await parse(['create', 'x'])).args, { bundle: '.', preserveFds: 0 });
});

t.test('usage errors are rejected', async (t) => {
  await t.rejects(parse(['create']), /Not enough non-option arguments/);
  await t.rejects(parse(['create', '--bogus', 'x']), /^unknown flag: --bogus$/);
  await t.rejects(parse(['create', '--pid-file=/p', '--no-such=1', 'x']), /^unknown flag: --no-such$/);
  await t.rejects(parse(['state', 'x', 'y']), /Unknown argument: y/);
  await t.rejects(parse(['frobnicate', 'x']), /Unknown argument|Did you mean/);
  await t.rejects(parse(['list', '--format', 'yaml']), /Invalid values/);
  await t.rejects(parse([]), /a command is required/);
});

t.test('normalizeArgs leaves short flags, values and everything after -- alone', async (t) => {
  const long = longFlagNames();
  t.same(normalizeArgs(['-b', 'x', '-root', '/r', '--', '-root'], long), ['-b', 'x', '--root', '/r', '--', '-root']);
  t.same(normalizeArgs(['-bogus'], long), ['-bogus'], 'unknown single-dash words are not guessed at');
});

t.test('log settings are read before parsing', async (t) => {
  t.same(preScanLogSettings(['--log', '/l', '--log-format=json', '--debug', 'create', '--log', 'x']), { file: '/l', format: 'json', debug: true });
  t.same(preScanLogSettings(['state', 'x']), { file: undefined, format: 'text', debug: false });
  t.same(preScanLogSettings(['--root', '/r', '--log', '/l', 'start', 'x']), { file: '/l', format: 'text', debug: false }, 'values of other global flags are skipped');
});

t.test('main reports a usage error as one JSON error record and exit status 1', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-cli-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const log = path.join(dir, 'log.json');
  t.equal(await main(['--log', log, '--log-format', 'json', 'state']), 1);
  const lines = fs.readFileSync(log, 'utf8').trim().split('\n');
  t.equal(lines.length, 1, 'outside --debug only the final error is logged (podman parses one object)');
  t.match(JSON.parse(lines[0]!), { level: 'error', msg: /Not enough non-option arguments/, time: /^\d{4}-\d\d-\d\dT/ });
});

t.test('the fast path yields exactly what yargs yields, or defers to it', async (t) => {
  const long = longFlagNames();
  const invocations = [
    ['--root', '/run/containerd/runc/k8s.io', '--log', '/b/log.json', '--log-format', 'json', '--systemd-cgroup', 'create', '--bundle', '/b', '--pid-file', '/b/init.pid', '--no-new-keyring', 'abc'],
    ['-root=/r', 'create', '-b', '/b', '--pid-file=/p', '-no-pivot', 'x'],
    ['run', '-d', '-no-subreaper', 'x'],
    ['run', '--bundle=/b', '--keep', 'x', '--debug'],
    ['delete', '-f', 'x'],
    ['delete', '--force=false', 'x'],
    ['list', '--format', 'json'],
    ['list', '-q'],
    ['kill', 'x'],
    ['kill', '--all', 'x', '9'],
    ['kill', 'x', 'KILL', '-a'],
    ['state', 'x'],
    ['start', 'x'],
    ['spec', '-b', '/tmp/b'],
    ['create', '--preserve-fds', '2', 'x'],
    ['update', '--memory', '64m', '--pids-limit', '10', '--cpuset-cpus=0-1', 'x'],
    ['update', '-r', '/r.json', 'x'],
    ['update', '--memory-swap=-1', 'x'],
    ['events', '--stats', 'x'],
    ['events', '--interval', '1s', 'x'],
    ['exec', 'x', 'sh', '-c', 'ls -l'],
    ['exec', 'x', 'sleep', '10'],
    ['exec', 'x', '--', 'ls', '--all'],
    ['--root', '/run/containerd/runc/default', '--log', '/l.json', '--log-format', 'json', 'exec', '--process', '/tmp/p.json', '--detach', '--pid-file', '/p.pid', 'x'],
    ['exec', '-t', '--env', 'A=1', '-u', '1:1', 'x', 'ls', '--all'],
  ];
  for (const argv of invocations) {
    const args = normalizeArgs(splitExecCommand(argv, long), long);
    const fast = fastParse(args, COMMANDS, GLOBAL_OPTIONS);
    if (!t.ok(fast, `fast path takes: ${argv.join(' ')}`)) continue;
    const slow = await parse(argv);
    t.equal(fast!.command.command.split(' ')[0], slow.command);
    const strip = (a: Record<string, unknown>) => Object.fromEntries(Object.entries(a).filter(([k]) => k !== '_' && k !== '$0'));
    t.same(strip(fast!.argv), strip(slow.args), `same argv: ${argv.join(' ')}`);
  }
  const deferred = [[], ['--help'], ['--version'], ['create'], ['state', 'x', 'y'], ['frobnicate', 'x'], ['list', '--format', 'yaml'], ['run', '-dk', 'x'], ['kill', 'x', '--', '-9'], ['create', '--pid-file', '--bundle', 'x'], ['create', '--preserve-fds', 'two', 'x'], ['create', '-b', '/a', '-b', '/b', 'x']];
  for (const argv of deferred) t.equal(fastParse(normalizeArgs(argv, long), COMMANDS, GLOBAL_OPTIONS), undefined, `deferred to yargs: ${JSON.stringify(argv)}`);
});

t.test('update: negative values after a space are values, as runc reads them', async (t) => {
  t.match((await parse(['update', '--memory-swap', '-1', '--cpu-quota', '-1', 'x'])).args, { memorySwap: '-1', cpuQuota: '-1', containerId: 'x' });
  t.match((await parse(normalizeArgs(['update', '--resources', '-', 'x'], longFlagNames()))).args, { resources: '-', containerId: 'x' });
  t.match((await parse(normalizeArgs(['update', '-r', '-', 'x'], longFlagNames()))).args, { resources: '-', containerId: 'x' });
});

t.test('exec: everything after the container id is the command, flags included', async (t) => {
  const long = longFlagNames();
  const split = (argv: string[]) => splitExecCommand(argv, long);
  t.same(split(['exec', 'x', 'sh', '-c', 'ls -l']), ['exec', 'x', '--', 'sh', '-c', 'ls -l']);
  t.same(split(['--root', '/r', 'exec', '-t', '--env', 'A=1', '-u', '1:1', 'x', 'ls', '--all']), ['--root', '/r', 'exec', '-t', '--env', 'A=1', '-u', '1:1', 'x', '--', 'ls', '--all']);
  t.same(split(['exec', '--pid-file=/p', '-d', 'x', 'top', '-root']), ['exec', '--pid-file=/p', '-d', 'x', '--', 'top', '-root'], 'a single-dash word of the command is not rewritten');
  t.same(split(['exec', 'x', '--', 'ls']), ['exec', 'x', '--', 'ls'], 'an explicit -- is kept');
  t.same(split(['exec', '--process', '/p.json', 'x']), ['exec', '--process', '/p.json', 'x'], 'no command');
  t.same(split(['state', 'x', 'y']), ['state', 'x', 'y'], 'other commands untouched');
  const { command, args } = await parse(normalizeArgs(split(['exec', '-e', 'A=1', '-e', 'B=2', '--tty', 'x', 'sh', '-c', 'echo hi']), long));
  t.equal(command, 'exec');
  t.match(args, { containerId: 'x', env: ['A=1', 'B=2'], tty: true, '--': ['sh', '-c', 'echo hi'] });
});

t.test('as runc: a boolean flag never takes the next word, a repeated flag keeps its last value', async (t) => {
  t.match((await parse(['create', '--no-pivot', 'false'])).args, { noPivot: true, containerId: 'false' }, 'fast path');
  t.match((await parse(['-debug=false', 'create', '--no-pivot', 'false', '--bundle', '/b'])).args, { noPivot: true, containerId: 'false', bundle: '/b' });
  t.match((await parse(['--root', '/a', '--root', '/b', 'delete', '-f', 'true'])).args, { root: '/b', force: true, containerId: 'true' }, 'yargs path');
  t.match((await parse(['exec', '-e', 'A=1', '--env', 'B=2', '-u', '1', '-u', '2', 'c', 'sh'])).args, { env: ['A=1', 'B=2'], user: '2' }, 'repeatable flags stay lists');
  t.same((await parse(['exec', '-e', 'A=1', '-e', 'B=2', 'c', 'sleep', '1e3'])).args['--'], ['sleep', '1e3'], 'the command stays text');
});
