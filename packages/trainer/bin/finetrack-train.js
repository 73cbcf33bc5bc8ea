#!/usr/bin/env node
// Thin shim: the command lives in src/cli.ts, compiled to dist/cli.js by `npm run build`.
import process from 'node:process';
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
