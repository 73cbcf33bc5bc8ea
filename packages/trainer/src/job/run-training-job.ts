import { saveModel } from '../io/save-model.js';
import { finetune } from '../train/finetune.js';
import { validationConfusion } from '../train/confusion.js';
import { pretrain } from '../train/pretrain.js';
import type { EpochRecord } from '../train/types.js';
import type { JobResult, JobSinks, TrainingJobSpec } from './job-spec.js';
import { describeTrainedModel, modelMetadata, type TrainedModel } from './trained-model.js';

/** The pretrain / fine-tune branch: the one place that picks the trainer entry point. */
async function train(
  spec: TrainingJobSpec,
  sinks: JobSinks,
): Promise<TrainedModel & { history: EpochRecord[] }> {
  const common = { dataset: spec.dataset, ...spec.training, ...sinks };
  if (spec.kind === 'pretrain') return pretrain({ ...common, architecture: spec.architecture });
  return finetune({
    ...common,
    source: spec.source.model,
    frozenLayers: spec.frozenLayers,
    initialization: spec.initialization,
    cutLayer: spec.cutLayer,
    featureCache: spec.featureCache,
    preprocessing: spec.preprocessing,
  });
}

/**
 * Runs one training job, shared by `finetrack-train` and the worker: trains (reporting through
 * `sinks`), saves the model with its finetrack.json when `spec.save` says where, describes it,
 * and disposes it. The source model of a fine-tune stays the caller's.
 */
export async function runTrainingJob(
  spec: TrainingJobSpec,
  sinks: JobSinks = {},
): Promise<JobResult> {
  const trained = await train(spec, sinks);
  try {
    const saved =
      spec.save === undefined
        ? undefined
        : await saveModel(
            trained.model,
            spec.save.directory,
            modelMetadata(spec, trained, spec.save),
          );
    return {
      summary: trained.summary,
      history: trained.history,
      model: describeTrainedModel(spec, trained),
      saved,
      confusionMatrix: validationConfusion(trained.model, spec.dataset),
    };
  } finally {
    trained.model.dispose();
  }
}

/** [height, width, channels] of a model's input, or undefined when it is not an image of fixed size. */
export function imageInputShape(model: {
  inputs: { shape: (number | null)[] }[];
}): [number, number, number] | undefined {
  const shape = model.inputs[0].shape.slice(1);
  return shape.length === 3 && shape.every((size) => size !== null)
    ? (shape as [number, number, number])
    : undefined;
}
