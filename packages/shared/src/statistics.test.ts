import { describe, expect, it } from 'vitest';
import { meanStd } from './statistics.js';

describe('meanStd', () => {
  it.each([
    { values: [], mean: null, std: null },
    { values: [2], mean: 2, std: null },
    { values: [1, 3], mean: 2, std: Math.SQRT2 },
    { values: [2, 4, 4, 4, 5, 5, 7, 9], mean: 5, std: 2.138089935299395 },
  ])('$values → mean $mean, sample std $std', ({ values, mean, std }) => {
    const result = meanStd(values);
    expect(result.mean).toBe(mean);
    if (std === null) expect(result.std).toBeNull();
    else expect(result.std).toBeCloseTo(std, 12);
  });
});
