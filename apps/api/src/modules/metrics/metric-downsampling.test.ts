import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { downsampleChunks, unpackPoints } from './metric-downsampling.js';
import { chunkStats } from './metric-rollup.js';
import { preparePoints } from './metrics.validation.js';

/** What SERIES_SQL returns for a long curve: metric_chunks.packed of each chunk, in order. */
function packedChunks(points: { step: number; value: number }[]) {
  const stats = chunkStats(
    preparePoints(
      points.map((p) => ({ key: 'k', step: p.step, value: p.value, wallTime: p.step + 0.5 })),
      0,
    ),
  );
  const out = Buffer.alloc(stats.keys.length * 48);
  for (let i = 0; i < stats.keys.length; i++) {
    const numbers = [
      stats.lowSteps[i],
      stats.lowValues[i],
      stats.lowWalls[i],
      stats.highSteps[i],
      stats.highValues[i],
      stats.highWalls[i],
    ];
    numbers.forEach((n, j) => out.writeDoubleBE(n, i * 48 + j * 8));
  }
  return { numbers: out, lo: stats.chunks[0], hi: stats.chunks[stats.chunks.length - 1] };
}

describe('downsampleChunks', () => {
  const sut = (points: { step: number; value: number }[], maxPoints: number) => {
    const { numbers, lo, hi } = packedChunks(points);
    return downsampleChunks(numbers, maxPoints, lo, hi);
  };

  it("keeps each bucket's lowest and highest point in step order", () => {
    // 4 chunks of 16 steps into maxPoints 4: two buckets of two chunks each.
    const points = Array.from({ length: 64 }, (_, step) => ({
      step,
      value: step === 20 ? 9 : step === 5 ? -9 : step === 40 ? -3 : step === 63 ? 3 : 0,
    }));
    expect(sut(points, 4)).toEqual({
      steps: [5, 20, 40, 63],
      values: [-9, 9, -3, 3],
      wallTimes: [5.5, 20.5, 40.5, 63.5],
    });
  });

  it('emits one point when a bucket is flat: earliest lowest, latest highest on ties', () => {
    const flat = Array.from({ length: 32 }, (_, step) => ({ step, value: 1 }));
    expect(sut(flat, 2)).toEqual({
      steps: [0, 31],
      values: [1, 1],
      wallTimes: [0.5, 31.5],
    });
    expect(sut([{ step: 3, value: 1 }], 2)).toEqual({
      steps: [3],
      values: [1],
      wallTimes: [3.5],
    });
    expect(downsampleChunks(Buffer.alloc(0), 2, 0, 0)).toEqual({
      steps: [],
      values: [],
      wallTimes: [],
    });
  });

  it('never exceeds maxPoints, ascends by step and keeps the lowest and highest point (property)', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(
          fc.record({
            step: fc.nat(5000),
            value: fc.double({ noNaN: true, noDefaultInfinity: true, min: -1e6, max: 1e6 }),
          }),
          { minLength: 1, maxLength: 400, selector: (p) => p.step },
        ),
        fc.integer({ min: 2, max: 300 }),
        (points, maxPoints) => {
          const out = sut(points, maxPoints);
          expect(out.steps.length).toBeLessThanOrEqual(maxPoints);
          expect(out.values).toHaveLength(out.steps.length);
          for (let i = 1; i < out.steps.length; i++)
            expect(out.steps[i]).toBeGreaterThan(out.steps[i - 1]);
          const values = points.map((p) => p.value);
          expect(out.values).toContain(Math.min(...values));
          expect(out.values).toContain(Math.max(...values));
          const byStep = new Map(points.map((p) => [p.step, p.value]));
          out.steps.forEach((step, i) => expect(out.values[i]).toBe(byStep.get(step)));
        },
      ),
    );
  });
});

describe('unpackPoints', () => {
  it('reads (step, value, wall) triples', () => {
    const numbers = Buffer.alloc(48);
    [1, 0.25, 10, 2, -0.5, 11].forEach((n, i) => numbers.writeDoubleBE(n, i * 8));
    expect(unpackPoints(numbers)).toEqual({
      steps: [1, 2],
      values: [0.25, -0.5],
      wallTimes: [10, 11],
    });
  });
});
