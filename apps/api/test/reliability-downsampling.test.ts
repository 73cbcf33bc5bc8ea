import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHUNK_BITS } from '../src/modules/metrics/metric-rollup.js';
import { aTeam, anExperiment, aUser, LOG_METRICS, runIds } from './factories/builders.js';
import type { ApiClient } from './factories/client.js';
import { startTestServer, type TestServer } from './harness.js';

// Property tests of the metric down-sampler, end to end: points go in through logMetrics (which
// maintains the roll-up) and come out of the metrics query (SQL, then Node for short curves), on
// a real PostgreSQL. The contract, from the metrics service: a curve of at most maxPoints points
// comes back whole; a longer one is cut into at most maxPoints/2 buckets of whole 16-step chunks
// spread evenly over its first…last chunk, and each bucket keeps its lowest and highest point.

let t: TestServer;
let client: ApiClient;
let runId: string;
beforeAll(async () => {
  t = await startTestServer();
  ({ client } = await aUser(t.url));
  const teamId = (await aTeam(client)).id;
  const { experiment } = await anExperiment(client, teamId);
  [runId] = await runIds(client, experiment.id);
});
afterAll(async () => {
  await t?.stop();
});

const SERIES = `query($runIds: [ID!]!, $keys: [String!]!, $maxPoints: Int!) {
  metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) { steps values }
}`;

interface Point {
  step: number;
  value: number;
}

/** A curve: increasing steps with random gaps (sparse and dense), values with spikes. */
const curveArbitrary = fc
  .record({
    start: fc.integer({ min: 0, max: 5000 }),
    points: fc.array(
      fc.record({
        gap: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 60 })),
        value: fc.oneof(
          fc.double({ min: -1, max: 1, noNaN: true }),
          fc.double({ min: -1e12, max: 1e12, noNaN: true }),
        ),
      }),
      { minLength: 1, maxLength: 1500 },
    ),
  })
  .map(({ start, points }) => {
    let step = start;
    return points.map(({ gap, value }, i): Point => {
      if (i > 0) step += gap;
      return { step, value: Object.is(value, -0) ? 0 : value };
    });
  });

/** Which bucket a step falls in, as the contract defines it. */
function bucketOf(step: number, lo: number, hi: number, maxPoints: number) {
  const half = Math.floor(maxPoints / 2);
  return Math.floor((((step >> CHUNK_BITS) - lo) * half) / (hi - lo + 1));
}

let keyCounter = 0;

describe('metric down-sampler (fast-check, real PostgreSQL)', () => {
  it('never exceeds maxPoints, keeps every bucket’s min and max, and only real points in step order', async () => {
    await fc.assert(
      fc.asyncProperty(
        curveArbitrary,
        fc.integer({ min: 2, max: 120 }),
        fc.nat(),
        async (curve, maxPoints, splitSeed) => {
          const key = `prop_${keyCounter++}`;
          const points = curve.map((p) => ({ key, step: p.step, value: p.value, wallTime: 1 }));
          // Two batches, so the roll-up is also merged across writes.
          const split = splitSeed % (points.length + 1);
          for (const batch of [points.slice(0, split), points.slice(split)])
            if (batch.length > 0) await client.gql(LOG_METRICS, { runId, points: batch });
          const { metrics } = await client.gql<{
            metrics: { steps: number[]; values: number[] }[];
          }>(SERIES, { runIds: [runId], keys: [key], maxPoints });
          expect(metrics).toHaveLength(1);
          const { steps, values } = metrics[0];

          expect(steps.length).toBe(values.length);
          expect(steps.length).toBeLessThanOrEqual(maxPoints);
          for (let i = 1; i < steps.length; i++) expect(steps[i]).toBeGreaterThan(steps[i - 1]);
          const byStep = new Map(curve.map((p) => [p.step, p.value]));
          for (let i = 0; i < steps.length; i++) expect(byStep.get(steps[i])).toBe(values[i]);

          if (curve.length <= maxPoints) {
            expect(steps).toEqual(curve.map((p) => p.step));
            return;
          }
          const lo = curve[0].step >> CHUNK_BITS;
          const hi = curve[curve.length - 1].step >> CHUNK_BITS;
          const expected = new Map<number, { min: number; max: number }>();
          for (const { step, value } of curve) {
            const bucket = bucketOf(step, lo, hi, maxPoints);
            const seen = expected.get(bucket);
            if (!seen) expected.set(bucket, { min: value, max: value });
            else {
              seen.min = Math.min(seen.min, value);
              seen.max = Math.max(seen.max, value);
            }
          }
          const got = new Map<number, number[]>();
          for (let i = 0; i < steps.length; i++) {
            const bucket = bucketOf(steps[i], lo, hi, maxPoints);
            got.set(bucket, [...(got.get(bucket) ?? []), values[i]]);
          }
          // Every non-empty bucket is there, with one or two points: its min and its max.
          expect([...got.keys()].sort((a, b) => a - b)).toEqual(
            [...expected.keys()].sort((a, b) => a - b),
          );
          for (const [bucket, { min, max }] of expected) {
            const kept = got.get(bucket)!;
            expect(kept.length).toBeLessThanOrEqual(2);
            expect(kept).toContain(min);
            expect(kept).toContain(max);
          }
        },
      ),
      { numRuns: 50 },
    );
  }, 120_000);
});
