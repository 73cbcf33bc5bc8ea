import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../../graphql/errors.js';
import {
  chunkStats,
  copyText,
  MAX_POINTS_PER_BATCH,
  preparePoints,
  runLockKey,
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
