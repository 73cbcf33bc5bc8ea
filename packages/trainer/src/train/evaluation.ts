import * as tf from '@tensorflow/tfjs';
import type { Preprocessing } from '@finetrack/shared';
import type { DatasetSplit, LoadedDataset } from '../data/dataset.js';
import { preprocessImages, unitToPixels } from '../data/preprocess.js';
import { executeGraph, type GraphNode } from '../model/graph.js';

/** Most samples per forward pass when nothing is trained (evaluation, the feature cache, scoring). */
export const EVALUATION_BATCH = 256;
/**
 * Bytes of activations one inference batch may hold. A 224×224 MobileNetV2 keeps about 5 MB per
 * image in its largest layer; 256 of them at once exhausted the 4 GiB wasm heap and corrupted it
 * ("memory access out of bounds" in whichever kernel ran next).
 */
export const INFERENCE_ACTIVATION_BUDGET_BYTES = 256 * 1024 * 1024;
/** Tensors alive at once in a forward pass: a layer's input, its output and an intermediate. */
const LIVE_ACTIVATIONS = 3;

/**
 * Samples per inference batch for `graph`: EVALUATION_BATCH, or fewer when its largest layer
 * output times the live tensors would pass INFERENCE_ACTIVATION_BUDGET_BYTES (at least one).
 */
export function inferenceBatchSize(graph: readonly GraphNode[]): number {
  let largest = 0;
  for (const node of graph) {
    const shapes = (
      Array.isArray(node.layer.outputShape[0]) ? node.layer.outputShape : [node.layer.outputShape]
    ) as (number | null)[][];
    for (const shape of shapes) {
      const elements = shape.slice(1).reduce<number>((product, size) => product * (size ?? 1), 1);
      largest = Math.max(largest, elements);
    }
  }
  const perSample = largest * 4 * LIVE_ACTIVATIONS;
  if (perSample === 0) return EVALUATION_BATCH;
  return Math.max(
    1,
    Math.min(EVALUATION_BATCH, Math.floor(INFERENCE_ACTIVATION_BUDGET_BYTES / perSample)),
  );
}
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
  const batch = inferenceBatchSize(graph);
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
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
