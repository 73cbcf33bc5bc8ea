/** Lifecycle of a run. `queued` → `running` → one of the terminal states; `retryRun` puts a terminal run back to `queued`. */
export const RunStatus = {
  Queued: 'queued',
  Running: 'running',
  Succeeded: 'succeeded',
  Failed: 'failed',
  Cancelled: 'cancelled',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];
export const RUN_STATUSES: readonly RunStatus[] = Object.values(RunStatus);
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

/** `pretrained` starts from the source model's weights; `scratch` is the baseline with every weight random. */
export const Initialization = { Pretrained: 'pretrained', Scratch: 'scratch' } as const;
export type Initialization = (typeof Initialization)[keyof typeof Initialization];
export const INITIALIZATIONS: readonly Initialization[] = Object.values(Initialization);

export const Optimizer = { Adam: 'adam', Sgd: 'sgd', Momentum: 'momentum' } as const;
export type Optimizer = (typeof Optimizer)[keyof typeof Optimizer];
export const OPTIMIZERS: readonly Optimizer[] = Object.values(Optimizer);

/** What a run is asked to do. `frozenLayers` counts weight-bearing layers from the input. */
export interface RunHyperparameters {
  frozenLayers: number;
  learningRate: number;
  epochs: number;
  batchSize: number;
  optimizer: Optimizer;
  seed: number;
  initialization: Initialization;
}

/** What a finished (or running) run reports about itself. Accuracies are fractions in [0, 1]. */
export interface RunSummary {
  bestValAccuracy: number | null;
  lastValAccuracy: number | null;
  bestValLoss: number | null;
  lastValLoss: number | null;
  bestEpoch: number | null;
  wallSeconds: number | null;
  samplesPerSecond: number | null;
  backend: string | null;
  device?: string | null;
}

/** Metric keys the trainer writes; scripts may log any other key too. */
export const MetricKey = {
  Loss: 'loss',
  Accuracy: 'accuracy',
  ValLoss: 'val_loss',
  ValAccuracy: 'val_accuracy',
  SamplesPerSecond: 'samples_per_second',
  WallSeconds: 'wall_seconds',
} as const;

/** Prefix of the per-layer weight drift keys: `drift/<layerName>` = ‖W − W₀‖ / ‖W₀‖ at the end of an epoch. */
export const DRIFT_METRIC_PREFIX = 'drift/';
