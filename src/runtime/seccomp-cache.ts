/**
 * Compiled seccomp profiles, cached in the state root by the hash of what libseccomp is asked.
 *
 * Every `create` compiles its profile, and libseccomp takes about 14 ms for podman's default one
 * on the machines here (bench/seccomp.mjs): a hit costs a hash and a file read instead. The cache
 * lives under the state root, and only while that root is its owner's alone (StateStore.cacheDir):
 * a filter read from a cache others could write would be theirs. A cache that cannot be read or
 * written is never an error: it compiles.
 */
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { native } from '../native.js';
import type { CompiledSeccomp, SeccompContext } from '../plan/seccomp.js';
import { writeFileAtomic } from '../state/store.js';
import { TSRUNC_VERSION } from '../version.js';

/** Bumped whenever what the addon produces for the same request changes. */
const CACHE_FORMAT = 1;
/** More entries than any real mix of clients' profiles: beyond it the cache starts over. */
const MAX_ENTRIES = 256;

/** A compiler that uses the cache in `dir`, or compiles every time without one. */
export function cachingSeccompCompiler(dir: string | undefined, compile: SeccompContext['compile'] = (p) => native().compileSeccomp(p)): SeccompContext['compile'] {
  if (!dir) return compile;
  return (profile) => {
    const request = JSON.stringify(profile, (_, v: unknown) => (typeof v === 'bigint' ? v.toString() : v));
    const key = createHash('sha256')
      .update(`${CACHE_FORMAT}\0${TSRUNC_VERSION}\0${process.arch}\0${native().seccompInfo([]).version}\0${request}`)
      .digest('hex');
    const file = path.join(dir, `${key}.json`);
    try {
      const cached = JSON.parse(fs.readFileSync(file, 'utf8')) as Omit<CompiledSeccomp, 'program'> & { program: string };
      return { ...cached, program: Buffer.from(cached.program, 'base64') };
    } catch {
      // not cached yet (or unreadable): compile
    }
    const compiled = compile(profile);
    try {
      fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
      if (fs.readdirSync(dir).length >= MAX_ENTRIES) {
        for (const old of fs.readdirSync(dir)) fs.rmSync(path.join(dir, old), { force: true });
      }
      writeFileAtomic(file, JSON.stringify({ ...compiled, program: compiled.program.toString('base64') }), 0o600);
    } catch {
      // a read-only or full state root still creates containers
    }
    return compiled;
  };
}
