import { describe, expect, it } from 'vitest';
import { chunkStats } from './metric-rollup.js';
import { preparePoints } from './metrics.validation.js';

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
