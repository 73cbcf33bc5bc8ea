import path from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import {
  DEFAULT_SCRATCH_LEARNING_RATE,
  fineTuneLearningRateFor,
  frozenLayersProblem,
  isAugmentationOn,
  type Augmentation,
  type Optimizer,
} from '@finetrack/shared';
import { selectBackend } from '../backend/select-backend.js';
import { ARCHIVE_ARGUMENT_PREFIX, archiveSpecFromFile } from '../data/archive-file-spec.js';
import { datasetSpecFromArgument, loadDataset } from '../data/index.js';
import { loadModelDirectory, type LoadedModel } from '../io/index.js';
import {
  imageInputShape,
  JobInputError,
  runTrainingJob,
  type JobResult,
  type ModelSaveSpec,
  type TrainingJobSpec,
  type TrainingSettings,
} from '../job/index.js';
import { describeModel } from '../model/surgery.js';
import type { TrainSummary } from '../train/types.js';
import type { FinetuneCliOptions, PretrainCliOptions, SharedOptions } from './arguments.js';
import { ProgressReporter, type CliStreams } from './progress-reporter.js';

async function loadDatasetFor(
  options: SharedOptions,
  inputShape: [number, number, number] | undefined,
  streams: CliStreams,
  reporter: ProgressReporter,
) {
  const archiveFile = options.dataset.startsWith(ARCHIVE_ARGUMENT_PREFIX)
    ? options.dataset.slice(ARCHIVE_ARGUMENT_PREFIX.length)
    : undefined;
  const spec = archiveFile
    ? await archiveSpecFromFile(archiveFile, { ...options, inputShape })
    : datasetSpecFromArgument(options.dataset, {
        classes: options.classes,
        trainSamples: options.trainSamples,
        validationSamples: options.validationSamples,
        seed: options.seed,
        inputShape,
      });
  const dataset = await loadDataset(spec, {
    inputShape,
    archive: archiveFile ? { file: archiveFile } : undefined,
  });
  for (const warning of dataset.warnings) streams.stderr.write(`warning: ${warning}\n`);
  if (dataset.validation.count === 0)
    throw new JobInputError(`${dataset.name} has no validation samples`);
  reporter.info(
    `dataset ${dataset.name}: ${dataset.train.count} train / ${dataset.validation.count} validation, ` +
      `classes ${dataset.classNames.join(', ')}, sha256 ${dataset.hash.slice(0, 12)}`,
  );
  return { spec, dataset };
}

function finish(
  streams: CliStreams,
  json: boolean | undefined,
  result: Record<string, unknown>,
): void {
  if (json) streams.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const summary = result as unknown as TrainSummary & { out?: string };
    streams.stdout.write(
      `done: val_accuracy ${summary.valAccuracy.toFixed(4)} val_loss ${summary.valLoss.toFixed(4)} ` +
        `in ${summary.trainSeconds.toFixed(1)} s (${Math.round(summary.samplesPerSecond)} samples/s) on ${summary.backend}` +
        `; feature cache ${summary.featureCache}${augmentationNote(summary.augmentation)}` +
        `${summary.out ? `; model written to ${summary.out}` : ''}\n`,
    );
  }
}

/** `; augmentation flip, crop 0.1, rotation 10°`, or nothing when it was off. */
function augmentationNote(augmentation: Augmentation): string {
  if (!isAugmentationOn(augmentation)) return '';
  const parts = [
    augmentation.flip ? 'flip' : undefined,
    augmentation.crop > 0 ? `crop ${augmentation.crop}` : undefined,
    augmentation.rotation > 0 ? `rotation ${augmentation.rotation}°` : undefined,
  ];
  return `; augmentation ${parts.filter((part) => part !== undefined).join(', ')}`;
}

/** The learning rate when --learning-rate is absent; fine-tuning takes a tenth of the from-scratch rate. */
function defaultLearningRate(optimizer: Optimizer, fromScratch: boolean): number {
  const scratchRate = DEFAULT_SCRATCH_LEARNING_RATE[optimizer];
  // A tenth, so pretrained weights move slowly.
  return fromScratch ? scratchRate : fineTuneLearningRateFor(scratchRate);
}

/** The training settings pretrain and finetune take alike, from the shared flags. */
function trainingSettings(options: SharedOptions, learningRate: number): TrainingSettings {
  return {
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate,
    optimizer: options.optimizer,
    seed: options.seed,
    backend: options.backend,
    earlyStopping: options.patience ? { patience: options.patience } : undefined,
    checkpointDir: options.checkpointDir,
    resumeFrom: options.resume,
    augmentation: {
      flip: options.augmentFlip === true,
      crop: options.augmentCrop ?? 0,
      rotation: options.augmentRotation ?? 0,
    },
  };
}

function saveSpec(options: SharedOptions): ModelSaveSpec | undefined {
  return options.out === undefined ? undefined : { directory: options.out, metrics: 'summary' };
}

/** Runs the job with progress on the streams: a bar while it trains, a line per epoch. */
async function trainWithProgress(
  spec: TrainingJobSpec,
  reporter: ProgressReporter,
  label: string,
): Promise<JobResult> {
  const { epochs, batchSize } = spec.training;
  reporter.start(label, epochs, spec.dataset.train.count, batchSize);
  try {
    return await runTrainingJob(spec, {
      logEverySteps: reporter.usesBar ? 1 : undefined,
      onMetrics: reporter.onMetrics,
      onEpochEnd: (record) => reporter.onEpochEnd(record, epochs),
    });
  } finally {
    reporter.stop();
  }
}

/** The fields both commands print last: what the model was trained on and where it went. */
function reportTail(spec: TrainingJobSpec, result: JobResult, options: SharedOptions) {
  const { dataset } = spec;
  return {
    dataset: { name: dataset.name, hash: dataset.hash, classNames: dataset.classNames },
    warnings: dataset.warnings,
    history: result.history,
    out: options.out ? path.resolve(options.out) : undefined,
    weightsSha256: result.saved?.weightsSha256,
  };
}

/** `finetrack-train pretrain`. */
export async function runPretrain(options: PretrainCliOptions, streams: CliStreams): Promise<void> {
  const reporter = new ProgressReporter(streams, options.json === true);
  await selectBackend(options.backend);
  const { spec, dataset } = await loadDatasetFor(options, options.inputShape, streams, reporter);
  const learningRate = options.learningRate ?? defaultLearningRate(options.optimizer, true);
  const job: TrainingJobSpec = {
    kind: 'pretrain',
    architecture: options.architecture,
    dataset,
    datasetSpec: spec,
    training: trainingSettings(options, learningRate),
    save: saveSpec(options),
  };
  const result = await trainWithProgress(job, reporter, `pretrain ${options.architecture}`);
  finish(streams, options.json, {
    command: 'pretrain',
    ...result.summary,
    learningRate,
    batchSize: options.batchSize,
    optimizer: options.optimizer,
    seed: options.seed,
    architecture: options.architecture,
    ...reportTail(job, result, options),
  });
}

/**
 * Weight-bearing layers up to the cut in topological order: what `--frozen-layers all` means, and
 * an upper bound checked before the dataset loads (surgery checks the exact range again).
 */
function weightBearingBelowCut(source: tf.LayersModel, cutLayer: string | undefined): number {
  const rows = describeModel(source);
  const cutIndex =
    cutLayer === undefined ? rows.length - 2 : rows.findIndex((row) => row.name === cutLayer);
  if (cutIndex < 0)
    throw new JobInputError(
      `Unknown layer '${cutLayer}'; layers are: ${rows.map((row) => row.name).join(', ')}`,
    );
  return rows.slice(0, cutIndex + 1).filter((row) => row.weightBearing).length;
}

/**
 * Checks the finetune flags against the source model before any data loads, so a typo fails in a
 * second: its input must be a fixed-size image and K must be within the layers up to the cut.
 */
function checkFinetuneArguments(source: LoadedModel, options: FinetuneCliOptions) {
  const inputShape = imageInputShape(source.model);
  if (inputShape === undefined)
    throw new JobInputError(
      `the source model's input [${source.model.inputs[0].shape.slice(1).join(', ')}] is not an image of fixed size`,
    );
  const available = weightBearingBelowCut(source.model, options.cutLayer);
  const frozenLayers = options.frozenLayers === 'all' ? available : options.frozenLayers;
  if (frozenLayersProblem(frozenLayers, available))
    throw new JobInputError(
      `--frozen-layers must be from 0 to ${available} (the weight-bearing layers up to the cut), got ${frozenLayers}`,
    );
  return { inputShape, frozenLayers };
}

/** `finetrack-train finetune`. */
export async function runFinetune(options: FinetuneCliOptions, streams: CliStreams): Promise<void> {
  const reporter = new ProgressReporter(streams, options.json === true);
  await selectBackend(options.backend);
  const source = await loadModelDirectory(options.source);
  try {
    const { inputShape, frozenLayers } = checkFinetuneArguments(source, options);
    const { spec, dataset } = await loadDatasetFor(options, inputShape, streams, reporter);
    const initialization = options.scratch ? 'scratch' : 'pretrained';
    const learningRate =
      options.learningRate ?? defaultLearningRate(options.optimizer, options.scratch === true);
    if (options.scratch && frozenLayers > 0)
      streams.stderr.write('warning: --scratch with frozen layers freezes random weights\n');
    const sourceRecord = { directory: source.directory, weightsSha256: source.weightsSha256 };
    const job: TrainingJobSpec = {
      kind: 'finetune',
      source: {
        model: source.model,
        architecture: source.metadata?.architecture ?? 'imported',
        record: sourceRecord,
      },
      frozenLayers,
      initialization,
      cutLayer: options.cutLayer,
      featureCache: options.featureCache,
      preprocessing: options.preprocessing,
      dataset,
      datasetSpec: spec,
      training: trainingSettings(options, learningRate),
      save: saveSpec(options),
    };
    const result = await trainWithProgress(
      job,
      reporter,
      `finetune (${initialization}, ${frozenLayers} frozen)`,
    );
    finish(streams, options.json, {
      command: 'finetune',
      ...result.summary,
      initialization,
      learningRate,
      frozenLayers,
      batchSize: options.batchSize,
      optimizer: options.optimizer,
      seed: options.seed,
      surgery: result.model.surgery,
      source: sourceRecord,
      ...reportTail(job, result, options),
    });
  } finally {
    source.model.dispose();
  }
}
