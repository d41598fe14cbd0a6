#!/usr/bin/env node
// The `tsrunc` executable. main() never throws; exit explicitly because a foreground `run` may
// leave its thread-pool wait or signal handlers behind.
import { main } from './main.js';

process.exit(await main(process.argv.slice(2)));
