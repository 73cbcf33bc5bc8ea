import { scratchLearningRateFor } from './rules/hyperparameters.js';
import type { Augmentation } from './rules/augmentation.js';
import type { Initialization, Optimizer, RunHyperparameters } from './run.js';

/**
 * A fine-tuning grid: frozenLayers × learningRates × seeds, plus optional from-scratch baseline
 * runs. Its rules (bounds, run limit) live in `rules/sweep.ts`.
 */
export interface SweepSpec {
  frozenLayers: number[];
  learningRates: number[];
  seeds?: number[];
  /**
   * Training-set sizes: every cell and the baseline run once per size, on nested subsets of the
   * target's training split (the 100-sample subset lies inside the 1,000-sample one). Absent:
   * the whole split, one size.
   */
  trainSamples?: number[];
  epochs: number;
  batchSize: number;
  optimizer: Optimizer;
  includeScratchBaseline: boolean;
  /** Learning rate of the scratch baseline; defaults to ten times the largest fine-tuning rate. */
  scratchLearningRate?: number;
  /** Augmentation of every run, the scratch baseline's too (a fair baseline); absent: none. */
  augmentation?: Augmentation;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Number of runs `expandSweep` will return, without building them. */
export function countSweepRuns(sweep: SweepSpec): number {
  const seeds = unique(sweep.seeds ?? [0]).length;
  const sizes = sweep.trainSamples ? unique(sweep.trainSamples).length : 1;
  const grid = unique(sweep.frozenLayers).length * unique(sweep.learningRates).length * seeds;
  return sizes * (grid + (sweep.includeScratchBaseline ? seeds : 0));
}

/**
 * Expands a sweep into one hyperparameter set per run: for each training-set size (ascending),
 * every (frozenLayers, learningRate, seed) with `pretrained` initialisation, then one `scratch`
 * run per seed (frozenLayers 0) when asked. Duplicate list entries are dropped; order is
 * deterministic. Without `trainSamples` the runs carry no size (the whole split).
 */
export function expandSweep(sweep: SweepSpec): RunHyperparameters[] {
  const seeds = unique(sweep.seeds ?? [0]);
  const sizes: (number | undefined)[] = sweep.trainSamples
    ? unique(sweep.trainSamples).sort((a, b) => a - b)
    : [undefined];
  const runs: RunHyperparameters[] = [];
  for (const trainSamples of sizes) {
    const common = {
      epochs: sweep.epochs,
      batchSize: sweep.batchSize,
      optimizer: sweep.optimizer,
      ...(trainSamples === undefined ? {} : { trainSamples }),
      ...(sweep.augmentation === undefined ? {} : { augmentation: sweep.augmentation }),
    };
    for (const frozenLayers of unique(sweep.frozenLayers))
      for (const learningRate of unique(sweep.learningRates))
        for (const seed of seeds)
          runs.push({ ...common, frozenLayers, learningRate, seed, initialization: 'pretrained' });
    if (sweep.includeScratchBaseline) {
      const learningRate =
        sweep.scratchLearningRate ?? scratchLearningRateFor(Math.max(...sweep.learningRates));
      const initialization: Initialization = 'scratch';
      for (const seed of seeds)
        runs.push({ ...common, frozenLayers: 0, learningRate, seed, initialization });
    }
  }
  return runs;
}
