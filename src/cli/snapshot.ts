/**
 * The entry of the CLI's start-up snapshot (in the dist/tsrunc executable, built by
 * src/cli/make-launcher.ts): the whole CLI is bundled into one script, evaluated once at build
 * time, and V8 serializes the resulting heap. `tsrunc` then starts by deserializing it, with no
 * JavaScript to read, parse or evaluate. Nothing here may open a handle or read the environment
 * at build time: the main function below runs at each start, not when the snapshot is made.
 * Modules the commands import lazily stay lazy: evaluating all of them here makes a bigger heap
 * to deserialize at every start, which costs `state` more (3 ms) than it saves.
 */
import path from 'node:path';
import v8 from 'node:v8';
import { setPackageRoot } from '../paths.js';
import { main } from './main.js';

v8.startupSnapshot.setDeserializeMainFunction(async () => {
  // The executable is dist/tsrunc (execPath is already a real path: /proc/self/exe).
  setPackageRoot(path.dirname(path.dirname(process.execPath)));
  process.exit(await main(process.argv.slice(2)));
});
