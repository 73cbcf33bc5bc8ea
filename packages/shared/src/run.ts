/*
 * The enums here are the one definition: the API registers these objects as its GraphQL enums, so
 * each key is the GraphQL value (`ADAM`, upper case on the wire) and each value the stored one
 * (`adam`, what TypeScript and the database hold). `fromGraphQLEnum` maps the first to the second.
 */

/** Lifecycle of a run. `queued` → `running` → one of the terminal states; `retryRun` puts a terminal run back to `queued`. */
export const RunStatus = {
  QUEUED: 'queued',
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
} as const;
export type RunStatus = (typeof RunStatus)[keyof typeof RunStatus];
export const RUN_STATUSES: readonly RunStatus[] = Object.values(RunStatus);
export const TERMINAL_RUN_STATUSES: readonly RunStatus[] = ['succeeded', 'failed', 'cancelled'];

import type { Augmentation } from './rules/augmentation.js';

/** `pretrained` starts from the source model's weights; `scratch` is the baseline with every weight random. */
export const Initialization = { PRETRAINED: 'pretrained', SCRATCH: 'scratch' } as const;
export type Initialization = (typeof Initialization)[keyof typeof Initialization];
export const INITIALIZATIONS: readonly Initialization[] = Object.values(Initialization);

export const Optimizer = { ADAM: 'adam', SGD: 'sgd', MOMENTUM: 'momentum' } as const;
export type Optimizer = (typeof Optimizer)[keyof typeof Optimizer];
export const OPTIMIZERS: readonly Optimizer[] = Object.values(Optimizer);

/** Job kinds: `pretrain` trains a source model from scratch; `finetune` is a run of an experiment. */
export const RunKind = { PRETRAIN: 'pretrain', FINETUNE: 'finetune' } as const;
export type RunKind = (typeof RunKind)[keyof typeof RunKind];

/** The stored value of a GraphQL enum value (`ADAM` → `adam`); throws on a name the enum lacks. */
export function fromGraphQLEnum<E extends Readonly<Record<string, string>>>(
  enumObject: E,
  name: string,
): E[keyof E] {
  if (!Object.hasOwn(enumObject, name)) throw new RangeError(`unknown enum value '${name}'`);
  return enumObject[name as keyof E];
}

/** The GraphQL value of a stored enum value (`adam` → `ADAM`). */
export function toGraphQLEnum<E extends Readonly<Record<string, string>>>(
  enumObject: E,
  value: E[keyof E],
): keyof E & string {
  const name = Object.keys(enumObject).find((key) => enumObject[key] === value);
  if (name === undefined) throw new RangeError(`unknown enum value '${value}'`);
  return name;
}

/**
 * Whether a run's training read the frozen prefix's outputs from the feature cache, and why not:
 * augmentation changes the images every epoch, so with it the prefix runs on every batch.
 */
export const FeatureCacheStatus = {
  USED: 'used',
  BYPASSED_AUGMENTATION: 'bypassed: augmentation',
  OFF_NOTHING_FROZEN: 'off: nothing frozen',
  OFF_DISABLED: 'off: disabled',
  OFF_TOO_LARGE: 'off: too large',
} as const;
export type FeatureCacheStatus = (typeof FeatureCacheStatus)[keyof typeof FeatureCacheStatus];
export const FEATURE_CACHE_STATUSES: readonly FeatureCacheStatus[] =
  Object.values(FeatureCacheStatus);

/** What a run is asked to do. `frozenLayers` counts weight-bearing layers from the input. */
export interface RunHyperparameters {
  frozenLayers: number;
  learningRate: number;
  epochs: number;
  batchSize: number;
  optimizer: Optimizer;
  seed: number;
  initialization: Initialization;
  /** Training samples used (a nested subset of the split); absent or null: the whole split. */
  trainSamples?: number | null;
  /** Training-time augmentation; absent or null: none. */
  augmentation?: Augmentation | null;
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
