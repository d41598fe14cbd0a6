// The CLI with one crash point armed from TSRUNC_CRASH_AT (src/runtime/faults.ts). Tests only:
// the dist/tsrunc executable is built from src/cli/sea-main.ts and never arms a point.
import { armCrashPoint } from '../../src/runtime/faults.js';
import { main } from '../../src/cli/main.js';

armCrashPoint(process.env.TSRUNC_CRASH_AT);
process.exit(await main(process.argv.slice(2)));
