import { describe, expect, it } from 'vitest';
import { buildClassCountsChart, niceStep } from './class-counts-model';

describe('the class counts bar chart', () => {
  const counts = [
    { className: 'cat', train: 80, validation: 20 },
    { className: 'dog', train: 40, validation: 10 },
    { className: 'fox', train: 0, validation: 0 },
  ];

  it('scales every bar to the axis end, train then validation, in class order', () => {
    const model = buildClassCountsChart(counts, { width: 356, labelWidth: 100, rowHeight: 20 });
    // Plot: 356 − 100 − 16 = 240 px for 0..100.
    expect(model.max).toBe(100);
    expect(
      model.bars.map((bar) => [bar.className, bar.y, bar.trainWidth, bar.validationWidth]),
    ).toEqual([
      ['cat', 0, 192, 48],
      ['dog', 20, 96, 24],
      ['fox', 40, 0, 0],
    ]);
    expect(model.height).toBe(3 * 20 + 24);
    expect(model.ticks).toEqual([
      { value: 0, x: 100 },
      { value: 50, x: 220 },
      { value: 100, x: 340 },
    ]);
  });

  it('rounds the axis up to a 1–2–5 step', () => {
    expect(niceStep(7000)).toBe(2000);
    expect(niceStep(100)).toBe(50);
    expect(niceStep(3)).toBe(1);
    expect(niceStep(0)).toBe(1);
    const model = buildClassCountsChart([{ className: 'a', train: 6100, validation: 900 }]);
    expect(model.ticks.at(-1)!.value).toBe(8000);
  });

  it('draws an empty dataset without dividing by zero', () => {
    const model = buildClassCountsChart([]);
    expect(model.bars).toEqual([]);
    expect(model.ticks.every((tick) => Number.isFinite(tick.x))).toBe(true);
  });
});
