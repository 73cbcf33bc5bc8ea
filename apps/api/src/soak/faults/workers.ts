import { spawn } from 'node:child_process';
import { readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Fault } from './fault.js';

// Workers that die mid-run: one SIGKILLed after its first checkpoint, one SIGTERMed while
// training. The scenarios live in the trainer's end-to-end suite (real API, real PostgreSQL,
// real finetrack-worker processes, a 4 s lease); this drill runs just those two tests and reports
// their outcome. What each asserts: the run ends SUCCEEDED on a second worker (attempts 2 after
// kill -9, resumed from the checkpoint; QUEUED at once after SIGTERM) and every metric key is
// one contiguous series of 3 epochs × 10 steps with no step twice.

const TRAINER = fileURLToPath(new URL('../../../../../packages/trainer/', import.meta.url));

interface VitestJson {
  numPassedTests: number;
  numFailedTests: number;
  testResults: {
    assertionResults: {
      title: string;
      status: string;
      duration?: number;
      failureMessages: string[];
    }[];
  }[];
}

export const workersKilled: Fault = async () => {
  const output = path.join(tmpdir(), `finetrack-worker-drill-${process.pid}.json`);
  const args = [
    'vitest',
    'run',
    '-c',
    'test/vitest.config.ts',
    'test/e2e/worker-e2e.test.ts',
    '-t',
    'kill -9|SIGTERM',
    '--reporter=json',
    `--outputFile=${output}`,
  ];
  const started = performance.now();
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn('npx', args, { cwd: TRAINER, stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('exit', resolve);
    child.on('error', () => resolve(null));
  });
  const seconds = (performance.now() - started) / 1000;
  let report: VitestJson;
  try {
    report = JSON.parse(await readFile(output, 'utf8')) as VitestJson;
  } catch {
    return {
      name: 'workers-killed',
      status: 'failed',
      summary: `the trainer's e2e suite did not produce a report (exit ${code}); is @finetrack/trainer built?`,
      details: { command: `cd packages/trainer && npx ${args.join(' ')}` },
    };
  } finally {
    await rm(output, { force: true });
  }
  const tests = report.testResults
    .flatMap((file) => file.assertionResults)
    .filter((test) => test.status !== 'skipped' && test.status !== 'pending');
  const figures = tests.map((test) => ({
    test: test.title,
    status: test.status,
    seconds: Number(((test.duration ?? 0) / 1000).toFixed(1)),
    failure: test.failureMessages[0]?.split('\n')[0],
  }));
  const passed = tests.length === 2 && tests.every((test) => test.status === 'passed');
  return {
    name: 'workers-killed',
    status: passed ? 'passed' : 'failed',
    summary: figures
      .map((f) => `${f.test.split(':')[0]}: ${f.status} in ${f.seconds} s`)
      .join('; '),
    details: {
      tests: figures,
      suiteSeconds: Number(seconds.toFixed(1)),
      asserted:
        'second worker finishes the run (SUCCEEDED; attempts 2 after kill -9 and "resuming after epoch 1|2"; QUEUED right after SIGTERM), each key one contiguous series of 30 steps, 0 duplicates',
      command: `cd packages/trainer && npx ${args.join(' ')}`,
    },
  };
};
