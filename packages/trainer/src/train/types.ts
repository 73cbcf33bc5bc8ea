import type * as tf from '@tensorflow/tfjs';
import type {
  Preprocessing,
  Architecture,
  FineTuningSuggestion,
  Initialization,
  Optimizer,
  Augmentation,
} from '@finetrack/shared';
import type { LoadedDataset } from '../data/dataset.js';
import type { BackendName } from '../backend/select-backend.js';
import type { SurgeryResult } from '../model/surgery.js';
import type { TrainingCheckpoint } from './checkpoint.js';
import type { FeatureCacheStatus } from './feature-cache.js';

/** One metric sample, as the worker streams it to the API. */
export interface MetricPoint {
  /** A `MetricKey` value, `drift/<layerName>`, or `batch_loss` / `batch_accuracy` for every-N-steps metrics. */
  key: string;
  /** Global optimizer step (batches done since the run began) when the value was taken. */
  step: number;
  value: number;
  /** Unix time in milliseconds. */
  wallTime: number;
  /** 1-based epoch the value belongs to. */
  epoch: number;
}

/** Metrics of one finished epoch. Losses are mean categorical cross-entropy (nats); accuracies are fractions. */
export interface EpochRecord {
  /** 1-based. */
  epoch: number;
  loss: number;
  accuracy: number;
  valLoss: number;
  valAccuracy: number;
  samplesPerSecond: number;
  /** Wall seconds spent in this epoch (training and validation). */
  wallSeconds: number;
  /** ‖W − W₀‖ / ‖W₀‖ per weight-bearing layer name, W₀ = weights when training began. */
  drift: Record<string, number>;
  /** True when this epoch read the frozen prefix's outputs from the feature cache. */
  cached: boolean;
}

export interface EarlyStoppingOptions {
  monitor?: 'val_loss' | 'val_accuracy';
  /** Epochs without improvement before stopping. */
  patience: number;
  /** Smallest change that counts as an improvement. */
  minDelta?: number;
}

/** Options shared by every training entry point. */
export interface CommonTrainOptions {
  dataset: LoadedDataset;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: Optimizer;
  /** One seed drives weight initialisation, shuffles and dropout. */
  seed: number;
  /** Backend override; otherwise `FINETRACK_BACKEND`, then the best importable one. */
  backend?: BackendName;
  /** Called with every batch of metric points (epoch metrics, drift, every-N-steps metrics). */
  onMetrics?: (points: MetricPoint[]) => void | Promise<void>;
  /** Called after every epoch with its record and the checkpoint taken there. */
  onEpochEnd?: (record: EpochRecord, checkpoint: TrainingCheckpoint) => void | Promise<void>;
  /** Also emit `batch_loss` / `batch_accuracy` every this many steps (off when absent). */
  logEverySteps?: number;
  earlyStopping?: EarlyStoppingOptions;
  /** Write a checkpoint to this directory after every epoch. */
  checkpointDir?: string;
  /** Resume from a checkpoint (in memory, or a directory written through `checkpointDir`). */
  resumeFrom?: TrainingCheckpoint | string;
  /** Stop after this many epochs of this call even if `epochs` is larger (to simulate a pre-empted run). */
  stopAfterEpoch?: number;
  /**
   * How the model expects its pixels: the dataset's [0, 1] images are rescaled to it (and
   * grayscale repeated into RGB when the model's input has 3 channels). Absent: used as loaded.
   */
  preprocessing?: Preprocessing;
  /**
   * Random flips, crops and rotations of the training batches (never validation), drawn per
   * sample and epoch from `seed`; absent: none. With something frozen it bypasses the feature cache.
   */
  augmentation?: Augmentation;
}

export interface PretrainOptions extends CommonTrainOptions {
  architecture: Architecture;
}

export interface FinetuneOptions extends CommonTrainOptions {
  /** The source model; it is not modified. */
  source: tf.LayersModel;
  /** Weight-bearing layers frozen, counted from the input; 0 = all train, all = only the head trains. */
  frozenLayers: number;
  initialization: Initialization;
  /** Keep the source up to and including this layer; default: the layer below the output layer. */
  cutLayer?: string;
  /** Frozen-prefix feature cache: 'auto' (default) uses it when something is frozen and it fits in memory. */
  featureCache?: 'auto' | 'always' | 'never';
}

/** What the trainer suggests (the shared rule book's advice); never applied silently. */
export type Suggestions = FineTuningSuggestion;

/** The summary every run reports; the CLI prints it with `--json`. */
export interface TrainSummary {
  backend: string;
  device: string;
  epochs: number;
  valAccuracy: number;
  valLoss: number;
  bestValAccuracy: number;
  bestValLoss: number;
  /** 1-based epoch of bestValAccuracy. */
  bestEpoch: number;
  trainSeconds: number;
  /** Training samples per second over the whole run (validation excluded). */
  samplesPerSecond: number;
  trainableParams: number;
  nonTrainableParams: number;
  frozenLayerNames: string[];
  trainableLayerNames: string[];
  stoppedEarly: boolean;
  featureCacheUsed: boolean;
  /** Whether the frozen prefix's outputs were cached, and why not (see `decideFeatureCache`). */
  featureCache: FeatureCacheStatus;
  /** The augmentation the training batches had (all off when none was asked for). */
  augmentation: Augmentation;
  /** Epoch the run started from when resumed (0 otherwise). */
  resumedFromEpoch: number;
  trainSamples: number;
  validationSamples: number;
}

export interface PretrainResult {
  model: tf.LayersModel;
  history: EpochRecord[];
  summary: TrainSummary;
}

export interface FinetuneResult {
  model: tf.LayersModel;
  surgery: SurgeryResult;
  history: EpochRecord[];
  summary: TrainSummary & { suggestions: Suggestions };
}
