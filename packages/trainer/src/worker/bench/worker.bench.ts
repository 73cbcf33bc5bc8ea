import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { METRICS_APPENDED } from '@finetrack/shared';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { createExperiment, runStatuses, setUpTeam, type TeamFixture } from './fixture.js';
import { startApi } from './local-api.js';
import { makeSourceModel } from './source-model.js';

// Sweep throughput with one and with two local worker processes, and the time from
// createExperiment to the first metric seen through a metricsAppended subscription. Real API
// (embedded PostgreSQL) and real `finetrack-worker --concurrency N` processes.
//   npm run bench:worker -w @finetrack/trainer [-- --runs 12 --train-samples 3000 --rounds 3 --json]
// Runs of 3,000 samples take a few seconds, so training, not the fixed cost of each run (claim,
// uploads, registering the model: ~0.5 CPU-s of worker and API), decides what a sweep costs;
// --train-samples 640 gives one-second runs where that fixed cost is about 40 % of the work.

interface Options {
  runs: number;
  trainSamples: number;
  /**
   * Pairs of rounds, in ABBA order (1, 2, 2, 1 workers…) so drifting load hits both alike. Three
   * by default: the median then stands even if one round is off (the first round of a fresh API
   * sometimes runs ~10 % slow, and with two pairs it would count half in the one-worker median).
   */
  rounds: number;
  json: boolean;
}

function parseOptions(argv: string[]): Options {
  const value = (name: string, fallback: number) => {
    const index = argv.indexOf(name);
    if (index < 0) return fallback;
    const number = Number(argv[index + 1]);
    if (!Number.isInteger(number) || number < 1)
      throw new Error(`${name} needs a positive integer`);
    return number;
  };
  return {
    runs: value('--runs', 12),
    trainSamples: value('--train-samples', 3000),
    rounds: value('--rounds', 3),
    json: argv.includes('--json'),
  };
}

interface RoundResult {
  workers: number;
  runs: number;
  seconds: number;
  runsPerMinute: number;
  firstMetricMs: number | null;
  /** CPU seconds the worker processes used per wall second: the cores they actually got. */
  workerCores: number;
  /** CPU seconds of the API process and its embedded PostgreSQL per run of the timed sweep. */
  apiCpuSecondsPerRun: number;
  /** Worker processes' CPU seconds per run of the timed sweep. */
  workerCpuSecondsPerRun: number;
  /** createExperiment sent → first run leased. */
  firstClaimSeconds: number;
  /** Share of the workers' sweep time spent inside runs. */
  busyShare: number;
  /** Worker-seconds idle at the end while another worker finished its last run. */
  tailSeconds: number;
}

const WORKER_CLI = fileURLToPath(new URL('../cli.js', import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** `count` runs: frozen depths × learning rates, all distinct cells. */
function sweepOf(count: number): Record<string, unknown> {
  const frozenLayers = [0, 2, 3];
  const perDepth = Math.ceil(count / frozenLayers.length);
  const learningRates = Array.from({ length: perDepth }, (_, i) => 0.001 * (i + 1));
  return { frozenLayers, learningRates };
}

/** Clock ticks per second of /proc's CPU times (USER_HZ; 100 on Linux). */
const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU seconds used so far by `pid` and every process below it, from /proc: each live process's
 * own user + system time plus what its exited, reaped children used (cutime + cstime), so the
 * short-lived PostgreSQL backends and finished worker children still count.
 */
function treeCpuSeconds(pid: number): number {
  const processes = new Map<number, { parent: number; ticks: number }>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    let stat: string;
    try {
      stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // The command name (field 2) may hold spaces and parentheses: fields start after the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const [utime, stime, cutime, cstime] = fields.slice(11, 15).map(Number);
    processes.set(Number(entry), {
      parent: Number(fields[1]),
      ticks: utime + stime + cutime + cstime,
    });
  }
  const inTree = new Set([pid]);
  for (let grown = true; grown;) {
    grown = false;
    for (const [child, { parent }] of processes)
      if (inTree.has(parent) && !inTree.has(child)) {
        inTree.add(child);
        grown = true;
      }
  }
  let ticks = 0;
  for (const member of inTree) ticks += processes.get(member)?.ticks ?? 0;
  return ticks / CLOCK_TICKS;
}

/**
 * Waits until every run of the experiment succeeded. `pollMs` is kept coarse while a sweep is
 * timed: each poll is a GraphQL query, and on two cores a tight loop takes CPU from the workers.
 */
async function waitForAll(
  team: TeamFixture,
  experimentId: string,
  timeoutMs: number,
  pollMs = 100,
) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const statuses = await runStatuses(team, experimentId);
    if (statuses.every((status) => status === 'SUCCEEDED')) return;
    if (statuses.some((status) => status === 'FAILED' || status === 'CANCELLED'))
      throw new Error(`a run ended ${statuses.join(', ')}`);
    if (Date.now() > deadline) throw new Error(`runs still ${statuses.join(', ')}`);
    await sleep(pollMs);
  }
}

interface Timeline {
  /** When the last run finished, epoch milliseconds (the API's clock). */
  end: number;
  /** createExperiment sent → the first run leased, seconds. */
  firstClaimSeconds: number;
  /** Share of workers × sweep time spent inside runs (leased → finished). */
  busyShare: number;
  /** Worker-seconds idle after a worker's last run while another still trained. */
  tailSeconds: number;
}

/**
 * Where the sweep's worker time went, from each run's lease (`startedAt`), `finishedAt` and
 * `workerId` as the API recorded them.
 */
async function timelineOf(
  team: TeamFixture,
  experimentId: string,
  startedAt: number,
  workers: number,
): Promise<Timeline> {
  const { runs } = await team.user.gql(
    `query($id: ID!) { runs(experimentId: $id, first: 1000) { nodes { workerId startedAt finishedAt } } }`,
    { id: experimentId },
  );
  const spans = (
    runs.nodes as { workerId: string | null; startedAt: string; finishedAt: string }[]
  ).map((run) => ({
    worker: run.workerId ?? '?',
    start: new Date(run.startedAt).getTime(),
    end: new Date(run.finishedAt).getTime(),
  }));
  const end = Math.max(...spans.map((span) => span.end));
  const lastByWorker = new Map<string, number>();
  for (const span of spans)
    lastByWorker.set(span.worker, Math.max(lastByWorker.get(span.worker) ?? 0, span.end));
  // A worker that got no run at all idles the whole sweep.
  const idleWorkers = Math.max(0, workers - lastByWorker.size);
  let tail = idleWorkers * (end - startedAt);
  for (const last of lastByWorker.values()) tail += end - last;
  const busy = spans.reduce((sum, span) => sum + span.end - span.start, 0);
  return {
    end,
    firstClaimSeconds: (Math.min(...spans.map((span) => span.start)) - startedAt) / 1000,
    busyShare: busy / (workers * (end - startedAt)),
    tailSeconds: tail / 1000,
  };
}

/** Resolves with the time of the first metricsAppended event of any of `runIds`. */
function firstMetric(client: Client, runIds: string[]): { at: Promise<number>; stop(): void } {
  const disposers: (() => void)[] = [];
  const at = new Promise<number>((resolve, reject) => {
    for (const runId of runIds)
      disposers.push(
        client.subscribe(
          { query: String(METRICS_APPENDED), variables: { runId } },
          { next: () => resolve(performance.now()), error: reject, complete: () => undefined },
        ),
      );
  });
  return { at, stop: () => disposers.forEach((dispose) => dispose()) };
}

async function round(
  team: TeamFixture,
  apiPid: number,
  apiUrl: string,
  workDir: string,
  workers: number,
  options: Options,
  datasetId: string,
): Promise<RoundResult> {
  const child: ChildProcess = spawn(
    process.execPath,
    [WORKER_CLI, '--api', apiUrl, '--work-dir', workDir, '--concurrency', String(workers)],
    {
      env: { ...process.env, FINETRACK_WORKER_TOKEN: team.workerToken, FINETRACK_BACKEND: 'wasm' },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let log = '';
  child.stderr!.on('data', (chunk: Buffer) => (log += chunk.toString('utf8')));
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const subscriptions = createClient({
    url: `${apiUrl.replace(/^http/, 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${team.user.token}` },
    lazy: false,
  });
  try {
    // Ready: every process has loaded TensorFlow.js and asks for work.
    const deadline = Date.now() + 120_000;
    while ((log.match(/ on wasm /g) ?? []).length < workers) {
      if (Date.now() > deadline) throw new Error(`workers did not start:\n${log}`);
      await sleep(100);
    }
    // Warm-up: each process's first run pays for kernel compilation and the dataset read.
    const warmUp = await createExperiment(
      team,
      {
        frozenLayers: [1],
        learningRates: Array.from({ length: workers * 2 }, (_, i) => 0.01 + i * 0.001),
      },
      { datasetId },
    );
    await waitForAll(team, warmUp.id, 300_000);

    const cpuBefore = treeCpuSeconds(child.pid!);
    const apiCpuBefore = treeCpuSeconds(apiPid);
    const started = performance.now();
    const startedAt = Date.now();
    const { id, runIds } = await createExperiment(team, sweepOf(options.runs), { datasetId });
    const watch = firstMetric(subscriptions, runIds);
    let timer: NodeJS.Timeout | undefined;
    const firstAt = await Promise.race([
      watch.at,
      new Promise<null>((resolve) => {
        timer = setTimeout(() => resolve(null), 120_000);
      }),
    ]);
    clearTimeout(timer);
    await waitForAll(team, id, 600_000, 1_000);
    // The sweep ends when its last run finished, as the API recorded it (same clock, same
    // machine), not when the coarse poll noticed.
    const timeline = await timelineOf(team, id, startedAt, workers);
    const seconds = (timeline.end - startedAt) / 1000;
    const workerCpu = treeCpuSeconds(child.pid!) - cpuBefore;
    const apiCpu = treeCpuSeconds(apiPid) - apiCpuBefore;
    watch.stop();
    return {
      workers,
      runs: runIds.length,
      seconds,
      runsPerMinute: (runIds.length / seconds) * 60,
      firstMetricMs: firstAt === null ? null : firstAt - started,
      workerCores: workerCpu / seconds,
      apiCpuSecondsPerRun: apiCpu / runIds.length,
      workerCpuSecondsPerRun: workerCpu / runIds.length,
      firstClaimSeconds: timeline.firstClaimSeconds,
      busyShare: timeline.busyShare,
      tailSeconds: timeline.tailSeconds,
    };
  } finally {
    await subscriptions.dispose();
    child.kill('SIGTERM');
    await exited;
  }
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const home = await mkdtemp(join(tmpdir(), 'finetrack-worker-bench-'));
  await chmod(home, 0o755); // embedded PostgreSQL runs as the postgres user when we are root
  const api = await startApi(join(home, 'api'));
  try {
    const source = await makeSourceModel(join(home, 'source'));
    const team = await setUpTeam(api, source, 'bench@example.test');
    const datasetId = await team.createDataset(options.trainSamples);
    const results: RoundResult[] = [];
    const order = Array.from({ length: options.rounds }, (_, i) =>
      i % 2 === 0 ? [1, 2] : [2, 1],
    ).flat();
    for (const [index, workers] of order.entries())
      results.push(
        await round(
          team,
          api.child.pid!,
          api.url,
          join(home, `round-${index}`),
          workers,
          options,
          datasetId,
        ),
      );
    const median = (workers: number) => {
      const values = results
        .filter((result) => result.workers === workers)
        .map((result) => result.runsPerMinute)
        .sort((a, b) => a - b);
      const middle = Math.floor(values.length / 2);
      return values.length % 2 === 1 ? values[middle] : (values[middle - 1] + values[middle]) / 2;
    };
    const speedup = median(2) / median(1);
    const cell = (text: string, width: number) => text.padEnd(width);
    const rows = results.map(
      (result) =>
        `| ${cell(String(result.workers), 7)} | ${cell(String(result.runs), 4)} | ${cell(result.seconds.toFixed(1), 7)} | ${cell(result.runsPerMinute.toFixed(1), 8)} | ${cell(result.workerCores.toFixed(2), 12)} | ${cell(result.workerCpuSecondsPerRun.toFixed(2), 15)} | ${cell(result.apiCpuSecondsPerRun.toFixed(3), 15)} | ${cell(result.firstMetricMs === null ? '—' : `${(result.firstMetricMs / 1000).toFixed(2)} s`, 14)} |`,
    );
    const lines = [
      `Worker benchmark: ${options.runs}-run sweep, 1 epoch, ${options.trainSamples} MNIST samples per run, small-cnn, wasm`,
      `machine: ${cpus().length} cores (${cpus()[0]?.model ?? 'unknown'}), load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')}`,
      '',
      '| workers | runs | seconds | runs/min | worker cores | worker CPU/run  | API+PG CPU/run  | first metric   |',
      '| ------- | ---- | ------- | -------- | ------------ | --------------- | --------------- | -------------- |',
      ...rows,
      '',
      'worker cores: CPU seconds of the worker processes per wall second (what the scheduler gave them);',
      'CPU/run: CPU seconds per run of the timed sweep (worker processes; the API with its PostgreSQL);',
      'first metric: createExperiment sent → first metricsAppended event on the subscription.',
      '',
      '| workers | first lease | in runs | idle at the end |',
      '| ------- | ----------- | ------- | --------------- |',
      ...results.map(
        (result) =>
          `| ${cell(String(result.workers), 7)} | ${cell(`${result.firstClaimSeconds.toFixed(2)} s`, 11)} | ${cell(`${(result.busyShare * 100).toFixed(1)} %`, 7)} | ${cell(`${result.tailSeconds.toFixed(2)} worker-s`, 15)} |`,
      ),
      '',
      'first lease: createExperiment sent → first run leased; in runs: share of workers × sweep',
      'time between a lease and that run finishing; idle at the end: worker-seconds after a',
      "worker's last run while another still trained.",
      `two workers / one worker (median runs/min): ${speedup.toFixed(2)}× (goal ≥ 1.7×: ${speedup >= 1.7 ? 'met' : 'not met'})`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
    if (options.json)
      process.stdout.write(
        `${JSON.stringify({
          benchmark: 'worker',
          runs: options.runs,
          trainSamples: options.trainSamples,
          cores: cpus().length,
          results,
          runsPerMinute: { oneWorker: median(1), twoWorkers: median(2) },
          speedup,
          goal: 1.7,
          goalMet: speedup >= 1.7,
        })}\n`,
      );
  } finally {
    await api.stop();
    await rm(home, { recursive: true, force: true });
  }
}

await main();
