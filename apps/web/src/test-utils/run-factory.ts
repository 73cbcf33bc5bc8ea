import type { RunRow } from '@/features/experiments/grid-model';

let sequence = 0;

/** A finished run with overridable fields (builder-style test factory). */
export function buildRun(overrides: Partial<RunRow> = {}): RunRow {
  sequence += 1;
  const id = `00000000-0000-4000-8000-${String(sequence).padStart(12, '0')}`;
  return {
    id,
    status: 'SUCCEEDED',
    initialization: 'PRETRAINED',
    frozenLayers: 0,
    trainSamples: null,
    learningRate: 0.001,
    seed: 0,
    epochs: 5,
    batchSize: 32,
    optimizer: 'ADAM',
    external: true,
    bestValAccuracy: 0.9,
    lastValAccuracy: 0.88,
    bestValLoss: 0.3,
    lastValLoss: 0.32,
    bestEpoch: 3,
    wallSeconds: 12,
    samplesPerSecond: 1000,
    backend: 'wasm',
    device: null,
    attempts: 1,
    createdAt: '2026-11-27T10:00:00.000Z',
    startedAt: '2026-11-27T10:00:01.000Z',
    finishedAt: '2026-11-27T10:00:13.000Z',
    queueState: null,
    ...overrides,
  };
}
