'use client';

import { useEffect, useRef } from 'react';
import uPlot from 'uplot';
import type { ChartModel } from './curves-model';

interface LineChartProps {
  model: ChartModel;
  title: string;
  xLabel: string;
  yLabel: string;
  logY?: boolean;
  height?: number;
  testId: string;
}

function withAlpha(hex: string, alpha: number): string {
  const value = Number.parseInt(hex.slice(1), 16);
  return `rgba(${(value >> 16) & 255}, ${(value >> 8) & 255}, ${value & 255}, ${alpha})`;
}

/** uPlot on a canvas: thousands of points per curve and a hundred curves stay smooth. */
export function LineChart({
  model,
  title,
  xLabel,
  yLabel,
  logY = false,
  height = 300,
  testId,
}: LineChartProps) {
  const container = useRef<HTMLDivElement>(null);

  useEffect(() => {
    const element = container.current;
    if (!element || model.lines.length === 0) return;
    element.dataset.state = 'drawing';
    const visibleLines = model.lines.filter((line) => line.role === 'line').length;
    const options: uPlot.Options = {
      title,
      width: Math.max(320, element.clientWidth || 640),
      height,
      scales: { x: { time: false }, y: logY ? { distr: 3 } : {} },
      axes: [{ label: xLabel }, { label: yLabel, size: 60 }],
      legend: { show: visibleLines <= 12, live: visibleLines <= 12 },
      cursor: { points: { show: false } },
      series: [
        { label: xLabel },
        ...model.lines.map((line) => ({
          label: line.label,
          stroke: line.role === 'line' ? line.colour : 'transparent',
          width: line.role === 'line' ? (visibleLines > 20 ? 1 : 1.5) : 0,
          spanGaps: true,
          points: { show: false },
        })),
      ],
      bands: model.bands.map((band) => ({
        series: [band.upper + 1, band.lower + 1] as [number, number],
        fill: withAlpha(band.colour, 0.18),
      })),
      hooks: {
        draw: [
          () => {
            if (element.dataset.state !== 'drawn') {
              element.dataset.state = 'drawn';
              performance.mark(`finetrack:${testId}-drawn`);
            }
          },
        ],
      },
    };
    const data = [model.xs, ...model.lines.map((line) => line.values)] as uPlot.AlignedData;
    const plot = new uPlot(options, data, element);
    // Band edges are drawing aids, not series a reader looks up in the legend.
    const legendRows = plot.root.querySelectorAll<HTMLElement>('.u-legend .u-series');
    model.lines.forEach((line, index) => {
      const row = legendRows[index + 1];
      if (line.role !== 'line' && row) row.style.display = 'none';
    });
    const resize = new ResizeObserver(() => {
      const width = element.clientWidth;
      if (width > 0 && Math.abs(width - plot.width) > 4) plot.setSize({ width, height });
    });
    resize.observe(element);
    return () => {
      resize.disconnect();
      plot.destroy();
    };
  }, [model, title, xLabel, yLabel, logY, height, testId]);

  return (
    <div ref={container} className="chart" data-testid={testId} data-series={model.lines.length} />
  );
}
