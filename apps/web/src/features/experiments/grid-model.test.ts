// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildRun } from '@/test-utils/run-factory';
import {
  aggregateRuns,
  computeLine,
  gain,
  layoutGrid,
  parseCellKey,
  cellKey,
  scalePosition,
  viridis,
} from './grid-model';

describe('aggregateRuns', () => {
  const runs = [
    buildRun({ frozenLayers: 1, learningRate: 0.01, seed: 0, bestEpoch: 2 }),
    buildRun({ frozenLayers: 1, learningRate: 0.01, seed: 1, bestEpoch: 4 }),
    buildRun({ frozenLayers: 2, learningRate: 0.01, seed: 0, bestEpoch: null }),
    buildRun({ initialization: 'SCRATCH', learningRate: 0.1, seed: 0, bestEpoch: 5 }),
    buildRun({ initialization: 'SCRATCH', learningRate: 0.1, seed: 1, bestEpoch: 7 }),
  ];
  const grid = aggregateRuns(runs, (run) => run.bestEpoch, true);

  it('aggregates seeds of one cell into mean ± std', () => {
    const cell = grid.cells.find((c) => c.frozenLayers === 1)!;
    expect(cell).toMatchObject({ runCount: 2, totalRuns: 2, mean: 3, best: 2 });
    expect(cell.std).toBeCloseTo(Math.SQRT2);
  });

  it('keeps scratch runs out of the cells and computes the gain over them', () => {
    expect(grid.cells).toHaveLength(2);
    expect(grid.scratch).toMatchObject({ runCount: 2, mean: 6, best: 5 });
    // lower is better: scratch 6 epochs − 3 epochs = 3 epochs faster
    expect(grid.cells.find((c) => c.frozenLayers === 1)!.gainOverScratch).toBe(3);
  });

  it('counts runs without a value but leaves the cell empty', () => {
    const cell = grid.cells.find((c) => c.frozenLayers === 2)!;
    expect(cell).toMatchObject({
      runCount: 0,
      totalRuns: 1,
      mean: null,
      std: null,
      gainOverScratch: null,
    });
  });

  it('has no baseline without scratch runs', () => {
    const noScratch = aggregateRuns(runs.slice(0, 2), (run) => run.bestValAccuracy, false);
    expect(noScratch.scratch).toBeNull();
    expect(noScratch.cells[0].gainOverScratch).toBeNull();
  });
});

describe('gain', () => {
  it.each([
    { mean: 0.9, baseline: 0.8, lowerIsBetter: false, expected: 0.1 },
    { mean: 0.2, baseline: 0.5, lowerIsBetter: true, expected: 0.3 },
    { mean: null, baseline: 0.5, lowerIsBetter: true, expected: null },
  ])(
    '$mean vs $baseline (lower is better: $lowerIsBetter)',
    ({ mean, baseline, lowerIsBetter, expected }) => {
      const value = gain(mean, baseline, lowerIsBetter);
      if (expected === null) expect(value).toBeNull();
      else expect(value).toBeCloseTo(expected);
    },
  );
});

describe('layoutGrid', () => {
  it('gives sweep values without runs a row and a column, and finds cells', () => {
    const layout = layoutGrid(
      {
        cells: [
          {
            frozenLayers: 2,
            learningRate: 0.01,
            runCount: 1,
            totalRuns: 1,
            mean: 0.5,
            std: null,
            best: 0.5,
            gainOverScratch: null,
          },
          {
            frozenLayers: 0,
            learningRate: 0.001,
            runCount: 1,
            totalRuns: 1,
            mean: 0.7,
            std: null,
            best: 0.7,
            gainOverScratch: null,
          },
        ],
        scratch: null,
        lowerIsBetter: false,
      },
      { frozenLayers: [0, 1, 2], learningRates: [0.01, 0.001] },
    );
    expect(layout.rows).toEqual([0, 1, 2]);
    expect(layout.columns).toEqual([0.001, 0.01]);
    expect(layout.cell(1, 0.01)).toBeUndefined();
    expect(layout.cell(2, 0.01)?.mean).toBe(0.5);
    expect([layout.min, layout.max]).toEqual([0.5, 0.7]);
    expect(scalePosition(0.7, layout, false)).toBe(1);
    expect(scalePosition(0.7, layout, true)).toBe(0);
  });
});

describe('colour scale and keys', () => {
  it('runs from viridis purple to yellow and clamps', () => {
    expect(viridis(0)).toBe('rgb(68, 1, 84)');
    expect(viridis(1)).toBe('rgb(253, 231, 37)');
    expect(viridis(5)).toBe(viridis(1));
    expect(viridis(Number.NaN)).toBe(viridis(0));
  });

  it('round-trips cell keys', () => {
    expect(parseCellKey(cellKey(3, 0.0001))).toEqual({ frozenLayers: 3, learningRate: 0.0001 });
    expect(parseCellKey('x_y')).toBeNull();
  });
});

describe('computeLine', () => {
  const cell = {
    frozenLayers: 2,
    learningRate: 0.001,
    runCount: 2,
    totalRuns: 2,
    mean: 0.8,
    std: 0,
    best: 0.8,
    gainOverScratch: 0.1,
  };

  it('says how many times less compute than scratch the cell needed', () => {
    expect(
      computeLine(
        {
          ...cell,
          computeToTarget: { epochs: 1, flops: 1e9, reachedRuns: 2 },
          speedupsOverScratch: { epochs: 4, flops: 6.25 },
        },
        0.76,
      ),
    ).toBe('to 76.0 %: 4.0× fewer epochs, 6.3× fewer FLOPs');
  });

  it('says never reached, and says nothing without a target', () => {
    expect(computeLine({ ...cell, computeToTarget: null }, 0.76)).toBe('never reached 76.0 %');
    expect(computeLine({ ...cell, computeToTarget: null }, null)).toBeNull();
    expect(computeLine(cell, 0.76)).toBeNull();
  });

  it('reports a cell that got there when scratch never did', () => {
    expect(
      computeLine(
        {
          ...cell,
          computeToTarget: { epochs: 3, flops: null, reachedRuns: 1 },
          speedupsOverScratch: { epochs: null, flops: null },
        },
        0.9,
      ),
    ).toBe('reached 90.0 % in 3.0 epochs (scratch never did)');
  });
});
