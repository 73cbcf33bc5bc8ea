import {
  PREPROCESSINGS,
  RunKind,
  toLayerInput,
  toSurgeryInput,
  type Architecture,
  type CompletedModelInput,
  type Preprocessing,
} from '@finetrack/shared';
import type { BackendName } from '../backend/select-backend.js';
import type { JobResult, TrainingJobSpec } from '../job/job-spec.js';
import { firstTrainSamples } from '../data/train-subset.js';
import type { RunInputs } from './run-inputs.js';
import type { ClaimedJob } from './worker-api.js';

/**
 * The training job a claimed run asks for. The one place that reads the claim's
 * hyperparameters, so a change to their protocol type lands here.
 */
export function jobSpecFromClaim(
  claim: ClaimedJob,
  inputs: RunInputs,
  options: { modelDir: string; backend?: BackendName },
): TrainingJobSpec {
  const hyper = claim.hyperparameters;
  const common = {
    // A sweep over training-set sizes: the run trains on a nested prefix of the shuffled split.
    dataset:
      hyper.trainSamples === null || hyper.trainSamples === undefined
        ? inputs.dataset
        : firstTrainSamples(inputs.dataset, hyper.trainSamples),
    datasetSpec: claim.dataset.spec,
    training: {
      epochs: hyper.epochs,
      batchSize: hyper.batchSize,
      learningRate: hyper.learningRate,
      optimizer: hyper.optimizer,
      seed: hyper.seed,
      backend: options.backend,
      resumeFrom: inputs.resumeFrom,
      // Augmented runs bypass the feature cache; the summary the worker sends says so.
      ...(hyper.augmentation ? { augmentation: { ...hyper.augmentation } } : {}),
    },
    save: { directory: options.modelDir, metrics: 'validation' as const },
  };
  if (claim.kind !== RunKind.FINETUNE)
    return { kind: 'pretrain', architecture: claim.architecture as Architecture, ...common };
  return {
    kind: 'finetune',
    source: {
      model: inputs.source!,
      architecture: claim.sourceModel!.architecture,
      // The worker knows the source by its catalogue id; its files were checked on load.
      record: { directory: `model:${claim.sourceModel!.id}`, weightsSha256: null },
    },
    frozenLayers: hyper.frozenLayers,
    initialization: hyper.initialization,
    ...sourcePreprocessing(claim),
    ...common,
  };
}

/**
 * The source model's pixel scaling as the API records it. `unit` is what the loaders already
 * produce ([0, 1]), so only the other modes are handed to the job.
 */
function sourcePreprocessing(claim: ClaimedJob): { preprocessing?: Preprocessing } {
  const mode = claim.sourceModel?.preprocessing?.toLowerCase() as Preprocessing | undefined;
  return mode && mode !== 'unit' && PREPROCESSINGS.includes(mode) ? { preprocessing: mode } : {};
}

/** The trained model as `completeRun` records it, with the ids of its uploaded files. */
export function completedModel(
  claim: ClaimedJob,
  result: JobResult,
  artifactIds: string[],
): CompletedModelInput {
  const { model } = result;
  return {
    name: claim.targetModelName,
    kind: model.kind === 'target' ? 'TARGET' : 'SOURCE',
    architecture: model.architecture,
    inputShape: model.inputShape,
    layers: model.layers.map(toLayerInput),
    totalParams: model.totalParams,
    trainableParams: model.trainableParams,
    weightsSha256: result.saved!.weightsSha256,
    datasetId: claim.dataset.id,
    parentModelId: model.kind === 'target' ? claim.sourceModel!.id : null,
    surgery: model.surgery === null ? null : toSurgeryInput(model.surgery),
    artifactIds,
  };
}
