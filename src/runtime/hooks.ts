/**
 * The hooks that run in the runtime namespace (config.md "POSIX-platform Hooks"): prestart and
 * createRuntime during create, poststart during start, poststop during delete. The init runs
 * createContainer and startContainer itself (addon/src/init/hooks.c). Each hook gets the state JSON
 * on stdin, exactly its own args and env, and is killed at its timeout.
 */
import { fromNodeError, HookError } from '../errors.js';
import type { Hook, Spec } from '../spec/generated/config.js';

export type RuntimeHookKind = 'prestart' | 'createRuntime' | 'poststart' | 'poststop';

/**
 * Runs the `kind` hooks of `spec` in order. A failure (`<kind> hook #<n> `<path>`: exit status 3`)
 * is thrown at once, or, given `onFailure`, handed to it and the remaining hooks still run
 * (poststop: runtime.md's lifecycle continues "as if the hook had succeeded").
 */
export function runHooks(spec: Spec, kind: RuntimeHookKind, state: Record<string, unknown>, onFailure?: (e: Error) => void): void {
  const hooks: Hook[] = spec.hooks?.[kind] ?? [];
  const input = JSON.stringify(state);
  hooks.forEach((hook, index) => {
    try {
      runHook(hook, index, kind, input);
    } catch (e) {
      if (!onFailure) throw e;
      onFailure(e as Error);
    }
  });
}

function runHook(hook: Hook, index: number, kind: RuntimeHookKind, input: string): void {
  const what = `${kind} hook #${index} \`${hook.path}\``;
  const [argv0, ...args] = hook.args?.length ? hook.args : [hook.path];
  // Loaded when a hook runs: child_process is kept out of the CLI's start.
  const { spawnSync } = process.getBuiltinModule('node:child_process');
  const r = spawnSync(hook.path, args, {
    argv0,
    input,
    // Exactly the hook's env (execv semantics), nothing of ours.
    env: Object.fromEntries((hook.env ?? []).filter((e) => e.includes('=')).map((e) => [e.slice(0, e.indexOf('=')), e.slice(e.indexOf('=') + 1)])),
    stdio: ['pipe', 'inherit', 'inherit'],
    timeout: hook.timeout ? hook.timeout * 1000 : undefined,
    killSignal: 'SIGKILL',
  });
  const code = (r.error as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ETIMEDOUT') throw new HookError(`${what}: timed out after ${hook.timeout}s`);
  // EPIPE: the hook exited without reading the state, which it may; its exit status decides.
  if (r.error && code !== 'EPIPE') throw new HookError(fromNodeError(`${kind} hook #${index}`, hook.path, r.error).message);
  if (r.signal) throw new HookError(`${what}: killed by ${r.signal}`);
  if (r.status !== 0) throw new HookError(`${what}: exit status ${r.status}`);
}
