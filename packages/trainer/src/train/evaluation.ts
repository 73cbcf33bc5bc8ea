import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '@finetrack/shared';
import type { DatasetSplit, LoadedDataset } from '../data/dataset.js';
import { preprocessImages, unitToPixels } from '../data/preprocess.js';
import { executeGraph, type GraphNode } from '../model/graph.js';

/** Samples per forward pass when nothing is trained (evaluation, building the feature cache). */
export const EVALUATION_BATCH = 256;
/** Keeps log(p) finite, as Keras does. */
const EPSILON = 1e-7;

/** A split as tensors: images [count, h, w, c] and one-hot labels [count, classes]. */
export interface SplitTensors {
  x: tf.Tensor4D;
  y: tf.Tensor2D;
}

/** Images [count, h, w, c] and one-hot labels [count, classes] of a split. */
export function splitTensors(
  split: DatasetSplit,
  dataset: LoadedDataset,
  input?: { preprocessing: Preprocessing; channels: number },
): SplitTensors {
  const [height, width, channels] = dataset.inputShape;
  return tf.tidy(() => {
    const images = tf.tensor4d(split.images, [split.count, height, width, channels]);
    return {
      x:
        input === undefined
          ? images
          : preprocessImages(unitToPixels(images), input.preprocessing, input.channels),
      y: tf
        .oneHot(tf.tensor1d(split.labels, 'int32'), dataset.classNames.length)
        .toFloat() as tf.Tensor2D,
    };
  });
}

/** Mean categorical cross-entropy (nats) of probabilities [batch, classes] against one-hot labels. */
export function crossEntropy(probabilities: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.neg(
    tf.mean(
      tf.sum(tf.mul(labels, tf.log(tf.clipByValue(probabilities, EPSILON, 1 - EPSILON))), -1),
    ),
  ) as tf.Scalar;
}

/** How many rows of probabilities [batch, classes] pick the labelled class. */
export function correctCount(probabilities: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.sum(
    tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.argMax(labels, -1)), 'float32'),
  ) as tf.Scalar;
}

/**
 * Loss (nats) and accuracy (fraction) in inference mode over a whole split; `cached` holds the
 * frozen prefix's outputs for it, when the feature cache is in use. NaN for an empty split.
 */
export function evaluate(
  graph: readonly GraphNode[],
  outputName: string,
  split: SplitTensors,
  cached: Map<string, tf.Tensor> | undefined,
): { loss: number; accuracy: number } {
  const count = split.x.shape[0];
  if (count === 0) {
    return { loss: Number.NaN, accuracy: Number.NaN };
  }
  let lossSum = 0;
  let correct = 0;
  for (let start = 0; start < count; start += EVALUATION_BATCH) {
    const size = Math.min(EVALUATION_BATCH, count - start);
    const [loss, hits] = tf.tidy(() => {
      const given = cached
        ? new Map([...cached].map(([name, tensor]) => [name, tensor.slice(start, size)]))
        : undefined;
      const input = cached ? undefined : split.x.slice(start, size);
      const labels = split.y.slice(start, size);
      const [probabilities] = executeGraph(graph, input, [outputName], {
        trainingLayers: new Set(),
        dropoutSeed: 0,
        given,
      });
      return [
        crossEntropy(probabilities, labels).dataSync()[0],
        correctCount(probabilities, labels).dataSync()[0],
      ];
    });
    lossSum += loss * size;
    correct += hits;
  }
  return { loss: lossSum / count, accuracy: correct / count };
}
