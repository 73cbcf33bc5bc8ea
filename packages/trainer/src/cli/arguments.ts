import {
  AUGMENTATION_DESCRIPTIONS,
  augmentationCropProblem,
  augmentationRotationProblem,
  type Preprocessing,
  batchSizeProblem,
  epochsProblem,
  learningRateProblem,
  OPTIMIZERS,
  seedProblem,
  type Architecture,
  type Optimizer,
  type RuleProblem,
} from '@finetrack/shared';
import { Option, InvalidArgumentError, type Command } from 'commander';
import { parseBackendName, type BackendName } from '../backend/select-backend.js';
import { parseClassList } from '../data/index.js';

export function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

function integer(value: string): number {
  const parsed = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed))
    throw new InvalidArgumentError('expected an integer');
  return parsed;
}

function number(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed))
    throw new InvalidArgumentError('expected a number');
  return parsed;
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError('expected a number > 0');
  return parsed;
}

/** Parses with `parse`, then holds the value to one of the shared rule book's rules. */
function ruled(parse: (value: string) => number, rule: (value: unknown) => RuleProblem | null) {
  return (value: string): number => {
    const parsed = parse(value);
    const problem = rule(parsed);
    if (problem) throw new InvalidArgumentError(problem.message);
    return parsed;
  };
}

function classList(value: string): number[] {
  try {
    return parseClassList(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

export function backendName(value: string): BackendName {
  try {
    return parseBackendName(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** `28x28x1` → [28, 28, 1]. */
export function shape(value: string): [number, number, number] {
  const match = /^(\d+)x(\d+)x(1|3)$/.exec(value.trim());
  if (!match)
    throw new InvalidArgumentError('expected HEIGHTxWIDTHxCHANNELS, e.g. 28x28x1 or 64x64x3');
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

export function frozenLayersValue(value: string): number | 'all' {
  if (value.trim() === 'all') return 'all';
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed))
    throw new InvalidArgumentError('expected an integer ≥ 0 or "all"');
  return parsed;
}

export interface SharedOptions {
  dataset: string;
  classes?: number[];
  epochs: number;
  batchSize: number;
  learningRate?: number;
  optimizer: Optimizer;
  trainSamples?: number;
  validationSamples?: number;
  seed: number;
  out?: string;
  backend?: BackendName;
  json?: boolean;
  patience?: number;
  checkpointDir?: string;
  resume?: string;
  augmentFlip?: boolean;
  augmentCrop?: number;
  augmentRotation?: number;
}

export interface PretrainCliOptions extends SharedOptions {
  architecture: Architecture;
  inputShape?: [number, number, number];
}

export interface FinetuneCliOptions extends SharedOptions {
  source: string;
  frozenLayers: number | 'all';
  scratch?: boolean;
  cutLayer?: string;
  featureCache: 'auto' | 'always' | 'never';
  preprocessing?: Preprocessing;
}

/** Adds the flags pretrain and finetune share. */
export function addTrainingOptions(command: Command, defaultEpochs: number): Command {
  return command
    .requiredOption(
      '--dataset <dataset>',
      'mnist, fashion-mnist, folder:PATH (PATH inside FINETRACK_DATA_ROOT) or archive:FILE (zip/tar/tar.gz)',
    )
    .option(
      '--classes <list>',
      'classes to keep, relabelled 0..n-1 in this order, e.g. 0-4 or 5,6,7 (MNIST-like sets)',
      classList,
    )
    .option('--epochs <n>', 'training epochs', ruled(positiveInteger, epochsProblem), defaultEpochs)
    .option(
      '--batch-size <n>',
      'samples per optimizer step',
      ruled(positiveInteger, batchSizeProblem),
      32,
    )
    .option(
      '--learning-rate <rate>',
      'optimizer learning rate (default: see the command description)',
      ruled(positiveNumber, learningRateProblem),
    )
    .addOption(
      new Option('--optimizer <name>', 'optimizer').choices([...OPTIMIZERS]).default('adam'),
    )
    .option(
      '--train-samples <n>',
      'cap on training samples (after a seeded shuffle)',
      positiveInteger,
    )
    .option(
      '--validation-samples <n>',
      'cap on validation samples (MNIST-like sets)',
      positiveInteger,
    )
    .option('--seed <n>', 'seed for weights, shuffles and dropout', ruled(integer, seedProblem), 0)
    .option('--out <dir>', 'write the model there: model.json + weights.bin + finetrack.json')
    .option(
      '--backend <name>',
      'tensorflow-gpu | tensorflow | wasm | cpu (default: FINETRACK_BACKEND, else the best available)',
      backendName,
    )
    .option(
      '--patience <n>',
      'stop early after this many epochs without a better val_loss',
      positiveInteger,
    )
    .option('--checkpoint-dir <dir>', 'write a resumable checkpoint there after every epoch')
    .option(
      '--resume <dir>',
      'continue from a checkpoint folder written by --checkpoint-dir (same command and flags)',
    )
    .option('--augment-flip', `augmentation: ${AUGMENTATION_DESCRIPTIONS.flip}`)
    .option(
      '--augment-crop <fraction>',
      `augmentation: ${AUGMENTATION_DESCRIPTIONS.crop}`,
      ruled(number, augmentationCropProblem),
    )
    .option(
      '--augment-rotation <degrees>',
      `augmentation: ${AUGMENTATION_DESCRIPTIONS.rotation}`,
      ruled(number, augmentationRotationProblem),
    )
    .option('--json', 'print one JSON object as the last line of stdout (progress goes to stderr)');
}
