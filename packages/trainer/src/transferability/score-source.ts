import * as tf from '@tensorflow/tfjs';
import { MAX_SCORE_SAMPLES, type Preprocessing } from '@finetrack/shared';
import type { LoadedDataset } from '../data/dataset.js';
import { preprocessImages, unitToPixels } from '../data/preprocess.js';
import { executeGraph, modelGraph } from '../model/graph.js';
import { inferenceBatchSize } from '../train/evaluation.js';
import { featureCut } from './feature-cut.js';
import type { RowMatrix } from './label-matrix.js';
import { leep } from './leep.js';
import { logMe } from './logme.js';
import { argmaxRows, nce } from './nce.js';

/** How well a source model is predicted to transfer to a target dataset, before any training. */
export interface SourceModelScore {
  /** LogME of the frozen features at the cut (higher is better). */
  logMe: number;
  /** LEEP of the source head's predictions (≤ 0; closer to 0 is better); null without a classifier. */
  leep: number | null;
  /** NCE of the source head's hard predictions (≤ 0; closer to 0 is better); null without a classifier. */
  nce: number | null;
  /** Where the features were taken and how many per sample. */
  cutLayer: string;
  featureDimensions: number;
  samples: number;
  seconds: number;
}

/**
 * Scores `source` for the target `dataset`'s training split (its first `samples` samples, as a
 * size sweep's subset would see them, and no more than MAX_SCORE_SAMPLES) with one forward pass
 * in inference mode, in bounded batches: the features at `cutLayer` (default: the body's output,
 * below the whole classifier stack; see featureCut) for LogME, and the source head's softmax for
 * LEEP and NCE. `preprocessing` is the source's pixel scaling (absent or `unit`: the loaders'
 * [0, 1] as they are), as fine-tuning feeds it.
 */
export function scoreSourceModel(
  source: tf.LayersModel,
  dataset: LoadedDataset,
  options: { cutLayer?: string; samples?: number; preprocessing?: Preprocessing } = {},
): SourceModelScore {
  const started = performance.now();
  const graph = modelGraph(source);
  const output = graph[graph.length - 1]!;
  const cutLayer = options.cutLayer ?? featureCut(graph);
  const { train, inputShape, classNames } = dataset;
  const count = Math.min(options.samples ?? train.count, train.count, MAX_SCORE_SAMPLES);
  if (count < 2) throw new RangeError('scoring needs at least two target samples');
  const sampleSize = inputShape[0] * inputShape[1] * inputShape[2];
  let features: Float64Array | undefined;
  let probabilities: Float64Array | undefined;
  let dimensions = 0;
  let sourceClasses = 0;
  const batch = inferenceBatchSize(graph);
  const channels = source.inputs[0]!.shape[3] ?? inputShape[2];
  for (let start = 0; start < count; start += batch) {
    const size = Math.min(batch, count - start);
    // What tidy returns it walks element by element: copy the batch out inside it instead.
    tf.tidy(() => {
      const unit = tf.tensor4d(
        train.images.subarray(start * sampleSize, (start + size) * sampleSize),
        [size, ...inputShape],
      );
      const x =
        options.preprocessing === undefined || options.preprocessing === 'unit'
          ? unit
          : preprocessImages(unitToPixels(unit), options.preprocessing, channels);
      const [f, p] = executeGraph(graph, x, [cutLayer, output.layer.name], {
        trainingLayers: new Set(),
        dropoutSeed: 0,
      });
      const cut = f!.dataSync();
      const head = p!.dataSync();
      if (!features) {
        dimensions = cut.length / size;
        sourceClasses = head.length / size;
        features = new Float64Array(count * dimensions);
        probabilities = new Float64Array(count * sourceClasses);
      }
      features.set(cut, start * dimensions);
      probabilities!.set(head, start * sourceClasses);
    });
  }
  const labels = train.labels.subarray(0, count);
  const featureMatrix: RowMatrix = { rows: count, columns: dimensions, values: features! };
  const headMatrix: RowMatrix = { rows: count, columns: sourceClasses, values: probabilities! };
  // LEEP and NCE read the output as a distribution over source classes: a model that ends in
  // features or logits has none to read.
  const classifier = endsInSoftmax(output.layer);
  return {
    logMe: logMe(featureMatrix, labels, classNames.length, {
      gram: dimensions > count ? samplesGram(featureMatrix) : undefined,
    }).score,
    leep: classifier ? leep(headMatrix, labels, classNames.length) : null,
    nce: classifier
      ? nce(
          argmaxRows(headMatrix.values, count, sourceClasses),
          labels,
          classNames.length,
          sourceClasses,
        )
      : null,
    cutLayer,
    featureDimensions: dimensions,
    samples: count,
    seconds: (performance.now() - started) / 1000,
  };
}

/** Whether a layer's output is a softmax (a Dense or an Activation layer with that activation). */
function endsInSoftmax(layer: tf.layers.Layer): boolean {
  return (layer.getConfig() as { activation?: unknown }).activation === 'softmax';
}

/**
 * F Fᵀ of features wider than the samples (the body's output: 4,608 for small-cnn, 25,088 for
 * VGG16) on the backend, in float32: the product that dominates LogME there, tens of times
 * faster than in JavaScript. The eigenvectors LogME reads of it are the left singular vectors
 * themselves, so float32's rounding moves the score by no more than about 1e-6.
 */
function samplesGram({ rows, columns, values }: RowMatrix): Float32Array {
  const f = tf.tensor2d(Float32Array.from(values), [rows, columns]);
  const product = tf.matMul(f, f, false, true);
  const gram = product.dataSync() as Float32Array;
  tf.dispose([f, product]);
  return gram;
}
