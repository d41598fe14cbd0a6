/**
 * tsrunc's command line: runc's contract (../shared/design/CLI-CONTRACT.md) over the library.
 * One error funnel: a TsruncError prints `tsrunc: <message>` (and the log record) and exits 1;
 * anything else is a bug, reported with a pointer to --debug for its stack.
 */
import type { Argv, Options } from 'yargs';
import { TsruncError, UsageError } from '../errors.js';
import fs from 'node:fs';
import path from 'node:path';
import { packageRoot } from '../paths.js';
import { TSRUNC_VERSION, OCI_VERSION } from '../version.js';
import { print, type CliCommand, type GlobalArgs } from './command.js';
import { createCommand } from './commands/create.js';
import { deleteCommand } from './commands/delete.js';
import { eventsCommand } from './commands/events.js';
import { execCommand } from './commands/exec.js';
import { featuresCommand } from './commands/features.js';
import { killCommand } from './commands/kill.js';
import { listCommand } from './commands/list.js';
import { psCommand } from './commands/ps.js';
import { pauseCommand } from './commands/pause.js';
import { resumeCommand } from './commands/resume.js';
import { runCommand } from './commands/run.js';
import { specCommand } from './commands/spec.js';
import { startCommand } from './commands/start.js';
import { stateCommand } from './commands/state.js';
import { updateCommand } from './commands/update.js';
import { getLog, setLog } from './context.js';
import { fastParse } from './fast-parse.js';
import { CliLog, type LogFormat } from './log.js';

/** Every command, in the order `--help` lists them. */
export const COMMANDS: ReadonlyArray<CliCommand<never>> = [
  createCommand,
  startCommand,
  stateCommand,
  killCommand,
  deleteCommand,
  runCommand,
  execCommand,
  pauseCommand,
  resumeCommand,
  updateCommand,
  eventsCommand,
  listCommand,
  psCommand,
  specCommand,
  featuresCommand,
] as ReadonlyArray<CliCommand<never>>;

/** runc's global flags; --systemd-cgroup and --criu are accepted so managers can pass them. */
export const GLOBAL_OPTIONS = {
  root: { type: 'string', describe: 'directory for container state (default /run/tsrunc; rootless: $XDG_RUNTIME_DIR/tsrunc)' },
  log: { type: 'string', describe: 'file to write log records to (default: stderr)' },
  'log-format': { choices: ['text', 'json'], default: 'text', describe: 'format of --log records' },
  debug: { type: 'boolean', default: false, describe: 'log debug detail and stacks of unexpected errors' },
  'systemd-cgroup': { type: 'boolean', default: false, describe: 'accepted for runc compatibility (no systemd cgroup driver yet)' },
  rootless: { type: 'string', describe: "rootless mode: 'true', 'false' or 'auto' (not root, or root of a user namespace)" },
  criu: { type: 'string', describe: 'accepted for runc compatibility' },
} as const;

/**
 * runc (urfave/cli) takes long flags with one dash too (`-no-subreaper`, `-root=/x`), and callers
 * use that: rewrite them to two dashes for yargs. Short flags (`-b`) and grouped ones are kept.
 */
export function normalizeArgs(args: readonly string[], longFlags: ReadonlySet<string>): string[] {
  const out: string[] = [];
  let i = 0;
  for (; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    // `update -r -` (stdin): yargs would take the lone dash for a positional.
    if (a === '-' && (out.at(-1) === '--resources' || out.at(-1) === '-r')) {
      out[out.length - 1] = '--resources=-';
      continue;
    }
    const m = /^-([a-z][a-z0-9-]+)(=.*)?$/.exec(a);
    out.push(m && longFlags.has(m[1]!) ? `-${a}` : a);
  }
  return out.concat(args.slice(i));
}

/**
 * Refuses a long flag no command knows. yargs would let it swallow the next word and then
 * complain about a missing argument instead (`create --bogus id`).
 */
export function rejectUnknownFlags(args: readonly string[], longFlags: ReadonlySet<string>): void {
  for (const a of args) {
    if (a === '--') return;
    const m = /^--([^=]+)/.exec(a);
    if (m && !longFlags.has(m[1]!)) throw new UsageError(`unknown flag: --${m[1]}`);
  }
}

/** The long flag names of the globals and of every command. */
export function longFlagNames(): Set<string> {
  const names = new Set<string>(['help', 'version', ...Object.keys(GLOBAL_OPTIONS)]);
  for (const c of COMMANDS) for (const o of Object.keys(c.options ?? {})) names.add(o);
  return names;
}

type OptionSpec = Pick<Options, 'type' | 'alias'>;

/** The option a flag (`--name`, `-name` or an alias such as `-b`) names in `options`, with its name. */
function optionFor(flag: string, options: Record<string, OptionSpec>): [string, OptionSpec] | undefined {
  const name = flag.replace(/^--?/, '');
  if (options[name]) return [name, options[name]];
  return Object.entries(options).find(([, o]) => [o.alias ?? []].flat().includes(name));
}

/**
 * runc (urfave/cli) never lets a boolean flag take the next word: `create --systemd-cgroup false`
 * names the container "false", as the fast path reads it. yargs would take "false" for the flag's
 * value; written `--systemd-cgroup=true` it cannot.
 */
export function pinBooleanFlags(args: readonly string[]): string[] {
  const out = [...args];
  let options = GLOBAL_OPTIONS as Record<string, OptionSpec>;
  let command = false;
  for (let i = 0; i < out.length; i++) {
    const a = out[i]!;
    if (a === '--') break;
    if (!a.startsWith('-') || a === '-') {
      const c: CliCommand<never> | undefined = command ? undefined : COMMANDS.find((x) => x.command.split(' ')[0] === a);
      if (c) [options, command] = [{ ...options, ...(c.options as Record<string, OptionSpec> | undefined) }, true];
      continue;
    }
    const found = a.includes('=') ? undefined : optionFor(a, options);
    if (!found) continue;
    const [name, spec] = found;
    if (spec.type !== 'boolean') i++; // its value
    else if (out[i + 1] === 'true' || out[i + 1] === 'false') out[i] = `--${name}=true`;
  }
  return out;
}

/** Global flags that take a value (`--root /x`), so a pre-scan can step over it. */
const GLOBAL_VALUE_FLAGS = new Set(
  Object.entries(GLOBAL_OPTIONS)
    .filter(([, o]) => !('type' in o) || o.type !== 'boolean')
    .map(([name]) => `--${name}`),
);

/** The log settings, read before yargs runs so a usage error is logged as the caller asked. */
export function preScanLogSettings(args: readonly string[]): { file: string | undefined; format: LogFormat; debug: boolean } {
  let file: string | undefined;
  let format: LogFormat = 'text';
  let debug = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    const [flag, inline] = a.split(/=(.*)/s, 2) as [string, string | undefined];
    const value = () => inline ?? args[++i];
    if (flag === '--log') file = value();
    else if (flag === '--log-format') format = value() === 'json' ? 'json' : 'text';
    else if (flag === '--debug') debug = inline !== 'false';
    else if (!a.startsWith('-')) break; // the command: later flags are its own
    else if (inline === undefined && GLOBAL_VALUE_FLAGS.has(flag)) i++; // skip its value
  }
  return { file, format, debug };
}

/** Runs a parsed command; tests replace it to check parsing alone. */
export type Dispatch = (command: CliCommand<never>, argv: Record<string, unknown>) => Promise<void>;

const runHandler: Dispatch = (command, argv) => command.handler(argv as never);

/**
 * `--version`, shaped like runc's and crun's: "<name> version X", then "key: value" lines (commit,
 * spec, the language runtime, libseccomp), which podman shows in `podman info`.
 */
async function versionText(): Promise<string> {
  const lines = [`tsrunc version ${TSRUNC_VERSION}`];
  try {
    const info = JSON.parse(fs.readFileSync(path.join(packageRoot(), 'dist', 'build-info.json'), 'utf8')) as { commit?: string };
    lines.push(`commit: ${info.commit ?? 'unknown'}`);
  } catch {
    lines.push('commit: unknown');
  }
  lines.push(`spec: ${OCI_VERSION}`, `node: ${process.version}`);
  try {
    const { native } = await import('../native.js');
    lines.push(`libseccomp: ${native().seccompInfo([]).version}`);
  } catch {
    // no addon built: nothing to report
  }
  return lines.join('\n');
}

/** Flags given once per value (`exec -e A=1 -e B=2`); every other flag given twice keeps its last value. */
const REPEATABLE = new Set(['env', 'additional-gids', 'cap']);

/** runc's flag package keeps the last of a repeated flag; yargs would make an array of them. */
const lastValue = (v: unknown) => (Array.isArray(v) ? v.at(-1) : v);

/** Builds the yargs parser for `args`. */
export async function buildParser(args: string[], dispatch: Dispatch = runHandler): Promise<Argv> {
  const { default: yargs } = await import('yargs/yargs');
  let parser = yargs(pinBooleanFlags(args))
    .scriptName('tsrunc')
    // `--no-pivot` and `--no-new-keyring` are flags of their own, not negations. Numbers stay text
    // unless an option is typed as one: exec's command (`sh -c 1e3`) and ids are strings.
    .parserConfiguration({ 'boolean-negation': false, 'populate--': true, 'parse-numbers': false, 'parse-positional-numbers': false })
    .options(GLOBAL_OPTIONS)
    .coerce(Object.keys(GLOBAL_OPTIONS), lastValue)
    .version(await versionText())
    .help()
    .strict()
    .demandCommand(1, 'a command is required')
    .recommendCommands()
    .fail((msg, err) => {
      // yargs spreads some messages over lines ("Invalid values:\n  Argument: …"): one line, as every error.
      throw err ?? new UsageError(msg.replace(/\s*\n\s*/g, ' '));
    });
  for (const c of COMMANDS) {
    parser = parser.command({
      command: c.command,
      describe: c.describe,
      builder: (y) => {
        for (const [name, p] of Object.entries(c.positionals ?? {})) y.positional(name, p);
        const single = Object.keys(c.options ?? {}).filter((name) => !REPEATABLE.has(name));
        return y.options(c.options ?? {}).coerce(single, lastValue);
      },
      handler: (argv) => dispatch(c, argv),
    });
  }
  return parser;
}

/**
 * runc takes everything after exec's container id as the command, flags included
 * (`exec ID sh -c 'ls -l'`): put a `--` after the id so that neither we nor yargs parse it.
 */
export function splitExecCommand(argv: readonly string[], longFlags: ReadonlySet<string>): string[] {
  const globals = GLOBAL_OPTIONS as Record<string, OptionSpec>;
  const execOptions = (execCommand.options ?? {}) as Record<string, OptionSpec>;
  const takesValue = (arg: string, options: Record<string, OptionSpec>): boolean => {
    const entry = arg.includes('=') ? undefined : optionFor(arg, options)?.[1];
    return entry !== undefined && entry.type !== 'boolean';
  };
  let i = 0;
  for (; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [...argv];
    if (!a.startsWith('-')) break;
    if (takesValue(a, globals)) i++;
  }
  if (argv[i] !== 'exec') return [...argv];
  for (i++; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') return [...argv];
    if (!a.startsWith('-')) break; // the container id
    if (takesValue(a, { ...globals, ...execOptions }) && (a.startsWith('--') || longFlags.has(a.slice(1)) || a.length === 2)) i++;
  }
  if (i >= argv.length - 1 || argv[i + 1] === '--') return [...argv];
  return [...argv.slice(0, i + 1), '--', ...argv.slice(i + 1)];
}

/** Runs the CLI; resolves with the exit status. */
export async function main(argv: readonly string[]): Promise<number> {
  const longFlags = longFlagNames();
  const args = normalizeArgs(splitExecCommand(argv, longFlags), longFlags);
  const settings = preScanLogSettings(args);
  setLog(new CliLog(settings));
  try {
    // Asked once per `podman info`: no parser to build for it.
    if (args.length === 1 && (args[0] === '--version' || args[0] === '-v')) {
      print(`${await versionText()}\n`);
      return 0;
    }
    rejectUnknownFlags(args, longFlags);
    const fast = fastParse(args, COMMANDS, GLOBAL_OPTIONS);
    if (fast) await fast.command.handler(fast.argv as never);
    else await (await buildParser(args)).parseAsync();
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    reportError(e, settings.debug);
    return 1;
  }
}

function reportError(e: unknown, debug: boolean): void {
  const log = getLog();
  if (e instanceof TsruncError) {
    log.error(e.message);
    if (debug && e.cause instanceof Error) log.debug(`caused by: ${e.cause.stack ?? e.cause.message}`);
    return;
  }
  const err = e instanceof Error ? e : new Error(String(e));
  log.error(debug ? (err.stack ?? err.message) : `${err.message} (an unexpected error: rerun with --debug for its stack)`);
}

export type { GlobalArgs };
