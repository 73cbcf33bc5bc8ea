import type { Initialization, Optimizer, RunHyperparameters } from './run.js';

/** Largest number of runs one experiment may create. */
export const MAX_SWEEP_RUNS = 1000;

/** A fine-tuning grid: frozenLayers × learningRates × seeds, plus optional from-scratch baseline runs. */
export interface SweepSpec {
  frozenLayers: number[];
  learningRates: number[];
  seeds?: number[];
  epochs: number;
  batchSize: number;
  optimizer: Optimizer;
  includeScratchBaseline: boolean;
  /** Learning rate of the scratch baseline; defaults to ten times the largest fine-tuning rate. */
  scratchLearningRate?: number;
}

export class SweepError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'SweepError';
  }
}

function isPositiveFinite(value: number): boolean {
  return typeof value === 'number' && Number.isFinite(value) && value > 0;
}

/** Checks a sweep against the rules every caller shares; throws SweepError naming the field. */
export function validateSweep(sweep: SweepSpec, maxFrozenLayers?: number): void {
  if (!Array.isArray(sweep.frozenLayers) || sweep.frozenLayers.length === 0)
    throw new SweepError('frozenLayers must list at least one depth', 'frozenLayers');
  if (!Array.isArray(sweep.learningRates) || sweep.learningRates.length === 0)
    throw new SweepError('learningRates must list at least one rate', 'learningRates');
  if (sweep.seeds !== undefined && sweep.seeds.length === 0)
    throw new SweepError('seeds, when given, must list at least one seed', 'seeds');
  for (const k of sweep.frozenLayers) {
    if (!Number.isInteger(k) || k < 0)
      throw new SweepError(`frozenLayers must be integers ≥ 0, got ${k}`, 'frozenLayers');
    if (maxFrozenLayers !== undefined && k > maxFrozenLayers)
      throw new SweepError(
        `frozenLayers ${k} exceeds the model's ${maxFrozenLayers} weight-bearing layers`,
        'frozenLayers',
      );
  }
  for (const rate of sweep.learningRates)
    if (!isPositiveFinite(rate))
      throw new SweepError(`learning rates must be finite and > 0, got ${rate}`, 'learningRates');
  if (sweep.scratchLearningRate !== undefined && !isPositiveFinite(sweep.scratchLearningRate))
    throw new SweepError('scratchLearningRate must be finite and > 0', 'scratchLearningRate');
  for (const seed of sweep.seeds ?? [])
    if (!Number.isInteger(seed))
      throw new SweepError(`seeds must be integers, got ${seed}`, 'seeds');
  if (!Number.isInteger(sweep.epochs) || sweep.epochs < 1 || sweep.epochs > 10_000)
    throw new SweepError('epochs must be an integer from 1 to 10000', 'epochs');
  if (!Number.isInteger(sweep.batchSize) || sweep.batchSize < 1 || sweep.batchSize > 65_536)
    throw new SweepError('batchSize must be an integer from 1 to 65536', 'batchSize');
  const count = countSweepRuns(sweep);
  if (count > MAX_SWEEP_RUNS)
    throw new SweepError(
      `the sweep would create ${count} runs; the limit is ${MAX_SWEEP_RUNS}`,
      'sweep',
    );
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}

/** Number of runs `expandSweep` will return, without building them. */
export function countSweepRuns(sweep: SweepSpec): number {
  const seeds = unique(sweep.seeds ?? [0]).length;
  const grid = unique(sweep.frozenLayers).length * unique(sweep.learningRates).length * seeds;
  return grid + (sweep.includeScratchBaseline ? seeds : 0);
}

/**
 * Expands a sweep into one hyperparameter set per run: every (frozenLayers, learningRate, seed)
 * with `pretrained` initialisation, then one `scratch` run per seed (frozenLayers 0) when asked.
 * Duplicate list entries are dropped; order is deterministic.
 */
export function expandSweep(sweep: SweepSpec): RunHyperparameters[] {
  const seeds = unique(sweep.seeds ?? [0]);
  const common = { epochs: sweep.epochs, batchSize: sweep.batchSize, optimizer: sweep.optimizer };
  const runs: RunHyperparameters[] = [];
  for (const frozenLayers of unique(sweep.frozenLayers))
    for (const learningRate of unique(sweep.learningRates))
      for (const seed of seeds)
        runs.push({ ...common, frozenLayers, learningRate, seed, initialization: 'pretrained' });
  if (sweep.includeScratchBaseline) {
    const learningRate = sweep.scratchLearningRate ?? 10 * Math.max(...sweep.learningRates);
    const initialization: Initialization = 'scratch';
    for (const seed of seeds)
      runs.push({ ...common, frozenLayers: 0, learningRate, seed, initialization });
  }
  return runs;
}
