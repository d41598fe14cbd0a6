/**
 * The managers' test harness: a private containerd and a private podman, each pointed at the
 * runtime under test through a wrapper that records every argv the manager passes it, an image
 * built offline from the busybox rootfs, and the checks that a container left nothing behind.
 *
 * The runtime under test is tsrunc's launcher (dist/tsrunc) unless TSRUNC_MANAGER_RUNTIME names
 * another binary: pointed at Debian's runc the same tests must pass, so a failure is the runtime's,
 * not the harness's.
 */
import { spawn, spawnSync, type SpawnSyncReturns } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Test } from 'tap';
import { busyboxRootfs, waitFor } from '../helpers/cli.js';
import { repoPath } from '../helpers/repo.js';

export interface RuntimeUnderTest {
  /** 'tsrunc', or the basename of TSRUNC_MANAGER_RUNTIME ('runc'). */
  name: string;
  binary: string;
  /** Where it keeps state when a manager passes no --root (podman): runc's default is /run/runc. */
  defaultRoot: string;
}

export function runtimeUnderTest(): RuntimeUnderTest {
  const binary = process.env.TSRUNC_MANAGER_RUNTIME ?? repoPath('dist/tsrunc');
  const name = path.basename(binary);
  return { name, binary, defaultRoot: `/run/${name}` };
}

/** Why the manager tests cannot run here; undefined when they can. */
export function managersSkipReason(...commands: string[]): string | undefined {
  if (process.getuid?.() !== 0) return 'the manager tests start containerd and podman as root';
  for (const c of commands) {
    if (spawnSync('sh', ['-c', `command -v ${c}`]).status !== 0) return `${c} is not installed (.ci/run installs it)`;
  }
  return undefined;
}

/** A temp dir, recursively unmounted and removed at teardown. */
export function scratch(t: Test, prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  t.teardown(() => {
    spawnSync('umount', ['--recursive', '--lazy', dir]);
    for (const m of mountsUnder(dir).reverse()) spawnSync('umount', ['--lazy', m]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** The runtime wrapped so that every invocation's argv is recorded (fields separated by \x1f). */
export class InvocationLog {
  readonly wrapper: string;
  private readonly file: string;

  constructor(dir: string, runtime: RuntimeUnderTest) {
    this.file = path.join(dir, 'invocations.log');
    this.wrapper = path.join(dir, runtime.name);
    fs.writeFileSync(
      this.wrapper,
      `#!/bin/sh\n{ for a in "$@"; do printf '%s\\037' "$a"; done; printf '\\n'; } >> '${this.file}'\nexec '${runtime.binary}' "$@"\n`,
      { mode: 0o755 },
    );
  }

  entries(): string[][] {
    if (!fs.existsSync(this.file)) return [];
    return fs.readFileSync(this.file, 'utf8').split('\n').filter(Boolean).map((l) => l.split('\x1f').filter((a) => a !== ''));
  }

  /** Each subcommand with the flags it was given (global flags first), e.g. "create --bundle --pid-file". */
  shapes(): string[] {
    const commands = new Set(['create', 'start', 'state', 'kill', 'delete', 'exec', 'pause', 'resume', 'update', 'ps', 'features', 'run', 'events', 'list', 'spec']);
    const out = new Set<string>();
    for (const argv of this.entries()) {
      const at = argv.findIndex((a) => commands.has(a));
      const globals = argv.slice(0, Math.max(at, 0)).filter((a) => a.startsWith('-')).map((a) => a.split('=')[0]);
      const flags = at >= 0 ? argv.slice(at + 1).filter((a) => a.startsWith('-')).map((a) => a.split('=')[0]) : argv;
      out.add([...globals, at >= 0 ? argv[at] : '(none)', ...flags].join(' '));
    }
    return [...out].sort();
  }
}

export interface Result {
  status: number | null;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], options: { input?: string; timeout?: number } = {}): Result {
  const r: SpawnSyncReturns<string> = spawnSync(command, args, { encoding: 'utf8', timeout: options.timeout ?? 60_000, input: options.input, stdio: [options.input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
  return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

/** Runs a command line under script(1), so it has a real terminal; the output as the terminal shows it. */
export function withTerminal(command: string, args: string[], env?: NodeJS.ProcessEnv): Result {
  const line = [command, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
  const r = spawnSync('script', ['-qec', line, '/dev/null'], { encoding: 'utf8', timeout: 60_000, env: env ?? process.env });
  return { status: r.status, stdout: (r.stdout ?? '').replace(/\r/g, ''), stderr: r.stderr ?? '' };
}

/**
 * An OCI image archive of the busybox rootfs, written by hand (no registry is reachable): one gzip
 * layer, a config, a manifest and index.json naming it `name`.
 */
export function buildOciArchive(dir: string, name: string): string {
  const layout = path.join(dir, 'oci');
  const blobs = path.join(layout, 'blobs', 'sha256');
  fs.mkdirSync(blobs, { recursive: true });
  const blob = (data: Buffer) => {
    const digest = createHash('sha256').update(data).digest('hex');
    fs.writeFileSync(path.join(blobs, digest), data);
    return { digest: `sha256:${digest}`, size: data.length };
  };
  const tar = spawnSync('tar', ['--numeric-owner', '-C', busyboxRootfs, '-cf', '-', '.'], { maxBuffer: 1 << 28 });
  if (tar.status !== 0) throw new Error(`tar: ${tar.stderr}`);
  const layer = blob(gzipSync(tar.stdout));
  const diffId = `sha256:${createHash('sha256').update(tar.stdout).digest('hex')}`;
  const config = blob(Buffer.from(JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'], Cmd: ['sh'] }, rootfs: { type: 'layers', diff_ids: [diffId] } })));
  const manifest = blob(
    Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        config: { mediaType: 'application/vnd.oci.image.config.v1+json', ...config },
        layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip', ...layer }],
      }),
    ),
  );
  fs.writeFileSync(path.join(layout, 'oci-layout'), JSON.stringify({ imageLayoutVersion: '1.0.0' }));
  fs.writeFileSync(
    path.join(layout, 'index.json'),
    JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', ...manifest, annotations: { 'org.opencontainers.image.ref.name': name } }] }),
  );
  const archive = path.join(dir, 'image.tar');
  const pack = spawnSync('tar', ['-C', layout, '-cf', archive, '.']);
  if (pack.status !== 0) throw new Error(`tar: ${pack.stderr}`);
  return archive;
}

/** A private containerd (own root, state and socket), stopped at teardown; `ctr` talks to it. */
export async function startContainerd(t: Test, dir: string): Promise<{ ctr: (args: string[], options?: { input?: string }) => Result; address: string; state: string }> {
  const root = path.join(dir, 'root');
  const state = path.join(dir, 'state');
  const socket = path.join(dir, 'containerd.sock');
  const config = path.join(dir, 'config.toml');
  fs.writeFileSync(
    config,
    [
      'version = 2',
      `root = "${root}"`,
      `state = "${state}"`,
      // The CRI plugin is Kubernetes': not needed, and slow to start.
      'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
      '[grpc]',
      `  address = "${socket}"`,
      '[ttrpc]',
      `  address = "${socket}.ttrpc"`,
      '',
    ].join('\n'),
  );
  const log = fs.openSync(path.join(dir, 'containerd.log'), 'w');
  const daemon = spawn('containerd', ['--config', config], { stdio: ['ignore', log, log] });
  t.teardown(async () => {
    daemon.kill('SIGTERM');
    await waitFor(() => daemon.exitCode !== null || daemon.signalCode !== null, 10_000);
    // Shims outlive containerd by design; those of this instance go with it here.
    spawnSync('pkill', ['-KILL', '-f', `containerd-shim-runc-v2 -namespace default -address ${socket}`]);
  });
  if (!(await waitFor(() => fs.existsSync(socket), 15_000))) throw new Error(`containerd did not start: ${fs.readFileSync(path.join(dir, 'containerd.log'), 'utf8')}`);
  return { ctr: (args, options) => run('ctr', ['--address', socket, ...args], options), address: socket, state };
}

/** podman with private storage, the cgroupfs manager and a containers.conf of our own. */
export function privatePodman(dir: string, runtime: string): { podman: (args: string[]) => Result; global: string[]; env: NodeJS.ProcessEnv } {
  const conf = path.join(dir, 'containers.conf');
  // Limits any runtime may set here: this host's root cannot raise its own (no CAP_SYS_RESOURCE in
  // the sandbox), and podman's defaults (1048576) are above them.
  fs.writeFileSync(conf, ['[containers]', 'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]', 'log_driver = "k8s-file"', '[engine]', 'events_logger = "file"', 'cgroup_manager = "cgroupfs"', ''].join('\n'));
  const global = ['--root', path.join(dir, 'storage'), '--runroot', path.join(dir, 'run'), '--cgroup-manager', 'cgroupfs', '--runtime', runtime, '--events-backend', 'file'];
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const podman = (args: string[]) => {
    const r = spawnSync('podman', [...global, ...args], { encoding: 'utf8', timeout: 60_000, env });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
  };
  return { podman, global, env };
}

/** Mount points at or under `dir`, in mountinfo order. */
export function mountsUnder(dir: string): string[] {
  return fs
    .readFileSync('/proc/self/mountinfo', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[4] ?? '')
    .filter((m) => m === dir || m.startsWith(`${dir}/`));
}

/** What a container `id` might have left: its runtime state, a cgroup, a mount, a process. */
export function leftovers(id: string, runtimeRoot: string): string[] {
  const left: string[] = [];
  if (fs.existsSync(path.join(runtimeRoot, id))) left.push(`state ${path.join(runtimeRoot, id)}`);
  const cgroups = spawnSync('find', ['/sys/fs/cgroup', '-maxdepth', '5', '-type', 'd', '-name', `*${id}*`], { encoding: 'utf8' }).stdout.trim();
  if (cgroups) left.push(...cgroups.split('\n').map((c) => `cgroup ${c}`));
  for (const line of fs.readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) if (line.includes(id)) left.push(`mount ${line.split(' ')[4]}`);
  for (const pid of fs.readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      const cmdline = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (cmdline.includes(id) && !cmdline.includes('containerd-shim')) left.push(`process ${pid} ${cmdline.replace(/\0/g, ' ')}`);
    } catch {
      // gone meanwhile
    }
  }
  return left;
}

/** Processes whose command line holds `marker` (a container's own processes, by a unique argument). */
export function processesWith(marker: string): number[] {
  return fs
    .readdirSync('/proc')
    .filter((p) => /^\d+$/.test(p))
    .filter((pid) => {
      try {
        return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker);
      } catch {
        return false;
      }
    })
    .map(Number);
}

/** The error a runtime prints when a seccomp architecture is unknown to its libseccomp. */
export function refusedProfileMessage(runtime: RuntimeUnderTest): RegExp {
  return runtime.name === 'tsrunc' ? /config\.json: \/linux\/seccomp\/architectures\/0: SCMP_ARCH_LOONGARCH64 is not an architecture/ : /SCMP_ARCH_LOONGARCH64 is not a valid arch for seccomp/;
}

/** A seccomp profile every runtime refuses: an architecture libseccomp 2.5 does not know. */
export const REFUSED_PROFILE = { defaultAction: 'SCMP_ACT_ALLOW', architectures: ['SCMP_ARCH_LOONGARCH64'], syscalls: [{ names: ['mkdir'], action: 'SCMP_ACT_ERRNO' }] };

/** A shell loop that counts (into /tmp/c) and exits 143 on SIGTERM, for pause/resume and stop. */
export const COUNTER = 'trap "exit 143" TERM; i=0; while :; do i=$((i+1)); echo $i > /tmp/c; sleep 0.1; done';
