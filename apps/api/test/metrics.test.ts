import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from './harness.js';
import { aTeam, anExperiment, aUser, LOG_METRICS, runIds } from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { SERIES_SQL, type PackedSeries } from '../src/modules/metrics/metric-curves.sql.js';
import { downsampleChunks } from '../src/modules/metrics/metric-downsampling.js';

let t: TestServer;
let client: ApiClient;
let teamId: string;
beforeAll(async () => {
  t = await startTestServer();
  ({ client } = await aUser(t.url));
  teamId = (await aTeam(client)).id;
});
afterAll(async () => {
  await t?.stop();
});

const SERIES = `query($runIds: [ID!]!, $keys: [String!]!, $maxPoints: Int) {
  metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) { runId key steps values wallTimes }
}`;

const curve = (key: string, steps: number, value: (step: number) => number) =>
  Array.from({ length: steps }, (_, step) => ({
    key,
    step,
    value: value(step),
    wallTime: 1_700_000_000 + step,
  }));

async function stored(runId: string) {
  return t.sql(
    `SELECT key, step, value, wall_time FROM metric_points WHERE run_id = $1 ORDER BY key, step`,
    [runId],
  );
}

describe('logMetrics', () => {
  it('writes a batch and the same batch again leaves the same rows', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    const points = [
      ...curve('loss', 50, (s) => 1 / (s + 1)),
      ...curve('val_accuracy', 50, (s) => s / 50),
    ];
    const first = await client.gql(LOG_METRICS, { runId, points });
    expect(first.logMetrics).toEqual({ runId, written: 100 });
    const before = await stored(runId);
    await client.gql(LOG_METRICS, { runId, points });
    expect(await stored(runId)).toEqual(before);
    expect(before).toHaveLength(100);
  });

  it('the same (key, step) again overwrites, also inside one batch (last wins)', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    await client.gql(LOG_METRICS, { runId, points: [{ key: 'loss', step: 1, value: 1 }] });
    await client.gql(LOG_METRICS, {
      runId,
      points: [
        { key: 'loss', step: 1, value: 2 },
        { key: 'loss', step: 1, value: 3 },
      ],
    });
    const rows = await stored(runId);
    expect(rows).toEqual([{ key: 'loss', step: 1, value: 3, wall_time: expect.any(Number) }]);
  });

  it('two concurrent writers to one run lose nothing', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    const writers = Array.from({ length: 4 }, (_, writer) =>
      Array.from({ length: 5 }, (_, batch) =>
        // Overlapping keys and interleaved steps, so the writers touch the same index pages.
        ['loss', 'val_loss'].flatMap((key) =>
          Array.from({ length: 500 }, (_, i) => ({
            key,
            step: (batch * 500 + i) * 4 + writer,
            value: writer,
          })),
        ),
      ),
    );
    await Promise.all(
      writers.map(async (batches) => {
        for (const points of batches) await client.gql(LOG_METRICS, { runId, points });
      }),
    );
    const [{ n }] = await t.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM metric_points WHERE run_id = $1`,
      [runId],
    );
    expect(n).toBe(4 * 5 * 2 * 500);
  });

  it('concurrent writers sending overlapping batches all succeed and leave one row per step', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    const batch = (from: number) =>
      ['loss', 'val_loss'].flatMap((key) => curve(key, 400, (s) => s).slice(from, from + 300));
    await Promise.all(
      [0, 100, 0, 100].map((from) => client.gql(LOG_METRICS, { runId, points: batch(from) })),
    );
    const [{ n }] = await t.sql<{ n: number }>(
      `SELECT count(*)::int AS n FROM metric_points WHERE run_id = $1`,
      [runId],
    );
    expect(n).toBe(2 * 400);
  });

  it('accepts exactly 10,000 points in one call', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    const result = await client.gql(LOG_METRICS, {
      runId,
      points: curve('loss', 10_000, (s) => s),
    });
    expect(result.logMetrics.written).toBe(10_000);
  });
});

describe('metrics down-sampling', () => {
  it('returns short curves whole, ordered by step', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    await client.gql(LOG_METRICS, {
      runId,
      points: curve('val_accuracy', 10, (s) => s / 10).reverse(),
    });
    const data = await client.gql(SERIES, { runIds: [runId], keys: ['val_accuracy', 'missing'] });
    expect(data.metrics).toEqual([
      {
        runId,
        key: 'val_accuracy',
        steps: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        values: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9],
        wallTimes: Array.from({ length: 10 }, (_, s) => 1_700_000_000 + s),
      },
    ]);
  });

  it('keeps each curve under maxPoints and keeps spikes (bucket min and max)', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [a, b] = await runIds(client, experiment.id);
    const smooth = (s: number) => Math.sin(s / 100);
    await client.gql(LOG_METRICS, {
      runId: a,
      points: curve('loss', 5000, (s) => (s === 3137 ? 50 : s === 4242 ? -50 : smooth(s))),
    });
    await client.gql(LOG_METRICS, { runId: b, points: curve('loss', 3000, smooth) });
    const data = await client.gql(SERIES, { runIds: [a, b], keys: ['loss'], maxPoints: 100 });
    expect(data.metrics.map((series: { runId: string }) => series.runId)).toEqual([a, b]);
    for (const series of data.metrics) {
      expect(series.steps.length).toBeLessThanOrEqual(100);
      expect(series.steps.length).toBeGreaterThan(50);
      expect(series.values).toHaveLength(series.steps.length);
      expect([...series.steps].sort((x, y) => x - y)).toEqual(series.steps);
    }
    const spiky = data.metrics[0];
    expect(spiky.steps[spiky.values.indexOf(50)]).toBe(3137);
    expect(spiky.steps[spiky.values.indexOf(-50)]).toBe(4242);
    expect(Math.max(...data.metrics[1].values)).toBeCloseTo(1, 3);
  });

  it("never exceeds maxPoints (odd ones too) and keeps every curve's lowest and highest point", async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    const value = (s: number) => Math.sin(s * 12.9898) * 43758.5453 - Math.floor(s / 3);
    const points = curve('noisy', 2000, value);
    await client.gql(LOG_METRICS, { runId, points });
    await client.gql(LOG_METRICS, { runId, points: curve('exact', 7, (s) => s) });
    const lowest = Math.min(...points.map((p) => p.value));
    const highest = Math.max(...points.map((p) => p.value));
    for (const maxPoints of [2, 3, 7, 199, 200, 1999, 2000]) {
      const data = await client.gql(SERIES, {
        runIds: [runId],
        keys: ['noisy', 'exact'],
        maxPoints,
      });
      const [noisy, exact] = data.metrics;
      expect(noisy.key).toBe('noisy');
      expect(noisy.steps.length).toBeLessThanOrEqual(maxPoints);
      expect(noisy.values).toContain(lowest);
      expect(noisy.values).toContain(highest);
      for (let i = 0; i < noisy.steps.length; i++) {
        expect(noisy.steps[i]).toBeGreaterThan(i > 0 ? noisy.steps[i - 1] : -1);
        expect(noisy.values[i]).toBe(value(noisy.steps[i]));
        expect(noisy.wallTimes[i]).toBe(1_700_000_000 + noisy.steps[i]);
      }
      // A curve of at most maxPoints points comes back whole, else down-sampled.
      if (maxPoints >= 2000) expect(noisy.steps).toEqual(points.map((p) => p.step));
      if (maxPoints >= 7) expect(exact.values).toEqual([0, 1, 2, 3, 4, 5, 6]);
      else expect(exact.steps.length).toBeLessThanOrEqual(maxPoints);
    }
  });

  it('buckets a curve the same in SQL (curves spanning many chunks) as in Node', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    const value = (s: number) =>
      Math.sin(s * 7.3) + (s % 97 === 0 ? 5 : 0) - (s % 89 === 0 ? 5 : 0);
    await client.gql(LOG_METRICS, { runId, points: curve('loss', 3000, value) });
    await client.gql(LOG_METRICS, { runId, points: curve('loss', 5, (s) => s + 0.5).slice(3) });
    for (const maxPoints of [2, 9, 100, 2999]) {
      // $4 is how many chunks a curve may span before it is bucketed in SQL: 0 always, 1e9 never.
      const [inSql, inNode] = await Promise.all(
        [0, 1e9].map((limit) =>
          t.sql<PackedSeries>(SERIES_SQL, [[runId], ['loss'], maxPoints, limit]),
        ),
      );
      expect(inSql[0].numbers.byteLength).toBeLessThanOrEqual(maxPoints * 24);
      expect(inNode[0].numbers.byteLength).toBe(Math.ceil(3000 / 16) * 48);
      const unpack = ([row]: PackedSeries[]) =>
        downsampleChunks(row.numbers, maxPoints, row.lo, row.hi);
      expect(unpack(inSql)).toEqual(unpack(inNode));
      expect(unpack(inNode).steps.length).toBeLessThanOrEqual(maxPoints);
    }
  });

  it('returns curves in the order asked, runs first, then keys', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [a, b] = await runIds(client, experiment.id);
    for (const runId of [a, b])
      await client.gql(LOG_METRICS, {
        runId,
        points: [...curve('x', 300, (s) => s), ...curve('y', 20, (s) => -s)],
      });
    const data = await client.gql(SERIES, {
      runIds: [b, a, b],
      keys: ['y', 'nothing', 'x'],
      maxPoints: 50,
    });
    expect(data.metrics.map((s: { runId: string; key: string }) => `${s.runId}/${s.key}`)).toEqual([
      `${b}/y`,
      `${b}/x`,
      `${a}/y`,
      `${a}/x`,
    ]);
  });

  it('defaults maxPoints to 500 (long curves: at most two points per 16-step roll-up chunk)', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    await client.gql(LOG_METRICS, { runId, points: curve('loss', 2000, (s) => s % 7) });
    const data = await client.gql(SERIES, { runIds: [runId], keys: ['loss'] });
    expect(data.metrics[0].steps.length).toBeLessThanOrEqual(500);
    expect(data.metrics[0].steps.length).toBeGreaterThanOrEqual(2000 / 16);
  });
});

describe('experiment grid', () => {
  it('aggregates seeds per (frozenLayers, learningRate) with the scratch baseline and gain', async () => {
    const { experiment } = await anExperiment(client, teamId, {
      frozenLayers: [0, 2],
      learningRates: [0.01],
      seeds: [1, 2],
    });
    const runs = (
      await client.gql(
        `query($id: ID!) { experiment(id: $id) { runs(first: 100) { nodes { id frozenLayers initialization seed } } } }`,
        {
          id: experiment.id,
        },
      )
    ).experiment.runs.nodes as {
      id: string;
      frozenLayers: number;
      initialization: string;
      seed: number;
    }[];
    // val_accuracy curves: best and last differ, so BEST and LAST give different tables.
    const finals: Record<string, [number, number]> = {
      'PRETRAINED-0-1': [0.9, 0.85],
      'PRETRAINED-0-2': [0.8, 0.75],
      'PRETRAINED-2-1': [0.7, 0.7],
      'PRETRAINED-2-2': [0.7, 0.6],
      'SCRATCH-0-1': [0.5, 0.4],
      'SCRATCH-0-2': [0.6, 0.6],
    };
    for (const run of runs) {
      const [best, last] = finals[`${run.initialization}-${run.frozenLayers}-${run.seed}`];
      await client.gql(LOG_METRICS, {
        runId: run.id,
        points: [
          { key: 'val_accuracy', step: 0, value: 0.1 },
          { key: 'val_accuracy', step: 1, value: best },
          { key: 'val_accuracy', step: 2, value: last },
        ],
      });
    }
    const query = `query($id: ID!, $summary: GridSummary!, $metric: String!) { experiment(id: $id) { grid(metric: $metric, summary: $summary) {
      lowerIsBetter cells { frozenLayers learningRate runCount mean std best gainOverScratch } scratch { runCount mean std best } } } }`;
    const best = (
      await client.gql(query, { id: experiment.id, summary: 'BEST', metric: 'val_accuracy' })
    ).experiment.grid;
    expect(best.lowerIsBetter).toBe(false);
    expect(best.scratch).toEqual({
      runCount: 2,
      mean: expect.closeTo(0.55, 9),
      std: expect.closeTo(Math.SQRT1_2 * 0.1, 9),
      best: 0.6,
    });
    expect(best.cells).toEqual([
      {
        frozenLayers: 0,
        learningRate: 0.01,
        runCount: 2,
        mean: expect.closeTo(0.85, 9),
        std: expect.closeTo(Math.SQRT1_2 * 0.1, 9),
        best: 0.9,
        gainOverScratch: expect.closeTo(0.3, 9),
      },
      {
        frozenLayers: 2,
        learningRate: 0.01,
        runCount: 2,
        mean: expect.closeTo(0.7, 9),
        std: 0,
        best: 0.7,
        gainOverScratch: expect.closeTo(0.15, 9),
      },
    ]);
    const last = (
      await client.gql(query, { id: experiment.id, summary: 'LAST', metric: 'val_accuracy' })
    ).experiment.grid;
    expect(last.cells[1]).toMatchObject({ mean: expect.closeTo(0.65, 9), best: 0.7 });
    expect(last.scratch.mean).toBeCloseTo(0.5, 9);
    const empty = (
      await client.gql(query, { id: experiment.id, summary: 'BEST', metric: 'val_loss' })
    ).experiment.grid;
    expect(empty.lowerIsBetter).toBe(true);
    expect(empty.cells[0]).toMatchObject({ runCount: 0, mean: null, gainOverScratch: null });
  });
});

describe('metric roll-up', () => {
  it('stays equal to a recompute from the points after new points, overwrites and concurrent writers', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    const write = (points: { key: string; step: number; value: number }[]) =>
      client.gql(LOG_METRICS, { runId, points });
    await write(curve('loss', 100, (s) => s));
    await write(curve('loss', 50, (s) => -s)); // overwrites steps 0–49 with lower values
    await write([{ key: 'loss', step: 7, value: 1000 }]); // a spike inside a chunk, overwriting
    await Promise.all([
      write(curve('loss', 300, (s) => s % 13).slice(100)),
      write(curve('val_loss', 300, (s) => s % 5)),
      write(curve('loss', 60, (s) => 5 - s).slice(40)), // overwrites while the others append
    ]);
    const expected = await t.sql(
      `SELECT key, step >> 4 AS chunk, count(*)::int AS n, min(ARRAY[value, step, wall_time]) AS low, max(ARRAY[value, step, wall_time]) AS high
         FROM metric_points WHERE run_id = $1 GROUP BY key, step >> 4 ORDER BY key, chunk`,
      [runId],
    );
    const actual = await t.sql(
      `SELECT key, chunk, n, low, high FROM metric_chunks WHERE run_id = $1 ORDER BY key, chunk`,
      [runId],
    );
    expect(actual).toEqual(expected);
    // The packed copy the down-sampled read uses follows every change of low and high.
    const stale = await t.sql(
      `SELECT chunk FROM metric_chunks WHERE run_id = $1 AND packed <> float8send(low[2])
         || float8send(low[1]) || float8send(low[3]) || float8send(high[2]) || float8send(high[1])
         || float8send(high[3])`,
      [runId],
    );
    expect(stale).toEqual([]);
  });

  it('keys with tabs, newlines and backslashes survive the COPY path', async () => {
    const { experiment } = await anExperiment(client, teamId);
    const [runId] = await runIds(client, experiment.id);
    const key = 'drift/a\tb\nc\\d';
    await client.gql(LOG_METRICS, { runId, points: [{ key, step: 3, value: 0.5 }] });
    expect(await t.sql('SELECT key FROM metric_points WHERE run_id = $1', [runId])).toEqual([
      { key },
    ]);
  });
});
