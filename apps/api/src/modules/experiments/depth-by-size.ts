import { scratchLearningRateFor, suggestFineTuning } from '@finetrack/shared';
import type { Experiment } from './experiment.entity.js';
import type { DepthForSize, Grid } from './grid.types.js';

/** The swept depth nearest to `depth` (the shallower one on a tie). */
function nearest(depths: readonly number[], depth: number): number {
  return depths.reduce((best, d) => (Math.abs(d - depth) < Math.abs(best - depth) ? d : best));
}

/**
 * Per training-set size, the best cell of that size's grid (at `learningRate` when given, else
 * over every rate) against the suggestion engine's advice for a target set of that size: the
 * seed's claim that the right freeze depth moves with the amount of target data, measured.
 */
export function depthForSize(
  experiment: Experiment,
  grid: Grid,
  weightBearingLayers: number,
  learningRate: number | null,
): DepthForSize {
  const size = grid.trainSamples!;
  const sweep = experiment.sweep;
  const scratchLearningRate =
    sweep.scratchLearningRate ?? scratchLearningRateFor(Math.max(...sweep.learningRates));
  const advice = suggestFineTuning({
    scratchLearningRate,
    trainSamples: size,
    weightBearingLayers,
  });
  const suggested = nearest([...new Set(sweep.frozenLayers)], advice.frozenLayers);
  const better = (a: number, b: number) => (grid.lowerIsBetter ? a < b : a > b);
  let best: Grid['cells'][number] | null = null;
  for (const cell of grid.cells) {
    if (cell.mean === null) continue;
    if (learningRate !== null && cell.learningRate !== learningRate) continue;
    if (best === null || better(cell.mean, best.mean!)) best = cell;
  }
  return {
    trainSamples: size,
    bestFrozenLayers: best?.frozenLayers ?? null,
    bestLearningRate: best?.learningRate ?? null,
    bestMean: best?.mean ?? null,
    scratchMean: grid.scratch?.mean ?? null,
    suggestedFrozenLayers: suggested,
    suggestionReason: advice.reason,
    agrees: best === null ? null : best.frozenLayers === suggested,
  };
}
