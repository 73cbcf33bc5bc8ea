import type { ConfusionMatrix, Preprocessing } from '@finetrack/shared';
import type * as tf from '@tensorflow/tfjs';
import type {
  Architecture,
  DatasetSpec,
  Initialization,
  LayerInfo,
  ModelKind,
  SurgeryRecord,
} from '@finetrack/shared';
import type { LoadedDataset } from '../data/dataset.js';
import type { FinetrackModelMetadata } from '../io/model-metadata.js';
import type { FeatureCacheMode } from '../train/feature-cache.js';
import type { CommonTrainOptions, EpochRecord, Suggestions, TrainSummary } from '../train/types.js';

/** How to train, alike for both kinds of job (see CommonTrainOptions). */
export type TrainingSettings = Pick<
  CommonTrainOptions,
  | 'epochs'
  | 'batchSize'
  | 'learningRate'
  | 'optimizer'
  | 'seed'
  | 'backend'
  | 'earlyStopping'
  | 'checkpointDir'
  | 'resumeFrom'
  | 'augmentation'
>;

/** Where the trained model goes: model.json + weights.bin + finetrack.json. */
export interface ModelSaveSpec {
  directory: string;
  /**
   * finetrack.json's `metrics`: every flat field of the summary (`finetrack-train`), or only the
   * final validation loss and accuracy (the worker, whose run summary goes to the API anyway).
   */
  metrics: 'summary' | 'validation';
}

interface JobSpecBase {
  dataset: LoadedDataset;
  /** The spec `dataset` was loaded from, recorded in finetrack.json. */
  datasetSpec: DatasetSpec;
  training: TrainingSettings;
  /** Not saved when absent. */
  save?: ModelSaveSpec;
}

/** Train a source model of `architecture` from seeded random weights. */
export interface PretrainJobSpec extends JobSpecBase {
  kind: 'pretrain';
  architecture: Architecture;
}

/** The model a fine-tune starts from; the job does not dispose it. */
export interface JobSource {
  model: tf.LayersModel;
  /** Recorded as the target's architecture (`imported` for converter output). */
  architecture: string;
  /** Where it came from, as finetrack.json records it. */
  record: { directory: string; weightsSha256: string | null };
}

/** Cut `source`, attach a new head, freeze `frozenLayers` weight-bearing layers, train the rest. */
export interface FinetuneJobSpec extends JobSpecBase {
  kind: 'finetune';
  source: JobSource;
  frozenLayers: number;
  initialization: Initialization;
  cutLayer?: string;
  featureCache?: FeatureCacheMode;
  /** The source's pixel scaling (the API's ClaimedModel.preprocessing); absent: [0, 1] as loaded. */
  preprocessing?: Preprocessing;
}

export type TrainingJobSpec = PretrainJobSpec | FinetuneJobSpec;

/** Where a job reports while it trains (see CommonTrainOptions); the CLI prints, the worker ships. */
export type JobSinks = Pick<CommonTrainOptions, 'onMetrics' | 'onEpochEnd' | 'logEverySteps'>;

/** The trained model as a catalogue describes it; the model itself is disposed by the job. */
export interface TrainedModelDescription {
  kind: ModelKind;
  architecture: string;
  /** [height, width, channels]. */
  inputShape: [number, number, number];
  layers: LayerInfo[];
  totalParams: number;
  trainableParams: number;
  nonTrainableParams: number;
  surgery: SurgeryRecord | null;
}

export interface JobResult {
  /** Fine-tunes also carry the trainer's suggestions. */
  summary: TrainSummary & { suggestions?: Suggestions };
  history: EpochRecord[];
  model: TrainedModelDescription;
  /** finetrack.json as written, when the spec asked for a save. */
  saved?: FinetrackModelMetadata;
  /** The trained model's confusion matrix on the validation split (null: none to compute). */
  confusionMatrix: ConfusionMatrix | null;
}
