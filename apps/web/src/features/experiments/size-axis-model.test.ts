import { describe, expect, it } from 'vitest';
import type { RunRow } from './grid-model';
import { activeSize, runsOfSize, sweepSizes } from './size-axis-model';

describe('the training-set size axis', () => {
  it('reads the sweep’s sizes, ascending and once each', () => {
    expect(sweepSizes({ trainSamples: [1000, 100, 1000] })).toEqual([100, 1000]);
    expect(sweepSizes({ frozenLayers: [0] })).toEqual([]);
    expect(sweepSizes(undefined)).toEqual([]);
  });

  it('shows the asked size when the sweep has it, else the largest', () => {
    expect(activeSize([100, 1000], 100)).toBe(100);
    expect(activeSize([100, 1000], 555)).toBe(1000);
    expect(activeSize([100, 1000], null)).toBe(1000);
    expect(activeSize([], 100)).toBeNull();
  });

  it('keeps the runs of the shown size only', () => {
    const runs = [
      { trainSamples: 100 },
      { trainSamples: 1000 },
      { trainSamples: null },
    ] as RunRow[];
    expect(runsOfSize(runs, 100)).toEqual([{ trainSamples: 100 }]);
    expect(runsOfSize(runs, null)).toBe(runs);
  });
});
