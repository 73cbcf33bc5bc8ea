import { buildClassCountsChart, type ClassCount } from './class-counts-model';

const TRAIN_COLOR = '#0b57d0';
const VALIDATION_COLOR = '#f29900';

/** Images per class, train and validation stacked, as an SVG bar chart with a legend. */
export function ClassCountsChart({ counts }: { counts: readonly ClassCount[] }) {
  const model = buildClassCountsChart(counts);
  const barHeight = model.rowHeight - 6;
  const axisY = model.bars.length * model.rowHeight;
  return (
    <figure className="class-counts" data-testid="class-counts">
      <svg
        width={model.width}
        height={model.height}
        viewBox={`0 0 ${model.width} ${model.height}`}
        role="img"
        aria-label="Images per class, train and validation"
      >
        {model.bars.map((bar) => (
          <g key={bar.className} data-testid="class-bar" data-class={bar.className}>
            <title>{`${bar.className}: ${bar.train} train, ${bar.validation} validation`}</title>
            <text
              x={model.labelWidth - 6}
              y={bar.y + barHeight / 2 + 4}
              textAnchor="end"
              fontSize="12"
            >
              {bar.className.length > 20 ? `${bar.className.slice(0, 19)}…` : bar.className}
            </text>
            <rect
              x={model.labelWidth}
              y={bar.y + 2}
              width={bar.trainWidth}
              height={barHeight}
              fill={TRAIN_COLOR}
            />
            <rect
              x={model.labelWidth + bar.trainWidth}
              y={bar.y + 2}
              width={bar.validationWidth}
              height={barHeight}
              fill={VALIDATION_COLOR}
            />
          </g>
        ))}
        <line x1={model.labelWidth} x2={model.width - 16} y1={axisY} y2={axisY} stroke="#d0d7de" />
        {model.ticks.map((tick) => (
          <text
            key={tick.value}
            x={tick.x}
            y={axisY + 16}
            textAnchor="middle"
            fontSize="11"
            fill="#57606a"
          >
            {tick.value.toLocaleString('en')}
          </text>
        ))}
      </svg>
      <figcaption className="muted">
        <span style={{ color: TRAIN_COLOR }}>■</span> train{' '}
        <span style={{ color: VALIDATION_COLOR }}>■</span> validation
      </figcaption>
    </figure>
  );
}
