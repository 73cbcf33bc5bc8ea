import { describe, expect, it } from 'vitest';
import { kendallTauB } from './rank-correlation.js';

describe('kendallTauB', () => {
  it('is 1 for the same order, −1 for the reverse', () => {
    expect(kendallTauB([1, 2, 3, 4], [10, 20, 30, 40])).toBe(1);
    expect(kendallTauB([1, 2, 3, 4], [4, 3, 2, 1])).toBe(-1);
  });

  it('matches a value worked out by hand', () => {
    // Pairs of [1,2,3,4] × [1,3,2,4]: five concordant, one discordant (2↔3), no ties → 4/6.
    expect(kendallTauB([1, 2, 3, 4], [1, 3, 2, 4])).toBeCloseTo(2 / 3, 12);
  });

  it('corrects for ties (τ-b)', () => {
    // [1,1,2] × [1,2,3]: pairs (0,1) tied in the first, (0,2) and (1,2) concordant:
    // (2 − 0) / √((3 − 1)(3 − 0)) = 2 / √6.
    expect(kendallTauB([1, 1, 2], [1, 2, 3])).toBeCloseTo(2 / Math.sqrt(6), 12);
  });

  it('is null without a ranking to compare', () => {
    expect(kendallTauB([1], [2])).toBeNull();
    expect(kendallTauB([5, 5, 5], [1, 2, 3])).toBeNull();
    expect(() => kendallTauB([1, 2], [1])).toThrow(/differ in length/);
  });
});
