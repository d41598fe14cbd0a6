/**
 * Where state lives when no --root is given, and whether this invocation is rootless, by runc's
 * rules: root's state is under /run/tsrunc; an unprivileged user's under $XDG_RUNTIME_DIR/tsrunc
 * (runc: $XDG_RUNTIME_DIR/runc). Rootless means not root in the initial user namespace, unless the
 * caller says otherwise with --rootless true|false.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';

/** Root's default state root (runc's is /run/runc). */
export const DEFAULT_ROOT = '/run/tsrunc';

export interface Identity {
  euid: number;
  /** Running in a user namespace other than the initial one (podman's rootless namespace). */
  inUserNamespace: boolean;
  env: Readonly<Record<string, string | undefined>>;
}

/** The identity of this process (the uid_map read only when it decides something). */
export function processIdentity(): Identity {
  let inUserNamespace: boolean | undefined;
  return {
    euid: process.geteuid?.() ?? 0,
    get inUserNamespace() {
      inUserNamespace ??= runningInUserNamespace();
      return inUserNamespace;
    },
    env: process.env,
  };
}

/** The initial user namespace maps every id to itself: "0 0 4294967295" (user_namespaces(7)). */
export function runningInUserNamespace(uidMap = readFileSync('/proc/self/uid_map', 'utf8')): boolean {
  return uidMap.trim().split(/\s+/).join(' ') !== '0 0 4294967295';
}

/**
 * The state root without --root. An unprivileged user cannot write /run/tsrunc, so its state goes
 * under XDG_RUNTIME_DIR; root inside a user namespace (podman unshare) too, unless USER says root
 * (runc's shouldHonorXDGRuntimeDir).
 */
export function defaultStateRoot(id: Identity): string {
  const xdg = id.env.XDG_RUNTIME_DIR;
  const honorXdg = id.euid !== 0 || (id.inUserNamespace && id.env.USER !== 'root');
  if (xdg && honorXdg) {
    if (!xdg.startsWith('/')) throw new UsageError(`XDG_RUNTIME_DIR must be an absolute path, not ${JSON.stringify(xdg)}: give the state directory with --root`);
    return `${xdg.replace(/\/+$/, '')}/tsrunc`;
  }
  if (id.euid !== 0) {
    throw new UsageError(`rootless: XDG_RUNTIME_DIR is not set and ${DEFAULT_ROOT} is root's: give a state directory of your own with --root (or set XDG_RUNTIME_DIR)`);
  }
  return DEFAULT_ROOT;
}

/**
 * Rootless mode (runc's --rootless: true, false or auto, the default): cgroups the user may not
 * create are done without when the config asks for no limits, and device rules are left to the
 * user namespace. auto: not root, or root of a user namespace.
 */
export function rootlessMode(flag: string | boolean | undefined, id: Identity): boolean {
  if (flag === true || flag === 'true') return true;
  if (flag === false || flag === 'false') return false;
  if (flag !== undefined && flag !== 'auto') throw new UsageError(`--rootless takes true, false or auto, not ${JSON.stringify(flag)}`);
  return id.euid !== 0 || id.inUserNamespace;
}
