import type * as tf from '@tensorflow/tfjs';
import { augmentationProblems, hyperparameterProblems } from '@finetrack/shared';
import type { BackendChoice } from '../backend/select-backend.js';
import type { CommonTrainOptions, EpochRecord, TrainSummary } from './types.js';

export interface TrainingLoopOptions extends CommonTrainOptions {
  model: tf.LayersModel;
  backendChoice: BackendChoice;
  featureCache?: 'auto' | 'always' | 'never';
  /**
   * Run every batch-norm layer in inference mode, trainable ones included: gamma and beta still
   * learn but the moving statistics stay the source's. Fine-tuning pretrained weights does this,
   * as the Keras transfer-learning guide recommends (small target batches would otherwise
   * overwrite statistics learnt on the large source set); pretraining and scratch runs do not.
   */
  batchNormInference?: boolean;
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
  const { epochs, batchSize, learningRate, seed } = options;
  const [problem] = hyperparameterProblems({ epochs, batchSize, learningRate, seed });
  if (problem) {
    const given = options[problem.field as 'epochs' | 'batchSize' | 'learningRate' | 'seed'];
    throw new TrainingOptionsError(`${problem.message} (got ${given})`);
  }
  const [augmentationProblem] =
    options.augmentation === undefined ? [] : augmentationProblems(options.augmentation);
  if (augmentationProblem) {
    throw new TrainingOptionsError(augmentationProblem.message);
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
