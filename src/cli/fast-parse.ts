/**
 * The fast path of the command line. tsrunc is exec'd several times per container, and loading
 * yargs costs more than everything else a command does (~45 ms of ~60 ms on top of Node's own
 * start). Managers always call with plain, well-formed flags, so those invocations are parsed here
 * from the very same definitions (COMMANDS, GLOBAL_OPTIONS) and yield the argv yargs would. Anything
 * else (help, version, an unknown or malformed flag, a missing argument) returns undefined and goes
 * to yargs, which owns every message. test/unit/cli-parse.test.ts checks the two agree.
 */
import type { Options, PositionalOptions } from 'yargs';
import type { CliCommand } from './command.js';

export interface FastParse {
  command: CliCommand<never>;
  argv: Record<string, unknown>;
}

type OptionSpec = Pick<Options, 'type' | 'choices' | 'default' | 'alias'>;

const camel = (name: string) => name.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

function setArg(argv: Record<string, unknown>, name: string, value: unknown, spec: OptionSpec | PositionalOptions): void {
  argv[name] = value;
  argv[camel(name)] = value;
  const aliases = spec.alias === undefined ? [] : Array.isArray(spec.alias) ? spec.alias : [spec.alias];
  for (const a of aliases) argv[a] = value;
}

/** Parses `args` when it is a plain invocation; undefined hands it to yargs. */
export function fastParse(
  args: readonly string[],
  commands: ReadonlyArray<CliCommand<never>>,
  globals: Record<string, OptionSpec>,
): FastParse | undefined {
  const argv: Record<string, unknown> = { _: [] as string[], $0: 'tsrunc' };
  let command: CliCommand<never> | undefined;
  let options: Record<string, OptionSpec> = globals;
  const byAlias = new Map<string, string>();
  const seen = new Set<string>();
  const positionals: string[] = [];

  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--' && command?.command.startsWith('exec ')) {
      // exec's command (main.ts puts it after a `--`), as yargs' populate-- gives it (none when empty).
      if (i + 1 < args.length) argv['--'] = args.slice(i + 1);
      break;
    }
    if (a === '--' || a === '-') return undefined;
    if (!a.startsWith('-')) {
      if (command) {
        positionals.push(a);
        continue;
      }
      command = commands.find((c) => c.command.split(' ')[0] === a);
      if (!command) return undefined;
      (argv._ as string[]).push(a);
      options = { ...globals, ...(command.options as Record<string, OptionSpec> | undefined) };
      for (const [name, spec] of Object.entries(options)) {
        for (const alias of spec.alias === undefined ? [] : [spec.alias].flat()) byAlias.set(alias, name);
      }
      continue;
    }
    const m = /^--([a-z0-9-]+)(?:=(.*))?$/s.exec(a) ?? /^-([a-z])$/.exec(a);
    if (!m) return undefined; // grouped short flags, odd spellings: yargs decides
    const name = a.startsWith('--') ? m[1]! : byAlias.get(m[1]!);
    const spec = name === undefined ? undefined : options[name];
    if (!name || !spec || seen.has(name)) return undefined;
    seen.add(name);
    let inline: string | undefined = m[2];
    if (spec.type === 'boolean') {
      if (inline !== undefined && inline !== 'true' && inline !== 'false') return undefined;
      setArg(argv, name, inline !== 'false', spec);
      continue;
    }
    if (inline === undefined) {
      const next = args[i + 1];
      if (next === undefined || next.startsWith('-')) return undefined;
      inline = next;
      i++;
    }
    let value: unknown = inline;
    if (spec.type === 'number') {
      value = Number(inline);
      if (inline.trim() === '' || !Number.isFinite(value)) return undefined;
    } else if (spec.type !== 'string' && spec.choices === undefined) {
      return undefined; // arrays, counts: not on the fast path
    }
    if (spec.choices && !(spec.choices as unknown[]).includes(value)) return undefined;
    setArg(argv, name, value, spec);
  }
  if (!command) return undefined;

  // Positionals as the command string declares them: <required> then [optional].
  const declared = command.command.split(' ').slice(1);
  if (positionals.length > declared.length) return undefined;
  for (const [index, token] of declared.entries()) {
    const name = token.slice(1, -1);
    const spec = command.positionals?.[name] ?? {};
    const value = positionals[index];
    if (value === undefined) {
      if (token.startsWith('<')) return undefined;
      if (spec.default !== undefined) setArg(argv, name, spec.default, spec);
      continue;
    }
    setArg(argv, name, value, spec);
  }
  for (const [name, spec] of Object.entries(options)) {
    if (!seen.has(name) && spec.default !== undefined) setArg(argv, name, spec.default, spec);
  }
  return { command, argv };
}
