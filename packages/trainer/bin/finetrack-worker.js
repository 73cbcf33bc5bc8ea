#!/usr/bin/env node
// Thin shim: the command lives in src/worker/cli.ts, compiled to dist/worker/cli.js by `npm run build`.
import process from 'node:process';
import { main } from '../dist/worker/cli.js';

// Exit explicitly: an idle keep-alive socket must not hold a stopped worker open.
process.exit(await main(process.argv.slice(2)));
