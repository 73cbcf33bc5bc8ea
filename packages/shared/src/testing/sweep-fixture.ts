import type { SweepSpec } from '../sweep.js';

/** A small sweep for tests: 3 depths × 2 rates × 2 seeds, with a scratch baseline. */
export const A_SWEEP: SweepSpec = {
  frozenLayers: [0, 2, 4],
  learningRates: [1e-2, 1e-3],
  seeds: [1, 2],
  epochs: 2,
  batchSize: 32,
  optimizer: 'adam',
  includeScratchBaseline: true,
};
