import type * as tf from '@tensorflow/tfjs';
import { datasetRecord, type ModelMetadataInput } from '../io/model-metadata.js';
import { describeModel, type SurgeryResult } from '../model/surgery.js';
import type { TrainSummary } from '../train/types.js';
import type { ModelSaveSpec, TrainedModelDescription, TrainingJobSpec } from './job-spec.js';

/** What training a job's model produced, before it is saved and described. */
export interface TrainedModel {
  model: tf.LayersModel;
  summary: TrainSummary;
  surgery?: SurgeryResult;
}

const finite = (value: number): number | null => (Number.isFinite(value) ? value : null);

/** Summary fields that fit finetrack.json's flat `metrics` record. */
function flatMetrics(summary: TrainSummary): ModelMetadataInput['metrics'] {
  const metrics: ModelMetadataInput['metrics'] = {};
  for (const [key, value] of Object.entries(summary))
    if (value === null || ['number', 'string', 'boolean'].includes(typeof value))
      metrics[key] = value as number | string | boolean | null;
  return metrics;
}

function metadataMetrics(
  summary: TrainSummary,
  kind: ModelSaveSpec['metrics'],
): ModelMetadataInput['metrics'] {
  return kind === 'summary'
    ? flatMetrics(summary)
    : { valAccuracy: finite(summary.valAccuracy), valLoss: finite(summary.valLoss) };
}

/** finetrack.json for the job's trained model (the save adds format, sizes and the checksum). */
export function modelMetadata(
  spec: TrainingJobSpec,
  trained: TrainedModel,
  save: ModelSaveSpec,
): ModelMetadataInput {
  const { summary } = trained;
  const common = {
    inputShape: spec.dataset.inputShape,
    dataset: datasetRecord(spec.dataset, spec.datasetSpec),
    metrics: metadataMetrics(summary, save.metrics),
    trainableParams: summary.trainableParams,
    nonTrainableParams: summary.nonTrainableParams,
  };
  if (spec.kind === 'pretrain')
    return {
      kind: 'source',
      architecture: spec.architecture,
      ...common,
      backend: summary.backend,
    };
  return {
    kind: 'target',
    architecture: spec.source.architecture,
    ...common,
    surgery: trained.surgery!.record,
    source: spec.source.record,
    backend: summary.backend,
  };
}

/** The trained model's kind, architecture, layers and parameter counts. */
export function describeTrainedModel(
  spec: TrainingJobSpec,
  trained: TrainedModel,
): TrainedModelDescription {
  const { summary } = trained;
  return {
    kind: spec.kind === 'pretrain' ? 'source' : 'target',
    architecture: spec.kind === 'pretrain' ? spec.architecture : spec.source.architecture,
    inputShape: spec.dataset.inputShape,
    layers: describeModel(trained.model),
    totalParams: summary.trainableParams + summary.nonTrainableParams,
    trainableParams: summary.trainableParams,
    nonTrainableParams: summary.nonTrainableParams,
    surgery: trained.surgery?.record ?? null,
  };
}
