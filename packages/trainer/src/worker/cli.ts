import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ExitCode, LOCAL_WORKER_TOKEN_FILE } from '@finetrack/shared';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseBackendName, type BackendName } from '../backend/select-backend.js';
import { checkHealth } from './health.js';
import { stopWhenOrphaned, Supervisor } from './supervisor.js';
import { Worker, WorkerStartError } from './worker.js';

export interface WorkerCliStreams {
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

/** Where a worker keeps its spool and downloads unless told: `$FINETRACK_HOME/worker`. */
export function defaultWorkDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.FINETRACK_WORKER_DIR) return resolve(env.FINETRACK_WORKER_DIR);
  return resolve(env.FINETRACK_HOME || '.finetrack', 'worker');
}

function positiveInteger(value: string): number {
  const number = Number(value);
  if (!Number.isInteger(number) || number < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return number;
}

function nonNegativeNumber(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0)
    throw new InvalidArgumentError('expected a number ≥ 0');
  return number;
}

function backendArgument(value: string): BackendName {
  try {
    return parseBackendName(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function apiUrlArgument(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidArgumentError(`'${value}' is not a URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new InvalidArgumentError('the API URL must be http:// or https://');
  return value;
}

interface RunCliOptions {
  api: string;
  token?: string;
  tokenFile?: string;
  concurrency: number;
  backend?: BackendName;
  workDir: string;
  maxRuns?: number;
  claimWait: number;
  waitForApi?: boolean;
  name?: string;
  slot?: number;
  /** A supervised child: the supervisor's --concurrency, which the child announces. */
  hostConcurrency?: number;
}

/**
 * Forwards SIGTERM/SIGINT to the worker; a second signal exits at once. Signals within the first
 * two seconds count as one: Ctrl-C reaches a supervised child both from the terminal and from its
 * supervisor, and that must still release the run.
 */
function onSignals(stop: (signal: NodeJS.Signals) => void): () => void {
  let first: number | undefined;
  const handler = (signal: NodeJS.Signals) => {
    if (first !== undefined) {
      if (Date.now() - first > 2000) process.exit(130);
      return;
    }
    first = Date.now();
    stop(signal);
  };
  process.on('SIGTERM', handler);
  process.on('SIGINT', handler);
  return () => {
    process.off('SIGTERM', handler);
    process.off('SIGINT', handler);
  };
}

async function runWorker(options: RunCliOptions, streams: WorkerCliStreams): Promise<number> {
  const env = process.env;
  const tokenFile =
    options.tokenFile ??
    (options.token === undefined && env.FINETRACK_HOME
      ? join(env.FINETRACK_HOME, LOCAL_WORKER_TOKEN_FILE)
      : undefined);
  if (options.token === undefined && tokenFile === undefined)
    throw new WorkerStartError(
      'give the worker an API token with role WORKER: --token, --token-file, FINETRACK_WORKER_TOKEN or FINETRACK_WORKER_TOKEN_FILE',
    );
  const workDir = resolve(options.workDir);
  const log = (line: string) =>
    streams.stderr.write(
      `${new Date().toISOString()} worker${options.slot !== undefined ? `[${options.slot}]` : ''} ${line}\n`,
    );

  if (options.concurrency > 1) {
    const script = fileURLToPath(import.meta.url);
    const supervisor = new Supervisor({
      concurrency: options.concurrency,
      script,
      log,
      argumentsFor: (slot) => [
        '--api',
        options.api,
        ...(tokenFile ? ['--token-file', tokenFile] : []),
        '--work-dir',
        workDir,
        '--claim-wait',
        String(options.claimWait),
        ...(options.backend ? ['--backend', options.backend] : []),
        ...(options.maxRuns !== undefined ? ['--max-runs', String(options.maxRuns)] : []),
        ...(options.waitForApi ? ['--wait-for-api'] : []),
        ...(options.name !== undefined ? ['--name', options.name] : []),
        '--slot',
        String(slot),
        '--host-concurrency',
        String(options.concurrency),
      ],
    });
    // The children read the token from the environment rather than from argv (visible in ps).
    if (options.token !== undefined) env.FINETRACK_WORKER_TOKEN = options.token;
    log(`starting ${options.concurrency} worker processes`);
    const dispose = onSignals((signal) => supervisor.stop(signal));
    await supervisor.run();
    dispose();
    return ExitCode.Ok;
  }

  const worker = new Worker({
    apiUrl: options.api,
    token: options.token,
    tokenFile,
    workDir,
    slot: options.slot,
    name: options.name,
    concurrency: options.hostConcurrency ?? options.concurrency,
    backend: options.backend,
    maxRuns: options.maxRuns,
    claimWaitSeconds: options.claimWait,
    waitForApi: options.waitForApi,
    log,
  });
  const dispose = onSignals(() => worker.shutdown());
  const unwatch = stopWhenOrphaned(() => {
    log('the supervisor is gone; stopping');
    worker.shutdown();
  });
  try {
    return await worker.run();
  } finally {
    unwatch();
    dispose();
  }
}

function createProgram(streams: WorkerCliStreams, result: { code: number }): Command {
  const env = process.env;
  const program = new Command('finetrack-worker')
    .description(
      'Claims queued runs from the Finetrack API and trains them (pretraining and fine-tuning), ' +
        'streaming metrics, checkpoints and the final model back. SIGTERM checkpoints, releases ' +
        'the run to the queue and exits.',
    )
    .configureOutput({
      writeOut: (text) => streams.stdout.write(text),
      writeErr: (text) => streams.stderr.write(text),
    })
    .exitOverride()
    .enablePositionalOptions()
    .addOption(
      new Option('--api <url>', 'API base URL (env FINETRACK_API_URL)')
        .argParser(apiUrlArgument)
        .default(env.FINETRACK_API_URL || `http://127.0.0.1:${env.PORT || 4000}`),
    )
    .addOption(
      new Option(
        '--token <token>',
        'worker API token (env FINETRACK_WORKER_TOKEN; prefer it or --token-file: argv shows in ps)',
      ).default(env.FINETRACK_WORKER_TOKEN || undefined),
    )
    .addOption(
      new Option(
        '--token-file <path>',
        `file holding the token (env FINETRACK_WORKER_TOKEN_FILE; default $FINETRACK_HOME/${LOCAL_WORKER_TOKEN_FILE}); waited for when missing`,
      ).default(env.FINETRACK_WORKER_TOKEN_FILE || undefined),
    )
    .addOption(
      new Option(
        '--concurrency <n>',
        'worker processes (wasm is single-threaded: one per core) (env FINETRACK_WORKER_CONCURRENCY)',
      )
        .argParser(positiveInteger)
        .default(env.FINETRACK_WORKER_CONCURRENCY ? Number(env.FINETRACK_WORKER_CONCURRENCY) : 1),
    )
    .addOption(
      new Option(
        '--backend <name>',
        'TensorFlow.js backend: wasm, cpu, node, node-gpu (env FINETRACK_BACKEND)',
      ).argParser(backendArgument),
    )
    .addOption(
      new Option(
        '--work-dir <dir>',
        'spool, downloads and checkpoints (env FINETRACK_WORKER_DIR; default $FINETRACK_HOME/worker)',
      ).default(defaultWorkDir(env)),
    )
    .addOption(new Option('--max-runs <n>', 'exit after this many runs').argParser(positiveInteger))
    .addOption(
      new Option('--claim-wait <seconds>', 'long-poll time of a claim')
        .argParser(nonNegativeNumber)
        .default(10),
    )
    .addOption(
      new Option('--wait-for-api', 'wait until <api>/healthz answers before claiming (npm start)'),
    )
    .addOption(
      new Option(
        '--name <name>',
        'what the workers page calls this worker (env FINETRACK_WORKER_NAME; default the hostname)',
      ).default(env.FINETRACK_WORKER_NAME || undefined),
    )
    .addOption(new Option('--slot <n>').argParser(Number).hideHelp())
    .addOption(new Option('--host-concurrency <n>').argParser(positiveInteger).hideHelp())
    .action(async (options: RunCliOptions) => {
      result.code = await runWorker(options, streams);
    });

  program
    .command('healthcheck')
    .description('exit 0 when a worker of the work folder wrote its heartbeat recently')
    .addOption(
      new Option('--work-dir <dir>', 'the worker’s --work-dir').default(defaultWorkDir(env)),
    )
    .addOption(
      new Option('--max-age <seconds>', 'oldest acceptable heartbeat')
        .argParser(nonNegativeNumber)
        .default(60),
    )
    .action(async (options: { workDir: string; maxAge: number }) => {
      const verdict = await checkHealth(resolve(options.workDir), options.maxAge * 1000);
      (verdict.healthy ? streams.stdout : streams.stderr).write(`${verdict.message}\n`);
      result.code = verdict.healthy ? ExitCode.Ok : ExitCode.Failure;
    });
  return program;
}

/** `finetrack-worker …`; resolves to the exit code. */
export async function main(
  argv: string[],
  streams: WorkerCliStreams = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const result = { code: ExitCode.Ok as number };
  const program = createProgram(streams, result);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return result.code;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    if (error instanceof WorkerStartError) {
      streams.stderr.write(`error: ${error.message}\n`);
      return ExitCode.Usage;
    }
    streams.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
    return ExitCode.Failure;
  }
}

// Run when executed directly (the supervisor starts its children this way).
if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
