import fs from 'node:fs';
import { ConfigError, UsageError, fromNodeError } from '../../errors.js';
import type { Process } from '../../spec/generated/config.js';
import { defineCommand } from '../command.js';
import { openRuntime } from '../context.js';

interface ExecArgs {
  containerId: string;
  '--'?: Array<string | number>;
  process: string | undefined;
  tty: boolean;
  consoleSocket: string | undefined;
  detach: boolean;
  pidFile: string | undefined;
  cwd: string | undefined;
  env: string | string[] | undefined;
  user: string | undefined;
  additionalGids: string | string[] | undefined;
  cap: string | string[] | undefined;
  noNewPrivs: boolean;
  preserveFds: number;
  apparmor: string | undefined;
  processLabel: string | undefined;
  cgroup: string | string[] | undefined;
  ignorePaused: boolean;
}

const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

export const execCommand = defineCommand<ExecArgs>({
  // Everything after the container id is the command, flags included (main.ts splits it off as runc does).
  command: 'exec <container-id>',
  describe: 'run a process in a running container: `exec ID -- CMD ARGS…` or `exec --process FILE ID`',
  positionals: { 'container-id': { type: 'string' } },
  options: {
    process: { alias: 'p', type: 'string', describe: 'a JSON file with the process (config.md "Process")' },
    tty: { alias: 't', type: 'boolean', default: false, describe: 'allocate a pseudo-terminal' },
    'console-socket': { type: 'string', describe: 'unix socket that receives the pty master (with --tty)' },
    detach: { alias: 'd', type: 'boolean', default: false, describe: 'return once the process runs' },
    'pid-file': { type: 'string', describe: 'file to write the process id to' },
    cwd: { type: 'string', describe: 'working directory in the container' },
    env: { alias: 'e', type: 'string', describe: 'KEY=value to add to the environment (repeatable)' },
    user: { alias: 'u', type: 'string', describe: 'uid[:gid] in the container' },
    'additional-gids': { alias: 'g', type: 'string', describe: 'an additional gid (repeatable)' },
    cap: { alias: 'c', type: 'string', describe: 'a capability to add, e.g. CAP_NET_ADMIN (repeatable)' },
    'no-new-privs': { type: 'boolean', default: false, describe: 'set no_new_privs' },
    'preserve-fds': { type: 'number', default: 0, describe: 'pass N extra file descriptors to the process, from fd 3' },
    apparmor: { type: 'string', describe: 'AppArmor profile for the process (overrides the process’s own)' },
    'process-label': { type: 'string', describe: 'SELinux label for the process (overrides the process’s own)' },
    cgroup: { type: 'string', describe: "[<controllers>:]<path>: an existing sub-cgroup of the container's to run in (repeatable; cgroup v2: the path only)" },
    'ignore-paused': { type: 'boolean', default: false, describe: 'accepted for runc compatibility' },
  },
  async handler(args) {
    if (!Number.isInteger(args.preserveFds) || args.preserveFds < 0 || args.preserveFds > 1000) {
      throw new UsageError(`--preserve-fds: expected a count of file descriptors, got ${args.preserveFds}`);
    }

    const rt = await openRuntime(args);
    const command = (args['--'] ?? []).map(String);
    let proc: Process;
    if (args.process !== undefined) {
      if (command.length) throw new UsageError('exec: give the command either in --process or as arguments, not both');
      proc = await readProcessFile(args.process);
    } else {
      if (!command.length) throw new UsageError('exec: a command is required: exec <container-id> <command> [args…]');
      proc = await baseProcess(rt.root, args.containerId);
      proc.args = command;
      proc.terminal = args.tty;
      if (args.cwd !== undefined) proc.cwd = args.cwd;
      proc.env = [...(proc.env ?? []), ...list(args.env)];
      if (args.user !== undefined) {
        const m = /^(\d+)(?::(\d+))?$/.exec(args.user);
        if (!m) throw new UsageError(`--user: expected uid[:gid], got ${args.user}`);
        proc.user = { ...proc.user, uid: Number(m[1]), gid: m[2] === undefined ? 0 : Number(m[2]) };
      }
      const gids = list(args.additionalGids).map(Number);
      if (gids.some((g) => !Number.isInteger(g) || g < 0)) throw new UsageError('--additional-gids: expected numbers');
      if (gids.length) proc.user = { ...proc.user, additionalGids: gids };
      const caps = list(args.cap);
      if (caps.length) {
        const c = proc.capabilities ?? {};
        for (const set of ['bounding', 'effective', 'permitted', 'inheritable', 'ambient'] as const) c[set] = [...new Set([...(c[set] ?? []), ...caps])];
        proc.capabilities = c;
      }
      if (args.noNewPrivs) proc.noNewPrivileges = true;
    }
    // As runc: --apparmor wins over the profile of --process or of the container's process.
    if (args.apparmor !== undefined) proc.apparmorProfile = args.apparmor;
    if (args.processLabel !== undefined) proc.selinuxLabel = args.processLabel;
    const cgroups = list(args.cgroup);
    const subCgroups = cgroups.length ? await subCgroupsOf(cgroups) : undefined;
    const result = await rt.exec(args.containerId, { process: proc, detach: args.detach, pidFile: args.pidFile, consoleSocket: args.consoleSocket, preserveFds: args.preserveFds, subCgroups });
    if (!args.detach) process.exitCode = result.exitStatus ?? 0;
  },
});

/** The container's own process (config.json) as the base an argument-given exec starts from. */
async function baseProcess(root: string, id: string): Promise<Process> {
  const { StateStore } = await import('../../state/store.js');
  const stored = new StateStore(root).read(id);
  const base = stored?.config.process;
  if (!base) return { cwd: '/', args: [] };
  // As runc: the container's process minus what the flags replace (args, terminal).
  const { args: _args, terminal: _terminal, consoleSize: _size, ...rest } = base;
  return structuredClone({ ...rest, args: [] });
}

/** --process FILE: a config.md Process, validated by the same schema as config.json's. */
async function readProcessFile(file: string): Promise<Process> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw fromNodeError('read --process', file, e);
  }
  const { parseJson } = await import('../../spec/load.js');
  const { validateSpec } = await import('../../spec/validate.js');
  const name = file.split('/').pop() ?? file;
  const doc = parseJson(text, name);
  try {
    return validateSpec({ ociVersion: '1.3.0', process: doc }, name).process!;
  } catch (e) {
    if (e instanceof ConfigError && e.pointer?.startsWith('/process')) {
      throw new ConfigError(name, e.pointer.slice('/process'.length) || '/', e.expected, e.section);
    }
    throw e;
  }
}

/** --cgroup values as the host's layout reads them (cgroups/path.ts). */
async function subCgroupsOf(values: string[]): Promise<Map<string, string>> {
  const [{ parseSubCgroups }, { detectCgroupLayout }] = await Promise.all([import('../../cgroups/path.js'), import('../../cgroups/detect.js')]);
  return parseSubCgroups(values, detectCgroupLayout().kind === 'v2');
}
