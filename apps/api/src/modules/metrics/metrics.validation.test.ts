import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { AppError } from '../../graphql/errors.js';
import { MAX_POINTS_PER_BATCH, preparePoints } from './metrics.validation.js';

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
