import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { countSweepRuns, expandSweep } from './sweep.js';
import { A_SWEEP as base } from './testing/sweep-fixture.js';

describe('expandSweep', () => {
  it('builds frozenLayers × learningRates × seeds plus one scratch run per seed', () => {
    const runs = expandSweep(base);
    expect(runs).toHaveLength(3 * 2 * 2 + 2);
    expect(runs.filter((run) => run.initialization === 'scratch')).toEqual([
      expect.objectContaining({ seed: 1, frozenLayers: 0, learningRate: 0.1 }),
      expect.objectContaining({ seed: 2, frozenLayers: 0, learningRate: 0.1 }),
    ]);
  });

  it('matches countSweepRuns and never repeats a combination (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(6), { minLength: 1, maxLength: 5 }),
        fc.array(fc.double({ min: 1e-6, max: 1, noNaN: true }), { minLength: 1, maxLength: 4 }),
        fc.option(fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 1, maxLength: 3 }), {
          nil: undefined,
        }),
        fc.boolean(),
        (frozenLayers, learningRates, seeds, includeScratchBaseline) => {
          const sweep = { ...base, frozenLayers, learningRates, seeds, includeScratchBaseline };
          const runs = expandSweep(sweep);
          expect(runs).toHaveLength(countSweepRuns(sweep));
          const keys = runs.map(
            (r) => `${r.initialization}|${r.frozenLayers}|${r.learningRate}|${r.seed}`,
          );
          expect(new Set(keys).size).toBe(keys.length);
        },
      ),
    );
  });
});
