import type { GridSummary } from '../../gql/graphql.js';
import type { Command } from '../command.js';
import { connect } from '../connect.js';
import { choiceOption, format, FORMAT_HELP, formatOption } from '../options.js';
import { formatCsv, formatNumber, formatTable, type Cell } from '../output.js';

export const grid: Command = {
  name: 'grid',
  summary: 'the frozen-layers × learning-rate grid of an experiment',
  help: `Usage: finetrack grid EXPERIMENT_ID [--metric val_accuracy] [--summary best|last]
                      [--format table|csv|json]

Each run is summarised by the best or last value of the metric; each cell shows the mean ± sample
standard deviation over its runs (seeds), runs with the metric / all runs, and the gain over the
from-scratch baseline (positive is better, also for loss-like metrics).

  --metric KEY              metric to compare (default val_accuracy)
  --summary best|last       which value stands for a run (default best)
${FORMAT_HELP}
                            csv: one row per cell, the baseline as initialization=scratch`,
  options: {
    metric: { type: 'string', default: 'val_accuracy' },
    summary: { type: 'string', default: 'best' },
    ...formatOption,
  },
  positionals: [1, 1],
  async run(values, [experimentId], io) {
    const chosen = format(values);
    const summary = choiceOption<GridSummary>(values, 'summary', ['BEST', 'LAST'])!;
    const experiment = await (
      await connect(io)
    ).grid(experimentId, values.metric as string, summary);
    const { grid: result } = experiment;
    if (chosen === 'json') {
      io.stdout(`${JSON.stringify(experiment, null, 2)}\n`);
      return;
    }
    if (chosen === 'csv') {
      const header = [
        'initialization',
        'frozenLayers',
        'learningRate',
        'runCount',
        'totalRuns',
        'mean',
        'std',
        'best',
        'gainOverScratch',
      ];
      const rows: Cell[][] = result.cells.map((cell) => [
        'pretrained',
        cell.frozenLayers,
        cell.learningRate,
        cell.runCount,
        cell.totalRuns,
        cell.mean,
        cell.std,
        cell.best,
        cell.gainOverScratch,
      ]);
      if (result.scratch) {
        const s = result.scratch;
        rows.push(['scratch', null, null, s.runCount, s.totalRuns, s.mean, s.std, s.best, null]);
      }
      io.stdout(`${formatCsv(header, rows)}\n`);
      return;
    }
    const stat = (mean: number | null, std: number | null, count: number, total: number) =>
      mean === null
        ? `- (0/${total})`
        : `${formatNumber(mean)}${std === null ? '' : ` ± ${formatNumber(std)}`} (${count}/${total})`;
    const rates = [...new Set(result.cells.map((cell) => cell.learningRate))].sort((a, b) => a - b);
    const depths = [...new Set(result.cells.map((cell) => cell.frozenLayers))].sort(
      (a, b) => a - b,
    );
    const rows: Cell[][] = depths.map((depth) => [
      String(depth),
      ...rates.map((rate) => {
        const cell = result.cells.find((c) => c.frozenLayers === depth && c.learningRate === rate);
        if (!cell) return '';
        const gain =
          cell.gainOverScratch === null
            ? ''
            : ` ${cell.gainOverScratch >= 0 ? '+' : ''}${formatNumber(cell.gainOverScratch)}`;
        return `${stat(cell.mean, cell.std, cell.runCount, cell.totalRuns)}${gain}`;
      }),
    ]);
    const direction = result.lowerIsBetter ? 'lower is better' : 'higher is better';
    io.stdout(
      `${experiment.name}: ${result.metric}, ${result.summary.toLowerCase()} per run (${direction})\n`,
    );
    if (rows.length > 0)
      io.stdout(
        `${formatTable(['frozen \\ lr', ...rates.map((rate) => formatNumber(rate))], rows)}\n`,
      );
    else io.stdout('no fine-tuning runs\n');
    if (result.scratch) {
      const s = result.scratch;
      io.stdout(`scratch baseline: ${stat(s.mean, s.std, s.runCount, s.totalRuns)}\n`);
    }
  },
};
