/** One class's images in each split, as `Dataset.classCounts` gives them. */
export interface ClassCount {
  className: string;
  train: number;
  validation: number;
}

export interface ClassBar {
  className: string;
  train: number;
  validation: number;
  /** Top of this class's row, in px from the chart's top. */
  y: number;
  /** Bar lengths in px: train first, validation stacked after it. */
  trainWidth: number;
  validationWidth: number;
}

export interface ClassCountsChartModel {
  width: number;
  height: number;
  /** Left margin for the class names, px. */
  labelWidth: number;
  rowHeight: number;
  bars: ClassBar[];
  /** Axis ticks: counts and their x positions. */
  ticks: { value: number; x: number }[];
  /** The largest class's total, what the axis ends at. */
  max: number;
}

/** The 1–2–5 step that cuts 0..max into about `count` parts. */
export function niceStep(max: number, count = 4): number {
  if (max <= 0) return 1;
  const raw = max / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].find((factor) => factor * magnitude >= raw)! * magnitude;
  return Math.max(1, step);
}

/**
 * A horizontal stacked bar per class (train, then validation), in class order, scaled so the
 * largest class fills the plot. Sizes in px; the component only draws what this returns.
 */
export function buildClassCountsChart(
  counts: readonly ClassCount[],
  {
    width = 640,
    rowHeight = 22,
    labelWidth = 140,
  }: { width?: number; rowHeight?: number; labelWidth?: number } = {},
): ClassCountsChartModel {
  const axisHeight = 24;
  const plotWidth = width - labelWidth - 16;
  const max = Math.max(0, ...counts.map((count) => count.train + count.validation));
  const step = niceStep(max);
  const end = max > 0 ? Math.ceil(max / step) * step : 1;
  const scale = (value: number) => (value / end) * plotWidth;
  const bars = counts.map((count, index) => ({
    ...count,
    y: index * rowHeight,
    trainWidth: scale(count.train),
    validationWidth: scale(count.validation),
  }));
  const ticks: { value: number; x: number }[] = [];
  for (let value = 0; value <= end; value += step)
    ticks.push({ value, x: labelWidth + scale(value) });
  return {
    width,
    height: counts.length * rowHeight + axisHeight,
    labelWidth,
    rowHeight,
    bars,
    ticks,
    max,
  };
}
