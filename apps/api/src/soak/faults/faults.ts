import 'reflect-metadata';
import { agent, machine, writeResult } from '../stack.js';
import type { Fault, FaultResult } from './fault.js';
import { apiKilledDuringUpload, diskFull } from './artifacts.js';
import { pgCrash, pgRestart } from './pg-restart.js';
import { spoolDiskFull } from './spool.js';
import { workersKilled } from './workers.js';

// `npm run faults` (root) or `npm run faults -w @finetrack/api [-- name …]`: each drill scripted
// and repeatable, each printing its result; exits non-zero when a drill failed or could not run.

const FAULTS: Record<string, Fault> = {
  'pg-restart': pgRestart,
  'pg-crash': pgCrash,
  'api-killed-during-upload': apiKilledDuringUpload,
  'disk-full': diskFull,
  'spool-disk-full': spoolDiskFull,
  'workers-killed': workersKilled,
};

async function main() {
  const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
  for (const name of wanted)
    if (!FAULTS[name]) throw new Error(`unknown drill ${name}; known: ${Object.keys(FAULTS)}`);
  const names = wanted.length > 0 ? wanted : Object.keys(FAULTS);
  const results: FaultResult[] = [];
  const before = machine();
  for (const name of names) {
    console.log(`\n▶ ${name}`);
    const started = performance.now();
    let result: FaultResult;
    try {
      result = { ...(await FAULTS[name]()), seconds: 0 };
    } catch (error) {
      result = {
        name,
        status: 'failed',
        summary: `the drill itself failed: ${(error as Error).message}`,
        details: { stack: (error as Error).stack },
        seconds: 0,
      };
    }
    result.seconds = Number(((performance.now() - started) / 1000).toFixed(1));
    results.push(result);
    console.log(`${result.status.toUpperCase()} ${name} (${result.seconds} s): ${result.summary}`);
    console.log(JSON.stringify(result.details, null, 2));
  }
  agent.destroy();
  const file = await writeResult(
    wanted.length === 1 ? `faults-${wanted[0]}` : 'faults',
    { machineBefore: before, machineAfter: machine(), results },
    [
      '| drill | result | seconds | summary |',
      '| --- | --- | ---: | --- |',
      ...results.map((r) => `| ${r.name} | ${r.status} | ${r.seconds} | ${r.summary} |`),
      '',
    ].join('\n'),
  );
  console.log(`\nwrote ${file}`);
  process.exit(results.every((r) => r.status === 'passed') ? 0 : 1);
}

await main();
