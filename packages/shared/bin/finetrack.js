#!/usr/bin/env node
// The `finetrack` command; the code lives in dist/cli (npm run build -w @finetrack/shared).
import { main, processIo } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2), processIo());
