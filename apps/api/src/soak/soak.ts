import 'reflect-metadata';
import {
  agent,
  graphql,
  machine,
  percentile,
  seed,
  sleep,
  startApi,
  startStack,
  writeResult,
  type Fixtures,
} from './stack.js';

// `npm run soak` (root) or `npm run soak -w @finetrack/api`: 50 clients on loopback for 60 s —
// 20 simulated workers sending logMetrics batches and 30 readers of the experiment's grid, runs
// table and curves — then the exactly-once count in SQL. Exits non-zero when a goal is missed.
// SOAK_SECONDS / --seconds=N shortens it for a smoke run; see readOptions for the other knobs.

interface Options {
  seconds: number;
  clients: number;
  workers: number;
  /** Steps per logMetrics batch; each step carries KEYS.length points. */
  batchSteps: number;
  /**
   * Each worker sends one batch per interval (the trainer's shipper flushes every 2 s), each
   * reader reads once per interval (the web page polls every 5 s): the defaults, 1 s each, are
   * twice and five times as busy as real clients. Paced clients, not a flood: a slow answer
   * delays that client's next call (so p99 under-reports a saturated server; watch req/s too).
   */
  writeIntervalMs: number;
  readIntervalMs: number;
  /** Every n-th batch is sent a second time, like a client retrying after a lost answer. */
  resendEvery: number;
  /** Calls in the first seconds warm the server up (JIT, pools, caches): made, not timed. */
  warmupSeconds: number;
  p99GoalMs: number;
  json: boolean;
}

function readOptions(): Options {
  const flag = (name: string) =>
    process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  const number = (name: string, env: string, fallback: number) => {
    const raw = flag(name) ?? process.env[env];
    if (raw === undefined || raw === '') return fallback;
    const value = Number(raw);
    if (!Number.isFinite(value) || value < 0) throw new Error(`${env} must be a number ≥ 0`);
    return value;
  };
  const options = {
    seconds: number('seconds', 'SOAK_SECONDS', 60),
    clients: number('clients', 'SOAK_CLIENTS', 50),
    workers: number('workers', 'SOAK_WORKERS', 20),
    batchSteps: number('batch-steps', 'SOAK_BATCH_STEPS', 25),
    writeIntervalMs: number('write-interval', 'SOAK_WRITE_INTERVAL_MS', 1000),
    readIntervalMs: number('read-interval', 'SOAK_READ_INTERVAL_MS', 1000),
    resendEvery: number('resend-every', 'SOAK_RESEND_EVERY', 10),
    warmupSeconds: number('warmup', 'SOAK_WARMUP_SECONDS', 5),
    p99GoalMs: number('p99-goal', 'SOAK_P99_GOAL_MS', 250),
    json: process.argv.includes('--json'),
  };
  if (options.workers > options.clients) throw new Error('more workers than clients');
  return options;
}

export const KEYS = ['loss', 'accuracy', 'val_loss', 'val_accuracy'];

/** The value a simulated worker logs for (key, step): checkable in SQL afterwards. */
export const expectedValue = (keyIndex: number, step: number) =>
  keyIndex + ((step * 7919) % 1000) / 1000;
const EXPECTED_VALUE_SQL = `(array_position($2::text[], key) - 1)::float8 + ((step::bigint * 7919) % 1000)::float8 / 1000::float8`;

const LOG_METRICS =
  'mutation($r: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $r, points: $p) { written } }';
const GRID =
  'query($id: ID!) { experiment(id: $id) { id grid(metric: "val_accuracy", summary: BEST) { metric lowerIsBetter cells { frozenLayers learningRate runCount totalRuns mean std best gainOverScratch } scratch { runCount totalRuns mean std best } } } }';
const TABLE =
  'query($id: ID!) { experiment(id: $id) { id runs(first: 500, orderBy: { field: CREATED_AT, direction: ASC }) { nodes { id status initialization frozenLayers learningRate seed epochs batchSize optimizer bestValAccuracy lastValAccuracy bestValLoss lastValLoss bestEpoch wallSeconds samplesPerSecond attempts createdAt startedAt finishedAt } pageInfo { hasNextPage endCursor } } } }';
const CURVES =
  'query($r: [ID!]!, $k: [String!]!) { metrics(runIds: $r, keys: $k, maxPoints: 200) { runId key steps values } }';

type Operation = 'logMetrics' | 'grid' | 'table' | 'curves';

class Recorder {
  readonly latencies = new Map<Operation, number[]>();
  readonly errors = new Map<string, number>();
  warmupCalls = 0;
  constructor(private readonly timedFrom: number) {}
  count(operation: Operation, ms: number) {
    if (performance.now() - ms < this.timedFrom) {
      this.warmupCalls++;
      return;
    }
    let list = this.latencies.get(operation);
    if (!list) this.latencies.set(operation, (list = []));
    list.push(ms);
  }
  error(operation: Operation, what: string) {
    const key = `${operation}: ${what}`;
    this.errors.set(key, (this.errors.get(key) ?? 0) + 1);
  }
}

/** One simulated worker: a batch of batchSteps steps × KEYS per interval, retried until acked. */
async function worker(
  url: string,
  fixtures: Fixtures,
  runId: string,
  options: Options,
  deadline: number,
  recorder: Recorder,
) {
  let nextStep = 0;
  let batches = 0;
  let resent = 0;
  let acknowledged = 0;
  await sleep(Math.random() * options.writeIntervalMs);
  while (performance.now() < deadline) {
    const started = performance.now();
    const points = [];
    for (let step = nextStep; step < nextStep + options.batchSteps; step++)
      for (let k = 0; k < KEYS.length; k++)
        points.push({ key: KEYS[k], step, value: expectedValue(k, step), wallTime: 1.7e9 + step });
    const sends = options.resendEvery > 0 && (batches + 1) % options.resendEvery === 0 ? 2 : 1;
    let ok = true;
    for (let send = 0; send < sends; send++) {
      try {
        const answer = await graphql<{ logMetrics: { written: number } }>(
          url,
          LOG_METRICS,
          { r: runId, p: points },
          fixtures.auth,
        );
        if (answer.code || answer.data?.logMetrics.written !== points.length) {
          ok = false;
          recorder.error('logMetrics', answer.code ?? `written ${answer.data?.logMetrics.written}`);
        } else recorder.count('logMetrics', answer.ms);
      } catch (error) {
        ok = false;
        recorder.error('logMetrics', (error as Error).message);
      }
      if (send === 1) resent++;
    }
    batches++;
    // Only an acknowledged batch moves the worker on; a failed one is sent again next time.
    if (ok) {
      nextStep += options.batchSteps;
      acknowledged += points.length;
    }
    await sleep(Math.max(0, options.writeIntervalMs - (performance.now() - started)));
  }
  return { runId, ackedSteps: nextStep, acknowledged, batches, resent };
}

/** One reader: grid, table and curves in turn, one read per interval. */
async function reader(
  url: string,
  fixtures: Fixtures,
  index: number,
  options: Options,
  deadline: number,
  recorder: Recorder,
) {
  const operations: Operation[] = ['grid', 'table', 'curves'];
  let turn = index;
  await sleep(Math.random() * options.readIntervalMs);
  while (performance.now() < deadline) {
    const started = performance.now();
    const operation = operations[turn++ % operations.length];
    try {
      const runs = fixtures.runIds;
      const offset = (turn * 7) % runs.length;
      const answer =
        operation === 'grid'
          ? await graphql(url, GRID, { id: fixtures.experimentId }, fixtures.auth)
          : operation === 'table'
            ? await graphql(url, TABLE, { id: fixtures.experimentId }, fixtures.auth)
            : await graphql(
                url,
                CURVES,
                {
                  r: [...runs.slice(offset), ...runs.slice(0, offset)].slice(0, 8),
                  k: ['loss', 'val_accuracy'],
                },
                fixtures.auth,
              );
      if (answer.code) recorder.error(operation, answer.code);
      else recorder.count(operation, answer.ms);
    } catch (error) {
      recorder.error(operation, (error as Error).message);
    }
    await sleep(Math.max(0, options.readIntervalMs - (performance.now() - started)));
  }
}

async function main() {
  const options = readOptions();
  const log = (line = '') => {
    if (!options.json) console.log(line);
  };
  const before = machine();
  const stack = await startStack('soak');
  const api = await startApi(stack.databaseUrl, {
    FINETRACK_HOME: stack.home,
    ARTIFACT_DIR: `${stack.home}/artifacts`,
  });
  let failed = false;
  try {
    const fixtures = await seed(api.url);
    if (fixtures.runIds.length < options.workers)
      throw new Error(`only ${fixtures.runIds.length} runs for ${options.workers} workers`);
    log(
      `soak: ${options.clients} clients (${options.workers} workers, ${options.clients - options.workers} readers) for ${options.warmupSeconds} + ${options.seconds} s against ${api.url}`,
    );
    const started = performance.now();
    const recorder = new Recorder(started + options.warmupSeconds * 1000);
    const deadline = started + (options.warmupSeconds + options.seconds) * 1000;
    const [workers] = await Promise.all([
      Promise.all(
        fixtures.runIds
          .slice(0, options.workers)
          .map((runId) => worker(api.url, fixtures, runId, options, deadline, recorder)),
      ),
      Promise.all(
        Array.from({ length: options.clients - options.workers }, (_, i) =>
          reader(api.url, fixtures, i, options, deadline, recorder),
        ),
      ),
    ]);
    const elapsed = (performance.now() - started) / 1000 - options.warmupSeconds;

    // --- exactly once: what was acknowledged against what is stored ----------------------
    const runIds = workers.map((w) => w.runId);
    const ackedSteps = workers.map((w) => w.ackedSteps);
    const acknowledged = workers.reduce((sum, w) => sum + w.acknowledged, 0);
    const [counts] = (
      await stack.sql.query<{
        stored: string;
        distinct_points: string;
        acked_stored: string;
        wrong_values: string;
        beyond_acked: string;
      }>(
        `WITH acked AS (SELECT * FROM unnest($1::uuid[], $3::int[]) AS a(run_id, upto))
         SELECT count(*) AS stored,
                count(DISTINCT (p.run_id, p.key, p.step)) AS distinct_points,
                count(*) FILTER (WHERE p.step < a.upto) AS acked_stored,
                count(*) FILTER (WHERE p.value <> ${EXPECTED_VALUE_SQL}) AS wrong_values,
                count(*) FILTER (WHERE p.step >= a.upto) AS beyond_acked
           FROM metric_points p JOIN acked a ON a.run_id = p.run_id`,
        [runIds, KEYS, ackedSteps],
      )
    ).rows;
    const [rollUp] = (
      await stack.sql.query<{ chunk_points: string }>(
        'SELECT coalesce(sum(n), 0) AS chunk_points FROM metric_chunks WHERE run_id = ANY($1::uuid[])',
        [runIds],
      )
    ).rows;
    const exactlyOnce = {
      acknowledged,
      storedAcknowledged: Number(counts.acked_stored),
      stored: Number(counts.stored),
      duplicates: Number(counts.stored) - Number(counts.distinct_points),
      missing: acknowledged - Number(counts.acked_stored),
      wrongValues: Number(counts.wrong_values),
      // A batch whose answer was cut off at the deadline may be stored without an ack: allowed.
      storedNotAcknowledged: Number(counts.beyond_acked),
      rollUpPoints: Number(rollUp.chunk_points),
      resentBatches: workers.reduce((sum, w) => sum + w.resent, 0),
    };

    const operations = [...recorder.latencies.keys()].sort();
    const all = [...recorder.latencies.values()].flat().sort((a, b) => a - b);
    const errorCount = [...recorder.errors.values()].reduce((sum, n) => sum + n, 0);
    const perOperation = Object.fromEntries(
      operations.map((operation) => {
        const sorted = [...recorder.latencies.get(operation)!].sort((a, b) => a - b);
        return [
          operation,
          {
            requests: sorted.length,
            perSecond: Number((sorted.length / elapsed).toFixed(1)),
            p50Ms: Number(percentile(sorted, 50).toFixed(1)),
            p99Ms: Number(percentile(sorted, 99).toFixed(1)),
            maxMs: Number(sorted[sorted.length - 1].toFixed(1)),
          },
        ];
      }),
    );
    const result = {
      options: { ...options, json: undefined },
      seconds: Number(elapsed.toFixed(1)),
      requests: all.length,
      requestsPerSecond: Number((all.length / elapsed).toFixed(1)),
      pointsPerSecond: Math.round(
        (recorder.latencies.get('logMetrics')?.length ?? 0) *
          ((options.batchSteps * KEYS.length) / elapsed),
      ),
      p50Ms: Number(percentile(all, 50).toFixed(1)),
      p99Ms: Number(percentile(all, 99).toFixed(1)),
      errors: errorCount,
      errorKinds: Object.fromEntries(recorder.errors),
      warmupCalls: recorder.warmupCalls,
      perOperation,
      exactlyOnce,
      apiStderr: api.stderr.slice(-20),
      machineBefore: before,
      machineAfter: machine(),
    };
    const goals = {
      noErrors: errorCount === 0,
      p99: result.p99Ms <= options.p99GoalMs,
      exactlyOnce:
        exactlyOnce.missing === 0 &&
        exactlyOnce.duplicates === 0 &&
        exactlyOnce.wrongValues === 0 &&
        exactlyOnce.rollUpPoints === exactlyOnce.stored,
    };
    failed = !goals.noErrors || !goals.p99 || !goals.exactlyOnce;

    const lines = [
      `| operation | requests | req/s | p50 ms | p99 ms | max ms |`,
      `| --- | ---: | ---: | ---: | ---: | ---: |`,
      ...operations.map((operation) => {
        const o = perOperation[operation];
        return `| ${operation} | ${o.requests} | ${o.perSecond} | ${o.p50Ms} | ${o.p99Ms} | ${o.maxMs} |`;
      }),
      `| **all** | ${result.requests} | ${result.requestsPerSecond} | ${result.p50Ms} | ${result.p99Ms} | |`,
    ];
    const markdown = [
      `# Soak, ${result.machineAfter.at}`,
      '',
      `${options.clients} clients (${options.workers} workers sending ${options.batchSteps * KEYS.length}-point batches every ${options.writeIntervalMs} ms, ${options.clients - options.workers} readers every ${options.readIntervalMs} ms) for ${result.seconds} s after a ${options.warmupSeconds} s warm-up (${recorder.warmupCalls} calls, errors counted, not timed); ${before.cores} cores, load average before ${before.loadAverage.join(' ')}, after ${result.machineAfter.loadAverage.join(' ')}.`,
      '',
      ...lines,
      '',
      `Errors: ${errorCount}${errorCount ? ` (${JSON.stringify(result.errorKinds)})` : ''}. Ingest: ${result.pointsPerSecond} points/s.`,
      '',
      `Exactly once: ${exactlyOnce.acknowledged} points acknowledged, ${exactlyOnce.storedAcknowledged} of them stored, ${exactlyOnce.missing} missing, ${exactlyOnce.duplicates} duplicates, ${exactlyOnce.wrongValues} wrong values; ${exactlyOnce.resentBatches} batches sent twice; roll-up counts ${exactlyOnce.rollUpPoints} of ${exactlyOnce.stored} stored points; ${exactlyOnce.storedNotAcknowledged} stored without an answer (cut off at the deadline).`,
      '',
      `Goals: no errors ${goals.noErrors ? 'met' : 'MISSED'}; p99 ≤ ${options.p99GoalMs} ms ${goals.p99 ? 'met' : 'MISSED'}; exactly once ${goals.exactlyOnce ? 'met' : 'MISSED'}.`,
      '',
    ].join('\n');
    log('');
    log(markdown);
    const file = await writeResult('soak', { ...result, goals }, markdown);
    log(`wrote ${file}`);
    if (options.json) console.log(JSON.stringify({ ...result, goals }));
  } catch (error) {
    failed = true;
    console.error(error);
  } finally {
    await api.stop();
    agent.destroy();
    await stack.close();
  }
  process.exit(failed ? 1 : 0);
}

await main();
