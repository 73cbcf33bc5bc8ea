// @vitest-environment node
import { describe, expect, it } from 'vitest';
import { buildRun } from '@/test-utils/run-factory';
import { alignSeries, buildChart } from './curves-model';
import { buildDriftChart } from './drift-model';
import { epochsToTarget } from './metric-options';

describe('alignSeries', () => {
  it('shares x values between curves and leaves gaps as null', () => {
    const { xs, columns } = alignSeries([
      { xs: [1, 2, 3], ys: [10, 20, 30] },
      { xs: [2, 4], ys: [5, 6] },
    ]);
    expect(xs).toEqual([1, 2, 3, 4]);
    expect(columns).toEqual([
      [10, 20, 30, null],
      [null, 5, null, 6],
    ]);
  });

  it('bins x values that do not line up (wall time) into 500 slots', () => {
    const curves = Array.from({ length: 5 }, (_, c) => ({
      xs: Array.from({ length: 500 }, (_, i) => i + c * 0.1),
      ys: Array.from({ length: 500 }, () => c),
    }));
    const { xs, columns } = alignSeries(curves);
    expect(xs).toHaveLength(500);
    expect(columns[3].filter((v) => v === 3).length).toBeGreaterThan(400);
  });
});

describe('buildChart', () => {
  const a = buildRun({ frozenLayers: 1, seed: 0 });
  const b = buildRun({ frozenLayers: 1, seed: 1 });
  const c = buildRun({ frozenLayers: 2, seed: 0 });
  const runs = new Map([a, b, c].map((run) => [run.id, run]));
  const series = [
    { runId: a.id, key: 'val_accuracy', steps: [1, 2], values: [0.5, 0.7] },
    { runId: b.id, key: 'val_accuracy', steps: [1, 2], values: [0.7, 0.9] },
    { runId: c.id, key: 'val_accuracy', steps: [1, 2], values: [0.4, 0.6] },
  ];

  it('overlays one line per run', () => {
    const chart = buildChart(series, runs, 'step', 'none');
    expect(chart.lines.map((line) => line.label)).toEqual([
      'k=1 lr=0.001 s=0',
      'k=1 lr=0.001 s=1',
      'k=2 lr=0.001 s=0',
    ]);
    expect(chart.bands).toEqual([]);
  });

  it('groups by a hyperparameter into mean lines with a ±std band', () => {
    const chart = buildChart(series, runs, 'step', 'frozenLayers');
    expect(chart.lines.map((line) => [line.label, line.role])).toEqual([
      ['frozen 1 (n=2)', 'line'],
      ['frozen 1 +std', 'upper'],
      ['frozen 1 −std', 'lower'],
      ['frozen 2 (n=1)', 'line'],
      ['frozen 2 +std', 'upper'],
      ['frozen 2 −std', 'lower'],
    ]);
    expect(chart.lines[0].values).toEqual([0.6, 0.8]);
    expect(chart.lines[1].values[0]).toBeCloseTo(0.6 + Math.SQRT2 * 0.1);
    expect(chart.lines[4].values).toEqual([0.4, 0.6]); // one run: no spread
    expect(chart.bands).toEqual([
      { upper: 1, lower: 2, colour: chart.lines[0].colour },
      { upper: 4, lower: 5, colour: chart.lines[3].colour },
    ]);
  });

  it('leaves non-positive values out on a log scale and scales batch steps to epochs', () => {
    const logChart = buildChart(
      [{ runId: a.id, key: 'loss', steps: [1, 2], values: [0, 0.5] }],
      runs,
      'step',
      'none',
      true,
    );
    expect(logChart.lines[0].values).toEqual([null, 0.5]);
    const epochs = buildChart(
      [{ runId: a.id, key: 'loss', steps: [50, 100], values: [1, 0.5] }],
      runs,
      'epoch',
      'none',
    );
    expect(epochs.xs).toEqual([2.5, 5]);
  });
});

describe('buildDriftChart', () => {
  it('averages each layer over runs, in model order', () => {
    const chart = buildDriftChart(
      [
        { runId: 'r1', key: 'drift/dense', steps: [1, 2], values: [0.2, 0.4] },
        { runId: 'r1', key: 'drift/conv1', steps: [1, 2], values: [0, 0] },
        { runId: 'r2', key: 'drift/dense', steps: [1, 2], values: [0.4, 0.6] },
      ],
      ['conv1', 'dense'],
    );
    expect(chart.lines.map((line) => line.label)).toEqual(['conv1', 'dense']);
    expect(chart.lines[1].values.map((v) => Number(v!.toFixed(6)))).toEqual([0.3, 0.5]);
  });

  it('plots epochs, as its axis says, though drift is logged at each epoch’s last global step', () => {
    // Two epochs of 19 steps: drift arrives at global steps 19 and 38.
    const chart = buildDriftChart(
      [
        { runId: 'r1', key: 'drift/dense', steps: [19, 38], values: [0.1, 0.2] },
        { runId: 'r2', key: 'drift/dense', steps: [25, 50], values: [0.3, 0.4] },
      ],
      ['dense'],
    );
    expect(chart.xs).toEqual([1, 2]);
    expect(chart.lines[0].values.map((v) => Number(v!.toFixed(6)))).toEqual([0.2, 0.3]);
  });
});

describe('epochsToTarget', () => {
  it.each([
    { steps: [1, 2, 3, 4], values: [0.5, 0.85, 0.91, 0.95], target: 0.9, epochs: 4, expected: 3 },
    {
      steps: [1, 2, 3, 4],
      values: [0.5, 0.85, 0.88, 0.89],
      target: 0.9,
      epochs: 4,
      expected: null,
    },
    // batch-level steps: step 500 of 1000 is epoch 5 of 10
    { steps: [250, 500, 1000], values: [0.6, 0.92, 0.95], target: 0.9, epochs: 10, expected: 5 },
  ])('$values reach $target at epoch $expected', ({ steps, values, target, epochs, expected }) => {
    expect(epochsToTarget(steps, values, target, epochs)).toBe(expected);
  });
});
