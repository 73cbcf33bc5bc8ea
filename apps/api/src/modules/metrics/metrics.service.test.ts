import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../../graphql/errors.js';
import {
  chunkStats,
  copyText,
  downsampleChunks,
  MAX_POINTS_PER_BATCH,
  preparePoints,
  runLockKey,
  unpackPoints,
} from './metrics.service.js';

describe('preparePoints', () => {
  const sut = preparePoints;

  it('sorts by (key, step), keeps the last repeat and fills wallTime', () => {
    const columns = sut(
      [
        { key: 'val_loss', step: 2, value: 1 },
        { key: 'loss', step: 1, value: 2, wallTime: 10 },
        { key: 'val_loss', step: 2, value: 3 },
        { key: 'loss', step: 0, value: 4 },
      ],
      99,
    );
    expect(columns).toEqual({
      keys: ['loss', 'loss', 'val_loss'],
      steps: [0, 1, 2],
      values: [4, 2, 3],
      wallTimes: [99, 10, 99],
    });
  });

  it.each([
    ['NaN', { key: 'loss', step: 0, value: Number.NaN }, 'points[1].value'],
    ['Infinity', { key: 'loss', step: 0, value: Number.POSITIVE_INFINITY }, 'points[1].value'],
    ['-Infinity', { key: 'loss', step: 0, value: Number.NEGATIVE_INFINITY }, 'points[1].value'],
    ['a negative step', { key: 'loss', step: -1, value: 0 }, 'points[1].step'],
    ['a fractional step', { key: 'loss', step: 0.5, value: 0 }, 'points[1].step'],
    ['an empty key', { key: '', step: 0, value: 0 }, 'points[1].key'],
    ['a long key', { key: 'k'.repeat(201), step: 0, value: 0 }, 'points[1].key'],
    [
      'an infinite wallTime',
      { key: 'loss', step: 0, value: 0, wallTime: Number.NaN },
      'points[1].wallTime',
    ],
  ])('rejects %s, naming the index', (_name, bad, field) => {
    expect(() => sut([{ key: 'ok', step: 0, value: 0 }, bad], 0)).toThrowError(
      expect.objectContaining({ code: 'BAD_USER_INPUT', details: { field } }),
    );
  });

  it('rejects more than 10,000 points', () => {
    const points = Array.from({ length: MAX_POINTS_PER_BATCH + 1 }, (_, step) => ({
      key: 'a',
      step,
      value: 0,
    }));
    expect(() => sut(points, 0)).toThrow(AppError);
  });

  it('never returns a (key, step) twice and keeps every distinct one (property)', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            key: fc.constantFrom('a', 'b', 'c'),
            step: fc.nat(20),
            value: fc.double({ noNaN: true, noDefaultInfinity: true }),
          }),
          { maxLength: 200 },
        ),
        (points) => {
          const columns = sut(points, 0);
          const pairs = columns.keys.map((key, i) => `${key}/${columns.steps[i]}`);
          expect(new Set(pairs).size).toBe(pairs.length);
          expect(new Set(points.map((p) => `${p.key}/${p.step}`)).size).toBe(pairs.length);
        },
      ),
    );
  });
});

describe('chunkStats', () => {
  const sut = chunkStats;

  it('groups 16 steps per chunk with count, lowest (earliest on ties) and highest (latest on ties)', () => {
    const columns = preparePoints(
      [
        { key: 'a', step: 0, value: 2, wallTime: 1 },
        { key: 'a', step: 5, value: 1, wallTime: 2 },
        { key: 'a', step: 9, value: 1, wallTime: 3 },
        { key: 'a', step: 15, value: 2, wallTime: 4 },
        { key: 'a', step: 16, value: 7, wallTime: 5 },
        { key: 'b', step: 1, value: 3, wallTime: 6 },
      ],
      0,
    );
    expect(sut(columns)).toEqual({
      keys: ['a', 'a', 'b'],
      chunks: [0, 1, 0],
      counts: [4, 1, 1],
      lowValues: [1, 7, 3],
      lowSteps: [5, 16, 1],
      lowWalls: [2, 5, 6],
      highValues: [2, 7, 3],
      highSteps: [15, 16, 1],
      highWalls: [4, 5, 6],
    });
  });
});

describe('copyText', () => {
  it('escapes the characters COPY treats specially', () => {
    const columns = preparePoints([{ key: 'a\tb\\c', step: 1, value: 0.5, wallTime: 2 }], 0);
    expect(copyText('r', columns)).toBe('r\ta\\tb\\\\c\t1\t0.5\t2\n');
  });
});

describe('runLockKey', () => {
  it('is a stable integer that fits a bigint', () => {
    const key = runLockKey('ffffffff-ffff-4fff-bfff-ffffffffffff');
    expect(BigInt(key) < 2n ** 63n).toBe(true);
    expect(runLockKey('00000000-0000-4000-8000-000000000001')).toBe(
      runLockKey('00000000-0000-4000-8000-000000000001'),
    );
  });
});

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
