// Property-based fuzzing without root, thousands of cases: config.json documents (valid ones and
// mutations of them) through the library's whole create path over the fake addon, and command
// lines through both parsers. Every outcome is a container or a TsruncError with a one-line
// message; nothing else escapes, and a refused create leaves nothing in the state root.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import t from 'tap';
import { fastParse } from '../../src/cli/fast-parse.js';
import { buildParser, COMMANDS, type Dispatch, GLOBAL_OPTIONS, longFlagNames, normalizeArgs, rejectUnknownFlags, splitExecCommand } from '../../src/cli/main.js';
import { setCgroupsForTesting } from '../../src/cgroups/manager.js';
import { Runtime, TsruncError } from '../../src/index.js';
import { setNativeForTesting } from '../../src/native.js';
import { argv, mutate, mutation, validSpec } from '../helpers/config-arbitraries.js';
import { FakeCgroups, FakeNative } from '../helpers/native-fake.js';

setCgroupsForTesting((p) => new FakeCgroups(p));
t.teardown(() => {
  setNativeForTesting(undefined);
  setCgroupsForTesting(undefined);
});

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'tsrunc-fuzz-'));
t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
const rootfs = path.join(dir, 'rootfs');
for (const d of ['tmp', 'x', 'var/tmp', 'proc', 'dev', 'sys']) fs.mkdirSync(path.join(rootfs, d), { recursive: true });

/**
 * A clear refusal: ours, with a message. (A message may quote a name holding a newline; the CLI
 * escapes it to keep one line, test/integration/fuzz.test.ts checks that.)
 */
function refusal(e: unknown): string | undefined {
  if (!(e instanceof TsruncError)) return `not a TsruncError: ${(e as Error)?.stack ?? String(e)}`;
  if (!e.message.trim()) return 'an empty message';
  return undefined;
}

t.test('config.json, valid and mutated, through create over the fake addon', async (t) => {
  const root = path.join(dir, 'state');
  const bundle = path.join(dir, 'bundle');
  fs.mkdirSync(bundle);
  const rt = new Runtime({ root, logger: { warn() {}, debug() {} } });
  let created = 0;
  let refused = 0;
  const reasons = new Map<string, number>();
  let n = 0;
  await fc.assert(
    fc.asyncProperty(validSpec(rootfs, dir), fc.array(mutation, { maxLength: 3 }), async (valid, mutations) => {
      setNativeForTesting(new FakeNative());
      const doc = mutate(valid.spec, mutations);
      fs.writeFileSync(path.join(bundle, 'config.json'), JSON.stringify(doc));
      const id = `f${n++}`;
      try {
        await rt.create(id, { bundle });
        created++;
        await rt.delete(id, { force: true });
      } catch (e) {
        const wrong = refusal(e);
        if (wrong) throw new Error(`${wrong}\nconfig: ${JSON.stringify(doc)}`);
        refused++;
        const reason = (e as Error).message.replace(/[0-9]+/g, 'N').slice(0, 60);
        reasons.set(reason, (reasons.get(reason) ?? 0) + 1);
        if (mutations.length === 0) throw new Error(`a valid config was refused: ${(e as Error).message}\nconfig: ${JSON.stringify(doc)}`);
      }
      const left = fs.existsSync(root) ? fs.readdirSync(root).filter((e) => !e.startsWith('~')) : [];
      if (left.length) throw new Error(`left in the state root: ${left.join(', ')}\nconfig: ${JSON.stringify(doc)}`);
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 3000) },
  );
  t.comment(`${n} configs: ${created} created and deleted, ${refused} refused in ${reasons.size} distinct ways`);
  t.ok(created > 0 && refused > 0, 'both outcomes were reached');
});

/** Runs argv through the full parser (yargs); the command it dispatched and its arguments. */
async function yargsParse(args: string[]): Promise<{ command: string; argv: Record<string, unknown> } | undefined> {
  let seen: { command: string; argv: Record<string, unknown> } | undefined;
  const dispatch: Dispatch = async (c, a) => {
    seen = { command: c.command.split(' ')[0]!, argv: a };
  };
  // The CLI lets yargs exit after --help and --version; here that would end the test.
  await (await buildParser(args, dispatch)).exitProcess(false).parseAsync();
  return seen;
}

t.test('command lines: the fast parser agrees with yargs, and every refusal is a usage error', async (t) => {
  const long = longFlagNames();
  const values = ['/b', 'c1', 'x y', '/tmp/p.json', '--root=/r', 'ü', '1', '-'];
  let fast = 0;
  let refused = 0;
  let dispatched = 0;
  // yargs prints help and version itself: hold its output.
  const write = process.stdout.write.bind(process.stdout);
  await fc.assert(
    fc.asyncProperty(argv(values), async (raw) => {
      let args: string[];
      try {
        args = normalizeArgs(splitExecCommand(raw, long), long);
        rejectUnknownFlags(args, long);
      } catch (e) {
        const wrong = refusal(e);
        if (wrong) throw new Error(`${wrong}\nargv: ${JSON.stringify(raw)}`);
        refused++;
        return;
      }
      const quick = fastParse(args, COMMANDS, GLOBAL_OPTIONS);
      let full;
      process.stdout.write = () => true;
      try {
        full = await yargsParse(args);
      } catch (e) {
        const wrong = refusal(e);
        if (wrong) throw new Error(`${wrong}\nargv: ${JSON.stringify(raw)}`);
        if (quick) throw new Error(`fast parse took what yargs refuses (${(e as Error).message})\nargv: ${JSON.stringify(raw)}`);
        refused++;
        return;
      } finally {
        process.stdout.write = write;
      }
      if (full) dispatched++;
      if (!quick) return;
      fast++;
      // yargs reads a positional `help` as a request for help; runc and the fast path take it for an
      // id (`tsrunc state help`). Only a malformed invocation reaches yargs with it.
      if (!full && args.includes('help')) return;
      if (!full) throw new Error(`fast parse ran ${quick.command.command} where yargs ran nothing\nargv: ${JSON.stringify(raw)}`);
      if (quick.command.command.split(' ')[0] !== full.command) throw new Error(`fast parse ran ${quick.command.command}, yargs ${full.command}\nargv: ${JSON.stringify(raw)}`);
      for (const [k, v] of Object.entries(quick.argv)) {
        if (k === '$0' || k === '_') continue;
        if (JSON.stringify(full.argv[k]) !== JSON.stringify(v)) throw new Error(`${k}: fast ${JSON.stringify(v)}, yargs ${JSON.stringify(full.argv[k])}\nargv: ${JSON.stringify(raw)}`);
      }
    }),
    { numRuns: Number(process.env.FUZZ_RUNS ?? 5000) },
  );
  t.comment(`${Number(process.env.FUZZ_RUNS ?? 5000)} command lines: ${dispatched} dispatched (${fast} by the fast parser), ${refused} refused`);
  t.ok(fast > 0 && refused > 0, 'both parsers and refusals were reached');
});
