import * as tf from '@tensorflow/tfjs';
import type { Optimizer } from '@finetrack/shared';
import {
  CheckpointError,
  saveTensors,
  type SavedTensor,
  type TrainingCheckpoint,
} from './checkpoint.js';
import { TrainingOptionsError } from './training-options.js';

/** Maps the shared optimizer names onto tfjs optimizers (momentum 0.9). */
export function createOptimizer(name: Optimizer, learningRate: number): tf.Optimizer {
  switch (name) {
    case 'adam':
      return tf.train.adam(learningRate);
    case 'sgd':
      return tf.train.sgd(learningRate);
    case 'momentum':
      return tf.train.momentum(learningRate, 0.9);
    default:
      throw new TrainingOptionsError(`Unknown optimizer '${String(name)}'`);
  }
}

/**
 * tfjs 4.22's MomentumOptimizer.dispose forgets the learning-rate scalar its SGD base keeps
 * (`c`), one leaked tensor per run; free it too.
 */
export function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const learningRateScalar = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (learningRateScalar !== undefined && !learningRateScalar.isDisposed) {
    learningRateScalar.dispose();
  }
}

/** Optimizer state as plain arrays; getWeights' iteration scalar is a new tensor, freed here. */
export async function saveOptimizerWeights(optimizer: tf.Optimizer): Promise<SavedTensor[]> {
  const weights = await optimizer.getWeights();
  const saved = await saveTensors(weights.map(({ name, tensor }) => ({ name, tensor })));
  weights
    .filter(({ tensor }) => !(tensor instanceof tf.Variable))
    .forEach(({ tensor }) => tensor.dispose());
  return saved;
}

/** Puts a checkpoint's model weights and optimizer state back, after checking they fit. */
export async function restoreWeights(
  model: tf.LayersModel,
  optimizer: tf.Optimizer,
  checkpoint: TrainingCheckpoint,
  optimizerName: Optimizer,
): Promise<void> {
  const weights = model.weights;
  const shapesMatch = (saved: SavedTensor[], shapes: number[][]) =>
    saved.length === shapes.length &&
    saved.every((tensor, index) => tensor.shape.join('x') === shapes[index].join('x'));
  if (
    !shapesMatch(
      checkpoint.modelWeights,
      weights.map((weight) => weight.shape as number[]),
    )
  ) {
    throw new CheckpointError('The checkpoint was written for a model with different weights');
  }
  if (checkpoint.optimizerName !== optimizerName) {
    throw new CheckpointError(
      `The checkpoint used optimizer '${checkpoint.optimizerName}', this run asks for '${optimizerName}'`,
    );
  }
  const values = checkpoint.modelWeights.map((saved) => tf.tensor(saved.values, saved.shape));
  model.setWeights(values);
  tf.dispose(values);
  const optimizerValues = checkpoint.optimizerWeights.map((saved) => ({
    name: saved.name,
    tensor: tf.tensor(saved.values, saved.shape),
  }));
  await optimizer.setWeights(optimizerValues);
  // The optimizer made its own variables from these.
  tf.dispose(optimizerValues.map(({ tensor }) => tensor));
}
