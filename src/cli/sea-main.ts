/**
 * The entry of dist/tsrunc, the single executable built by src/cli/make-launcher.ts: the whole CLI
 * bundled into one CommonJS script that V8 compiled at build time (its code cache is in the
 * executable), so a start reads no JavaScript file and compiles little. Modules the commands import
 * lazily stay lazy: only what a command runs is evaluated.
 */
import path from 'node:path';
import { setPackageRoot } from '../paths.js';
import { main } from './main.js';

// The executable is dist/tsrunc (execPath is already a real path: /proc/self/exe).
setPackageRoot(path.dirname(path.dirname(process.execPath)));
// main() never throws; exit explicitly because a foreground `run` may leave handles behind.
void main(process.argv.slice(2)).then((code) => process.exit(code));
