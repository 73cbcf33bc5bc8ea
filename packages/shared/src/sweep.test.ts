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

  it('gives every run, the scratch baseline too, the sweep’s augmentation, and none without it', () => {
    const augmentation = { flip: true, crop: 0.1, rotation: 10 };
    const runs = expandSweep({ ...base, augmentation });
    expect(runs.every((run) => run.augmentation === augmentation)).toBe(true);
    expect(runs.some((run) => run.initialization === 'scratch')).toBe(true);
    expect(expandSweep(base).every((run) => run.augmentation === undefined)).toBe(true);
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
        fc.option(fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 3 }), {
          nil: undefined,
        }),
        (frozenLayers, learningRates, seeds, includeScratchBaseline, trainSamples) => {
          const sweep = {
            ...base,
            frozenLayers,
            learningRates,
            seeds,
            includeScratchBaseline,
            trainSamples,
          };
          const runs = expandSweep(sweep);
          expect(runs).toHaveLength(countSweepRuns(sweep));
          const keys = runs.map(
            (r) =>
              `${r.initialization}|${r.frozenLayers}|${r.learningRate}|${r.seed}|${r.trainSamples}`,
          );
          expect(new Set(keys).size).toBe(keys.length);
        },
      ),
    );
  });

  it('repeats the grid and the baseline once per training-set size, smallest first', () => {
    const runs = expandSweep({ ...base, trainSamples: [1000, 100, 1000] });
    expect(runs).toHaveLength(2 * (3 * 2 * 2 + 2));
    expect(runs.slice(0, 14).every((run) => run.trainSamples === 100)).toBe(true);
    expect(runs.slice(14).every((run) => run.trainSamples === 1000)).toBe(true);
    expect(runs.filter((run) => run.initialization === 'scratch')).toHaveLength(4);
  });

  it('leaves runs without a size when the sweep gives none', () => {
    expect(expandSweep(base).every((run) => !('trainSamples' in run))).toBe(true);
  });
});
