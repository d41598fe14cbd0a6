/**
 * Where the package is installed: the one module that knows, so the code runs the same from
 * dist/ (ES modules, where a module has a URL) and from the single executable dist/tsrunc
 * (src/cli/sea-main.ts), whose bundled code has none and is told at start.
 */
import { fileURLToPath } from 'node:url';

let root: string | undefined;

/** The package's root directory (where package.json, addon/ and schemas/ are). */
export function packageRoot(): string {
  root ??= fileURLToPath(new URL('../../', import.meta.url)); // dist/src/paths.js
  return root;
}

/** Sets the root once at start (the executable's entry, from its own path). */
export function setPackageRoot(dir: string): void {
  root = dir;
}
