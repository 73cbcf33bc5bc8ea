import type * as tf from '@tensorflow/tfjs';
import type { BackendChoice } from '../backend/select-backend.js';
import type { CommonTrainOptions, EpochRecord, TrainSummary } from './types.js';

export interface TrainingLoopOptions extends CommonTrainOptions {
  model: tf.LayersModel;
  backendChoice: BackendChoice;
  featureCache?: 'auto' | 'always' | 'never';
}

export interface TrainingLoopResult {
  history: EpochRecord[];
  summary: TrainSummary;
}

/** Thrown for options the loop cannot run with. */
export class TrainingOptionsError extends Error {
  override readonly name = 'TrainingOptionsError';
}

/** Rejects options the loop cannot run with, before any tensor is made. */
export function validateTrainingOptions(options: TrainingLoopOptions): void {
  const positiveInteger = (value: number) => Number.isInteger(value) && value > 0;
  if (!positiveInteger(options.epochs)) {
    throw new TrainingOptionsError(`epochs must be a positive integer (got ${options.epochs})`);
  }
  if (!positiveInteger(options.batchSize)) {
    throw new TrainingOptionsError(
      `batchSize must be a positive integer (got ${options.batchSize})`,
    );
  }
  if (!(options.learningRate > 0) || !Number.isFinite(options.learningRate)) {
    throw new TrainingOptionsError(
      `learningRate must be a positive number (got ${options.learningRate})`,
    );
  }
  if (!Number.isInteger(options.seed)) {
    throw new TrainingOptionsError(`seed must be an integer (got ${options.seed})`);
  }
  if (options.dataset.train.count === 0) {
    throw new TrainingOptionsError('The training split is empty');
  }
  const outputUnits = options.model.outputs[0].shape[1];
  if (outputUnits !== options.dataset.classNames.length) {
    throw new TrainingOptionsError(
      `The model has ${outputUnits} output units but the dataset has ${options.dataset.classNames.length} classes`,
    );
  }
}
