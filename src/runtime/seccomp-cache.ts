/**
 * Compiled seccomp profiles, cached in the state root under a hash of what libseccomp is asked.
 *
 * Every `create` compiles its profile, and libseccomp takes about 14 ms for podman's default one
 * on the machines here (bench/seccomp.mjs): a hit costs a hash and a file read instead. The hash
 * only names the file (64 bits of FNV-1a, not node:crypto, which costs a start 5 ms to load): the
 * entry holds the whole request, and only an equal one is a hit. The cache
 * lives under the state root, and only while that root is its owner's alone (StateStore.cacheDir):
 * a filter read from a cache others could write would be theirs. A cache that cannot be read or
 * written is never an error: it compiles.
 */
import fs from 'node:fs';
import path from 'node:path';
import { native } from '../native.js';
import type { CompiledSeccomp, SeccompContext } from '../plan/seccomp.js';
import { writeFileAtomic } from '../state/store.js';
import { TSRUNC_VERSION } from '../version.js';

/** Bumped whenever what the addon produces for the same request, or the entry's shape, changes. */
const CACHE_FORMAT = 2;
/** More entries than any real mix of clients' profiles: beyond it the cache starts over. */
const MAX_ENTRIES = 256;

/** A compiler that uses the cache in `dir`, or compiles every time without one. */
export function cachingSeccompCompiler(dir: string | undefined, compile: SeccompContext['compile'] = (p) => native().compileSeccomp(p)): SeccompContext['compile'] {
  if (!dir) return compile;
  return (profile) => {
    const request = JSON.stringify(profile, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const key = `${CACHE_FORMAT}\0${TSRUNC_VERSION}\0${process.arch}\0${native().seccompInfo([]).version}\0${request}`;
    const file = path.join(dir, `${hash64(key)}.json`);
    try {
      const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as Omit<CompiledSeccomp, 'program'> & { key: string; program: string };
      // The whole request is compared: a collision of the short name is a miss, never another filter.
      if (cached.key === key) return { skipped: cached.skipped, archs: cached.archs, program: Buffer.from(cached.program, 'base64') };
    } catch {
      // not cached yet (or unreadable): compile
    }
    const compiled = compile(profile);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (fs.readdirSync(dir).length >= MAX_ENTRIES) {
        for (const old of fs.readdirSync(dir)) fs.rmSync(path.join(dir, old), { force: true });
      }
      writeFileAtomic(file, JSON.stringify({ key, ...compiled, program: compiled.program.toString('base64') }), 0o600);
    } catch {
      // a read-only or full state root still creates containers
    }
    return compiled;
  };
}

/** Two 32-bit FNV-1a lanes (different primes): a file name, not a security boundary. */
function hash64(text: string): string {
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x5bd1e995);
    b ^= b >>> 15;
  }
  return (a >>> 0).toString(16).padStart(8, '0') + (b >>> 0).toString(16).padStart(8, '0');
}
