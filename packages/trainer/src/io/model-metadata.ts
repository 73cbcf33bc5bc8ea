import type { DatasetSpec, ModelKind, SurgeryRecord } from '@finetrack/shared';
import type { LoadedDataset } from '../data/dataset.js';

export const MODEL_JSON_FILE = 'model.json';
export const WEIGHTS_FILE = 'weights.bin';
export const METADATA_FILE = 'finetrack.json';
export const METADATA_FORMAT = 'finetrack-model';
export const METADATA_VERSION = 1;

/** The dataset a model was trained on, as recorded beside it. */
export interface ModelDatasetRecord {
  /** e.g. `mnist[0,1,2,3,4]`. */
  name: string;
  /** LoadedDataset.hash: sha256 of the exact view trained on. */
  hash: string;
  spec?: DatasetSpec;
  /** Class names in output-unit order: unit i predicts classNames[i]. */
  classNames: string[];
  trainSamples: number;
  validationSamples: number;
}

/** The record of `dataset`, loaded from `spec`, to keep beside a model trained on it. */
export function datasetRecord(dataset: LoadedDataset, spec?: DatasetSpec): ModelDatasetRecord {
  return {
    name: dataset.name,
    hash: dataset.hash,
    spec,
    classNames: dataset.classNames,
    trainSamples: dataset.train.count,
    validationSamples: dataset.validation.count,
  };
}

/** finetrack.json: what a model is and how it was made. Written last, so it marks a complete save. */
export interface FinetrackModelMetadata {
  format: typeof METADATA_FORMAT;
  version: typeof METADATA_VERSION;
  kind: ModelKind;
  /** `small-cnn`, `vgg-mini`, `resnet-mini`, or `imported` for converter output. */
  architecture: string;
  /** [height, width, channels] of one input image. */
  inputShape: number[];
  dataset: ModelDatasetRecord | null;
  /** Final and best metrics of the run; accuracies are fractions, losses nats. */
  metrics: Record<string, number | string | boolean | null>;
  trainableParams: number;
  nonTrainableParams: number;
  /** For fine-tuned models: the surgery and the source it started from. */
  surgery?: SurgeryRecord;
  source?: { directory: string; weightsSha256: string | null };
  backend?: string;
  createdAt: string;
  weightsFile: string;
  /** Size of weights.bin in bytes. */
  weightsBytes: number;
  /** sha256 (hex) of the weight bytes, i.e. of weights.bin. */
  weightsSha256: string;
}

/** What the caller describes; the save fills in format, sizes and the checksum. */
export type ModelMetadataInput = Omit<
  FinetrackModelMetadata,
  'format' | 'version' | 'createdAt' | 'weightsFile' | 'weightsBytes' | 'weightsSha256'
> & { createdAt?: string };
