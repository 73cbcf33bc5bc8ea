import 'reflect-metadata';
import { fork } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { loadConfig } from '../config.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../db/embedded-postgres.js';
import {
  CHUNKS_PER_BUCKET_IN_NODE,
  readPackedSeries,
  SERIES_SQL,
} from '../modules/metrics/metric-curves.sql.js';
import { agent, graphql, must, request, seed } from '../soak/stack.js';
import { measureUploadThroughput } from './upload-throughput.js';

// `npm run bench -w @finetrack/api [-- --json] [-- --both]`: ingest vs COPY, down-sampled reads,
// a trivial query against a bare node:http handler, and a dataset upload (tus) against cp + sync
// of the same file (BENCH_UPLOAD_BYTES, default 1 GiB; medians of 3), on loopback. The API and the bare handler
// run in one child process (bench-server.ts); this process is only the client. It measures the
// embedded PostgreSQL, or the server at DATABASE_URL when set; --both measures the embedded one
// and then DATABASE_URL's (the server users deploy), printing each.

const json = process.argv.includes('--json');
const both = process.argv.includes('--both');
const log = (line: string) => {
  if (!json) console.log(line);
};

/** POST with node:http and keep-alive (the soak's client): cheaper per call than fetch. */
async function post(url: string, body: string, headers: Record<string, string> = {}) {
  const answer = await request(url, { body, headers });
  if (answer.status !== 200) throw new Error(`HTTP ${answer.status}: ${answer.text.slice(0, 300)}`);
  return answer.text;
}

const gql = <T>(url: string, query: string, variables: unknown, headers: Record<string, string>) =>
  must(graphql<T>(url, query, variables, headers));

/** Runs `task` from `concurrency` loops for `seconds`; returns completed calls per second. */
async function throughput(
  task: () => Promise<unknown>,
  seconds: number,
  concurrency: number,
): Promise<number> {
  const end = performance.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < end) {
        await task();
        done++;
      }
    }),
  );
  return done / seconds;
}

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

type Server = 'embedded' | 'DATABASE_URL';

/** Starts the embedded cluster (a temp folder, removed by stop) or names DATABASE_URL's. */
async function clusterOf(server: Server, databaseUrl: string | undefined) {
  if (server === 'DATABASE_URL') return { url: databaseUrl!, stop: async () => undefined };
  const home = await mkdtemp(path.join(tmpdir(), 'finetrack-bench-'));
  await chmod(home, 0o755);
  const embedded: RunningPostgres = await startEmbeddedPostgres(
    home,
    { info: () => undefined, debug: () => undefined },
    { persistent: false },
  );
  return {
    url: embedded.url,
    stop: async () => {
      await embedded.stop();
      await rm(home, { recursive: true, force: true });
    },
  };
}

/** Every measure against one PostgreSQL cluster, in a fresh database of it. */
async function measure(server: Server, databaseUrl: string) {
  // A fresh database in whichever cluster, so numbers never depend on leftovers.
  const admin = new pg.Client({ connectionString: databaseUrl });
  await admin.connect();
  const database = `finetrack_bench_${process.pid}`;
  await admin.query(`DROP DATABASE IF EXISTS ${database}`);
  await admin.query(`CREATE DATABASE ${database}`);
  const benchUrl = new URL(databaseUrl);
  benchUrl.pathname = `/${database}`;

  // The artifact folder and the upload row's test file share one temporary disk, as cp's do.
  const benchFolder = await mkdtemp(path.join(tmpdir(), 'finetrack-bench-'));
  const child = fork(fileURLToPath(new URL('./bench-server.js', import.meta.url)), {
    env: {
      ...process.env,
      BENCH_DATABASE_URL: benchUrl.toString(),
      ARTIFACT_DIR: path.join(benchFolder, 'artifacts'),
    },
    // e.g. BENCH_SERVER_NODE_ARGS="--cpu-prof" to profile the server side alone.
    execArgv: process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [],
  });
  const { apiUrl: url, plainUrl } = await new Promise<{ apiUrl: string; plainUrl: string }>(
    (resolve, reject) => {
      child.once('message', (message) => resolve(message as { apiUrl: string; plainUrl: string }));
      child.once('exit', (code) => reject(new Error(`bench server exited with ${code}`)));
    },
  );
  const stopChild = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.send('stop');
    });
  const direct = new pg.Client({ connectionString: benchUrl.toString() });
  await direct.connect();
  const readPool = new pg.Pool({ connectionString: benchUrl.toString(), max: 1 });
  try {
    // --- fixtures: a user, a token, 100 runs -----------------------------------------------
    const { auth, runIds, teamId } = await seed(url, 10, 10, { includeScratchBaseline: false });

    // --- ingest through logMetrics vs COPY --------------------------------------------------
    const LOG =
      'mutation($r: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $r, points: $p) { written } }';
    const makeBatch = (key: string, size: number, offset: number) =>
      JSON.stringify({
        query: LOG,
        variables: {
          r: runIds[0],
          p: Array.from({ length: size }, (_, i) => ({
            key,
            step: offset + i,
            value: Math.sin(offset + i) * 0.5 + 0.5,
            wallTime: 1_700_000_000 + (offset + i) / 10,
          })),
        },
      });
    /** Seconds to send `total` points in `size`-point batches from `concurrency` writers. */
    const ingest = async (size: number, total: number, concurrency: number, key: string) => {
      const bodies = Array.from({ length: total / size }, (_, b) => makeBatch(key, size, b * size));
      let next = 0;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < bodies.length) {
            const body = bodies[next++];
            await post(`${url}/graphql`, body, auth);
          }
        }),
      );
      return (performance.now() - started) / 1000;
    };
    /** Seconds to COPY `rows` rows into metric_points over a direct connection. */
    const copy = async (rows: number, key: string) => {
      const run = runIds[1];
      const chunks: string[] = [];
      for (let start = 0; start < rows; start += 10_000) {
        let text = '';
        for (let i = start; i < Math.min(rows, start + 10_000); i++)
          text += `${run}\t${key}\t${i}\t${Math.sin(i) * 0.5 + 0.5}\t${1_700_000_000 + i / 10}\n`;
        chunks.push(text);
      }
      const started = performance.now();
      await pipeline(
        Readable.from(chunks),
        direct.query(
          copyFrom('COPY metric_points (run_id, key, step, value, wall_time) FROM STDIN'),
        ),
      );
      return (performance.now() - started) / 1000;
    };
    await ingest(1000, 10_000, 1, 'warmup');
    await copy(10_000, 'warmup_copy');
    // Interleaved rounds, so a burst of load from elsewhere on the machine hits both sides.
    const rounds = 4;
    let ingest1kSeconds = 0;
    let ingest10kSeconds = 0;
    let copySeconds = 0;
    for (let round = 0; round < rounds; round++) {
      ingest1kSeconds += await ingest(1000, 25_000, 1, `ingest_1k_${round}`);
      ingest10kSeconds += await ingest(10_000, 50_000, 1, `ingest_10k_${round}`);
      copySeconds += await copy(50_000, `copy_${round}`);
    }
    const ingest1k = (rounds * 25_000) / ingest1kSeconds;
    const ingest10k = (rounds * 50_000) / ingest10kSeconds;
    const copyRate = (rounds * 50_000) / copySeconds;
    const ingest10kParallel = 200_000 / (await ingest(10_000, 200_000, 2, 'ingest_10k_parallel'));
    await direct.query(
      `DELETE FROM metric_points WHERE key LIKE 'ingest%' OR key LIKE 'copy%' OR key LIKE 'warmup%'`,
    );
    await direct.query(`DELETE FROM metric_chunks WHERE key LIKE 'ingest%' OR key LIKE 'warmup%'`);

    // --- read: 100 runs × 5 keys × 2,000 steps, down-sampled to 200 points ----------------
    const keys = ['loss', 'accuracy', 'val_loss', 'val_accuracy', 'lr'];
    await direct.query(
      `INSERT INTO metric_points (run_id, key, step, value, wall_time)
       SELECT r, k, s, random(), 1700000000 + s FROM unnest($1::uuid[]) r, unnest($2::text[]) k, generate_series(0, 1999) s`,
      [runIds, keys],
    );
    // The same roll-up logMetrics maintains (see the metric-chunks migration).
    await direct.query(
      `INSERT INTO metric_chunks (run_id, key, chunk, n, low, high)
       SELECT run_id, key, step >> 4, count(*), min(ARRAY[value, step, wall_time]), max(ARRAY[value, step, wall_time])
         FROM metric_points WHERE key = ANY($1::text[]) GROUP BY run_id, key, step >> 4`,
      [keys],
    );
    await direct.query('VACUUM ANALYZE metric_points');
    await direct.query('VACUUM ANALYZE metric_chunks');
    const READ =
      'query($r: [ID!]!, $k: [String!]!) { metrics(runIds: $r, keys: $k, maxPoints: 200) { runId key steps values wallTimes } }';
    const readOnce = async () => {
      const started = performance.now();
      const data = await gql<{ metrics: { steps: number[] }[] }>(
        url,
        READ,
        { r: runIds, k: keys },
        auth,
      );
      const ms = performance.now() - started;
      if (data.metrics.length !== 500 || data.metrics.some((series) => series.steps.length > 200))
        throw new Error('down-sampled read returned the wrong shape');
      return ms;
    };
    await readOnce();
    const readTimes: number[] = [];
    for (let i = 0; i < 7; i++) readTimes.push(await readOnce());
    const curves200Ms = median(readTimes);
    // The SQL as the API runs it (readPackedSeries: JIT off), and as the server's settings would
    // run it, to show what JIT costs where the server has it.
    const sqlTimes: number[] = [];
    const serverJitTimes: number[] = [];
    for (let i = 0; i < 5; i++) {
      let started = performance.now();
      await readPackedSeries(readPool, runIds, keys, 200);
      sqlTimes.push(performance.now() - started);
      started = performance.now();
      await direct.query(SERIES_SQL, [runIds, keys, 200, CHUNKS_PER_BUCKET_IN_NODE * 100]);
      serverJitTimes.push(performance.now() - started);
    }
    const curves200SqlMs = median(sqlTimes);
    const pointsReturned = (
      await gql<{ metrics: { steps: number[] }[] }>(url, READ, { r: runIds, k: keys }, auth)
    ).metrics.reduce((sum, series) => sum + series.steps.length, 0);

    // --- trivial query vs a bare node:http handler ------------------------------------------
    const trivialBody = JSON.stringify({ query: '{ __typename }' });
    const concurrency = 16;
    await throughput(() => post(`${url}/graphql`, trivialBody, auth), 1, concurrency);
    await throughput(() => post(plainUrl, trivialBody), 1, concurrency);
    // Each round runs the three in a rotated order, so no side always goes first.
    const sides: { call: () => Promise<unknown>; total: number }[] = [
      { call: () => post(`${url}/graphql`, trivialBody, auth), total: 0 },
      { call: () => post(plainUrl, trivialBody), total: 0 },
      { call: () => post(`${url}/graphql`, trivialBody), total: 0 },
    ];
    for (let round = 0; round < rounds; round++)
      for (let j = 0; j < sides.length; j++) {
        const side = sides[(j + round) % sides.length];
        side.total += await throughput(side.call, 1, concurrency);
      }
    const [apiRps, httpRps, anonymousRps] = sides.map((side) => side.total / rounds);

    // --- dataset upload through tus (hashing and storing included) vs cp ------------------
    const upload = await measureUploadThroughput(url, auth, teamId, benchFolder);

    const result = {
      ingestPointsPerSecond: Math.round(ingest10k),
      ingest1kPointsPerSecond: Math.round(ingest1k),
      ingest10kTwoWritersPointsPerSecond: Math.round(ingest10kParallel),
      copyRowsPerSecond: Math.round(copyRate),
      ingestRatioVsCopy: Number((ingest10k / copyRate).toFixed(3)),
      curves200Ms: Number(curves200Ms.toFixed(1)),
      curves200SqlOnlyMs: Number(curves200SqlMs.toFixed(1)),
      curves200SqlServerJitMs: Number(median(serverJitTimes).toFixed(1)),
      curves200PointsReturned: pointsReturned,
      trivialQueryPerSecond: Math.round(apiRps),
      trivialQueryAnonymousPerSecond: Math.round(anonymousRps),
      plainHttpPerSecond: Math.round(httpRps),
      trivialQueryRatioVsHttp: Number((apiRps / httpRps).toFixed(3)),
      ...upload,
      goals: {
        ingestRatioVsCopy: 0.4,
        curves200Ms: 500,
        trivialQueryRatioVsHttp: 0.35,
        uploadThroughputRatioVsCp: 0.4,
      },
      node: process.version,
      server,
      postgres: (await direct.query<{ server_version: string }>('SHOW server_version')).rows[0]
        .server_version,
      jitAvailable: (await direct.query<{ on: boolean }>('SELECT pg_jit_available() AS on')).rows[0]
        .on,
      loadAverage: os.loadavg().map((load) => Number(load.toFixed(2))),
      at: new Date().toISOString(),
    };

    return result;
  } finally {
    await direct.end();
    await readPool.end();
    await stopChild();
    agent.destroy();
    await rm(benchFolder, { recursive: true, force: true });
    await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`).catch(() => undefined);
    await admin.end();
  }
}

type Result = Awaited<ReturnType<typeof measure>>;

function print(result: Result) {
  const row = (name: string, value: string, goal: string) =>
    log(`${name.padEnd(44)} ${value.padStart(14)}   ${goal}`);
  log('');
  log(`PostgreSQL ${result.postgres} (${result.server}${result.jitAvailable ? ', JIT' : ''})`);
  row('measure', 'value', 'goal');
  row('logMetrics ingest, 1,000-point batches', `${result.ingest1kPointsPerSecond} pts/s`, '');
  row('logMetrics ingest, 10,000-point batches', `${result.ingestPointsPerSecond} pts/s`, '');
  row('  same, two concurrent writers', `${result.ingest10kTwoWritersPointsPerSecond} pts/s`, '');
  row('COPY into metric_points', `${result.copyRowsPerSecond} rows/s`, '');
  row('ingest (10k batches) / COPY', `${(result.ingestRatioVsCopy * 100).toFixed(1)} %`, '≥ 40 %');
  row('100 runs × 5 keys × 2,000 steps → 200 pts', `${result.curves200Ms} ms`, '≤ 500 ms');
  row('  of which the SQL alone (node-pg, parsed)', `${result.curves200SqlOnlyMs} ms`, '');
  row("  the SQL with the server's JIT setting", `${result.curves200SqlServerJitMs} ms`, '');
  row('trivial query (token)', `${result.trivialQueryPerSecond} req/s`, '');
  row('trivial query (anonymous)', `${result.trivialQueryAnonymousPerSecond} req/s`, '');
  row('plain node:http handler', `${result.plainHttpPerSecond} req/s`, '');
  row(
    'trivial query / plain http',
    `${(result.trivialQueryRatioVsHttp * 100).toFixed(1)} %`,
    '≥ 35 %',
  );
  row(
    `dataset upload (tus), ${(result.uploadBytes / 2 ** 20).toFixed(0)} MiB`,
    `${result.uploadMiBPerSecond} MiB/s`,
    '',
  );
  row('cp + sync of the same file', `${result.cpMiBPerSecond} MiB/s`, '');
  row('upload / (cp + sync)', `${(result.uploadThroughputRatioVsCp * 100).toFixed(1)} %`, '≥ 40 %');
  row('  cp into the page cache alone', `${result.cpPageCacheMiBPerSecond} MiB/s`, '');
  row(
    '  upload / page-cache cp',
    `${(result.uploadThroughputRatioVsPageCacheCp * 100).toFixed(1)} %`,
    '',
  );
  log(`(load average ${result.loadAverage.join(' ')} on ${os.cpus().length} cores)`);
}

async function main() {
  const { databaseUrl } = loadConfig({
    ...process.env,
    LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
  });
  if (both && !databaseUrl) throw new Error('--both measures DATABASE_URL too: set it');
  const servers: Server[] = both
    ? ['embedded', 'DATABASE_URL']
    : [databaseUrl ? 'DATABASE_URL' : 'embedded'];
  const results: Result[] = [];
  for (const server of servers) {
    const cluster = await clusterOf(server, databaseUrl);
    try {
      results.push(await measure(server, cluster.url));
    } finally {
      await cluster.stop();
    }
    print(results[results.length - 1]);
  }
  // One object as before (DATABASE_URL's when given); with --both, each server's under servers.
  const output = both ? { ...results[results.length - 1], servers: results } : results[0];
  const outDir = fileURLToPath(new URL('../../bench-results/', import.meta.url));
  await mkdir(outDir, { recursive: true });
  const file = path.join(outDir, 'api-bench.json');
  await writeFile(file, `${JSON.stringify(output, null, 2)}\n`);
  log(`\nwrote ${file}`);
  if (json) console.log(JSON.stringify(output));
}

await main();
