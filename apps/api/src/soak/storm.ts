import 'reflect-metadata';
import {
  agent,
  graphql,
  machine,
  percentile,
  seed,
  startApi,
  startStack,
  writeResult,
  type Fixtures,
} from './stack.js';

// `npm run soak:storm -w @finetrack/api`: how much one team's write storm slows another team.
// Team B reads its grid back to back, first alone, then while team A's writers send overwriting
// 10,000-point batches as fast as they are answered — once with the per-team write limit
// (TEAM_MAX_CONCURRENT_WRITES, default 3) and once with it lifted, for comparison. Prints team
// B's latency in each phase and writes bench-results/storm.json.

const flag = (name: string, fallback: number) => {
  const raw = process.argv.find((arg) => arg.startsWith(`--${name}=`))?.split('=')[1];
  return raw === undefined ? fallback : Number(raw);
};
const SECONDS = flag('seconds', 10);
const WRITERS = flag('writers', 16);
const json = process.argv.includes('--json');

const GRID =
  'query($id: ID!) { experiment(id: $id) { grid(metric: "val_accuracy", summary: BEST) { cells { frozenLayers learningRate mean } } } }';
const LOG_METRICS =
  'mutation($r: ID!, $p: [MetricPointInput!]!) { logMetrics(runId: $r, points: $p) { written } }';

/** The same 10,000 points every time: after the first batch each one overwrites. */
const BATCH = Array.from({ length: 10_000 }, (_, i) => ({
  key: `k${i % 10}`,
  step: Math.floor(i / 10),
  value: i / 10_000,
}));

async function readLoop(url: string, fixtures: Fixtures, until: number): Promise<number[]> {
  const latencies: number[] = [];
  while (performance.now() < until) {
    const answer = await graphql(url, GRID, { id: fixtures.experimentId }, fixtures.auth);
    if (!answer.code) latencies.push(answer.ms);
  }
  return latencies.sort((a, b) => a - b);
}

async function writeLoop(url: string, fixtures: Fixtures, runId: string, until: number) {
  const counts = { written: 0, limited: 0, other: 0 };
  while (performance.now() < until) {
    const answer = await graphql(url, LOG_METRICS, { r: runId, p: BATCH }, fixtures.auth);
    if (!answer.code) counts.written++;
    else if (answer.code === 'RATE_LIMITED') counts.limited++;
    else counts.other++;
  }
  return counts;
}

async function phase(url: string, a: Fixtures, b: Fixtures, storm: boolean) {
  const until = performance.now() + SECONDS * 1000;
  const [reads, writes] = await Promise.all([
    readLoop(url, b, until),
    storm
      ? Promise.all(
          Array.from({ length: WRITERS }, (_, i) =>
            writeLoop(url, a, a.runIds[i % a.runIds.length], until),
          ),
        )
      : Promise.resolve([]),
  ]);
  const total = (key: 'written' | 'limited' | 'other') =>
    writes.reduce((sum, counts) => sum + counts[key], 0);
  return {
    reads: reads.length,
    p50Ms: Number(percentile(reads, 50).toFixed(1)),
    p99Ms: Number(percentile(reads, 99).toFixed(1)),
    batchesWritten: total('written'),
    batchesRateLimited: total('limited'),
    batchesFailed: total('other'),
  };
}

async function measure(limit: string) {
  const stack = await startStack('storm');
  const api = await startApi(stack.databaseUrl, {
    FINETRACK_HOME: stack.home,
    ARTIFACT_DIR: `${stack.home}/artifacts`,
    TEAM_MAX_CONCURRENT_WRITES: limit,
  });
  try {
    const a = await seed(api.url, 4, 4, { user: 'storm-a' });
    const b = await seed(api.url, 4, 4, { user: 'storm-b' });
    // Team B's runs get points, so its grid has something to summarise.
    for (const runId of b.runIds)
      await graphql(api.url, LOG_METRICS, { r: runId, p: BATCH.slice(0, 100) }, b.auth);
    const alone = await phase(api.url, a, b, false);
    const storm = await phase(api.url, a, b, true);
    return { limit: Number(limit), alone, storm };
  } finally {
    await api.stop();
    await stack.close();
  }
}

const before = machine();
const limited = await measure('3');
const unlimited = await measure('1000');
agent.destroy();
const result = { seconds: SECONDS, writers: WRITERS, limited, unlimited, before, after: machine() };
const row = (name: string, p: { reads: number; p50Ms: number; p99Ms: number }) =>
  `| ${name} | ${p.reads} | ${p.p50Ms} | ${p.p99Ms} |`;
const markdown = [
  `# Another team's reads during one team's write storm, ${result.after.at}`,
  '',
  `${WRITERS} writers of team A send overwriting 10,000-point batches for ${SECONDS} s while team B reads its grid back to back; load average before ${before.loadAverage.join(' ')}, after ${result.after.loadAverage.join(' ')}.`,
  '',
  '| team B grid reads | reads | p50 ms | p99 ms |',
  '| --- | ---: | ---: | ---: |',
  row('alone', limited.alone),
  row('storm, TEAM_MAX_CONCURRENT_WRITES=3', limited.storm),
  row('storm, no per-team limit (1000)', unlimited.storm),
  '',
  `Team A's batches: ${limited.storm.batchesWritten} written and ${limited.storm.batchesRateLimited} RATE_LIMITED with the limit; ${unlimited.storm.batchesWritten} written without it.`,
  '',
].join('\n');
if (!json) console.log(markdown);
await writeResult('storm', result, markdown);
if (json) console.log(JSON.stringify(result));
