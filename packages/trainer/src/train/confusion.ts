import * as tf from '@tensorflow/tfjs';
import {
  confusionMatrix,
  MAX_CONFUSION_MATRIX_CLASSES,
  type ConfusionMatrix,
} from '@finetrack/shared';
import type { LoadedDataset } from '../data/dataset.js';
import { modelGraph } from '../model/graph.js';
import { inferenceBatchSize } from './evaluation.js';

/**
 * The trained model's confusion matrix on the validation split, predicted in bounded batches
 * (inferenceBatchSize samples at a time, never the whole split as one tensor). Null when there is
 * no validation split, or more classes than a stored matrix may have.
 */
export function validationConfusion(
  model: tf.LayersModel,
  dataset: LoadedDataset,
): ConfusionMatrix | null {
  const { validation, classNames, inputShape } = dataset;
  if (validation.count === 0 || classNames.length > MAX_CONFUSION_MATRIX_CLASSES) return null;
  const sampleSize = inputShape[0] * inputShape[1] * inputShape[2];
  const predicted = new Int32Array(validation.count);
  const batchSize = inferenceBatchSize(modelGraph(model));
  for (let start = 0; start < validation.count; start += batchSize) {
    const size = Math.min(batchSize, validation.count - start);
    const batch = tf.tidy(() => {
      const x = tf.tensor4d(
        validation.images.subarray(start * sampleSize, (start + size) * sampleSize),
        [size, ...inputShape],
      );
      return tf.argMax(model.predict(x) as tf.Tensor, -1).dataSync();
    });
    predicted.set(batch, start);
  }
  return confusionMatrix(classNames, validation.labels, predicted);
}
