import * as tf from '@tensorflow/tfjs';
import { DRIFT_METRIC_PREFIX, MetricKey, type Optimizer } from '@finetrack/shared';
import type { DatasetSplit, LoadedDataset } from '../data/dataset.js';
import type { BackendChoice } from '../backend/select-backend.js';
import { executeGraph, isWeightBearing, modelGraph, type GraphNode } from '../model/graph.js';
import { findFrozenPrefix } from '../model/frozen-prefix.js';
import { weightDrift } from '../model/drift.js';
import { parameterCounts } from '../model/surgery.js';
import {
  readCheckpoint,
  saveTensors,
  writeCheckpoint,
  CheckpointError,
  type SavedTensor,
  type TrainingCheckpoint,
} from './checkpoint.js';
import { SeededRandom } from '../random/seeded-random.js';
import type { CommonTrainOptions, EpochRecord, MetricPoint, TrainSummary } from './types.js';

/** Feature caches larger than this (train + validation, bytes) are not built in 'auto' mode. */
export const FEATURE_CACHE_LIMIT_BYTES = 384 * 1024 * 1024;
const EVALUATION_BATCH = 256;
/** Keeps log(p) finite, as Keras does. */
const EPSILON = 1e-7;

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

function validate(options: TrainingLoopOptions): void {
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

/** Images [count, h, w, c] and one-hot labels [count, classes] of a split. */
function splitTensors(
  split: DatasetSplit,
  dataset: LoadedDataset,
): { x: tf.Tensor4D; y: tf.Tensor2D } {
  const [height, width, channels] = dataset.inputShape;
  return tf.tidy(() => ({
    x: tf.tensor4d(split.images, [split.count, height, width, channels]),
    y: tf
      .oneHot(tf.tensor1d(split.labels, 'int32'), dataset.classNames.length)
      .toFloat() as tf.Tensor2D,
  }));
}

/** Mean categorical cross-entropy (nats) of probabilities [batch, classes] against one-hot labels. */
function crossEntropy(probabilities: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.neg(
    tf.mean(
      tf.sum(tf.mul(labels, tf.log(tf.clipByValue(probabilities, EPSILON, 1 - EPSILON))), -1),
    ),
  ) as tf.Scalar;
}

function correctCount(probabilities: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  return tf.sum(
    tf.cast(tf.equal(tf.argMax(probabilities, -1), tf.argMax(labels, -1)), 'float32'),
  ) as tf.Scalar;
}

/**
 * The trainer's one loop (pretraining and fine-tuning both use it): seeded shuffles and dropout,
 * frozen prefix in inference mode (its outputs cached when that pays), per-epoch metrics and
 * drift, checkpoints, resume, early stopping.
 */
export async function runTrainingLoop(options: TrainingLoopOptions): Promise<TrainingLoopResult> {
  validate(options);
  const { model, dataset, batchSize } = options;
  const graph = modelGraph(model);
  const outputName = graph[graph.length - 1].layer.name;
  const prefix = findFrozenPrefix(graph);
  const trainingLayers = new Set(
    graph.map((node) => node.layer.name).filter((name) => !prefix.layers.has(name)),
  );
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  if (variables.length === 0) {
    throw new TrainingOptionsError('Nothing to train: every layer is frozen');
  }
  const optimizer = createOptimizer(options.optimizer, options.learningRate);
  const random = new SeededRandom(options.seed);
  const initialWeights = snapshotWeights(graph);

  let history: EpochRecord[] = [];
  let globalStep = 0;
  let bestMonitorValue: number | null = null;
  let epochsWithoutImprovement = 0;
  let startEpoch = 1;
  if (options.resumeFrom !== undefined) {
    const checkpoint =
      typeof options.resumeFrom === 'string'
        ? await readCheckpoint(options.resumeFrom)
        : options.resumeFrom;
    await restore(model, optimizer, checkpoint, options.optimizer);
    random.state = checkpoint.randomState;
    history = checkpoint.history.slice();
    globalStep = checkpoint.globalStep;
    bestMonitorValue = checkpoint.bestMonitorValue;
    epochsWithoutImprovement = checkpoint.epochsWithoutImprovement;
    startEpoch = checkpoint.epoch + 1;
  }
  const resumedFromEpoch = startEpoch - 1;

  const train = splitTensors(dataset.train, dataset);
  const validation = splitTensors(dataset.validation, dataset);
  const cache = { train: new Map<string, tf.Tensor>(), validation: new Map<string, tf.Tensor>() };
  const useCache = decideCache(options.featureCache ?? 'auto', prefix, graph, dataset);
  let cacheBuilt = false;

  const emit = async (points: MetricPoint[]) => {
    if (options.onMetrics !== undefined && points.length > 0) {
      await options.onMetrics(points);
    }
  };

  let stoppedEarly = false;
  let trainSeconds = 0;
  let trainedSamples = 0;
  const lastEpoch = Math.min(options.epochs, options.stopAfterEpoch ?? options.epochs);
  try {
    for (let epoch = startEpoch; epoch <= lastEpoch; epoch += 1) {
      const epochStart = performance.now();
      if (useCache && !cacheBuilt) {
        // Built inside the first epoch's time: the cache is part of what that epoch costs.
        buildCache(graph, prefix.boundary, train.x, cache.train);
        buildCache(graph, prefix.boundary, validation.x, cache.validation);
        cacheBuilt = true;
      }
      const order = random.permutation(dataset.train.count);
      let lossSum = 0;
      let correct = 0;
      const stepPoints: MetricPoint[] = [];
      for (let start = 0; start < order.length; start += batchSize) {
        const indices = tf.tensor1d(
          order.subarray(start, Math.min(start + batchSize, order.length)),
          'int32',
        );
        const dropoutSeed = random.nextUint32();
        const [batchLoss, batchCorrect] = tf.tidy(() => {
          const labels = tf.gather(train.y, indices);
          const given = cacheBuilt ? gatherAll(cache.train, indices) : undefined;
          const input = cacheBuilt ? undefined : tf.gather(train.x, indices);
          let hits: tf.Scalar | undefined;
          const { value, grads } = tf.variableGrads(() => {
            const [probabilities] = executeGraph(graph, input, [outputName], {
              trainingLayers,
              dropoutSeed,
              given,
            });
            hits = tf.keep(correctCount(probabilities, labels));
            return crossEntropy(probabilities, labels);
          }, variables);
          optimizer.applyGradients(grads);
          const counts = [value.dataSync()[0], hits!.dataSync()[0]];
          hits!.dispose(); // kept out of the gradient scope above, so tidy would not free it
          return counts;
        });
        indices.dispose();
        const size = Math.min(batchSize, order.length - start);
        lossSum += batchLoss * size;
        correct += batchCorrect;
        globalStep += 1;
        if (options.logEverySteps !== undefined && globalStep % options.logEverySteps === 0) {
          const wallTime = Date.now();
          stepPoints.push(
            { key: 'batch_loss', step: globalStep, value: batchLoss, wallTime, epoch },
            {
              key: 'batch_accuracy',
              step: globalStep,
              value: batchCorrect / size,
              wallTime,
              epoch,
            },
          );
          await emit(stepPoints.splice(0));
        }
      }
      const epochTrainSeconds = (performance.now() - epochStart) / 1000;
      trainSeconds += epochTrainSeconds;
      trainedSamples += order.length;
      const evaluation = evaluate(
        graph,
        outputName,
        validation,
        cacheBuilt ? cache.validation : undefined,
      );
      const record: EpochRecord = {
        epoch,
        loss: lossSum / order.length,
        accuracy: correct / order.length,
        valLoss: evaluation.loss,
        valAccuracy: evaluation.accuracy,
        samplesPerSecond: order.length / epochTrainSeconds,
        wallSeconds: (performance.now() - epochStart) / 1000,
        drift: driftByLayer(graph, initialWeights),
        cached: cacheBuilt,
      };
      history.push(record);

      const monitor = options.earlyStopping?.monitor ?? 'val_loss';
      const monitored = monitor === 'val_loss' ? -record.valLoss : record.valAccuracy;
      if (
        bestMonitorValue === null ||
        monitored > bestMonitorValue + (options.earlyStopping?.minDelta ?? 0)
      ) {
        bestMonitorValue = monitored;
        epochsWithoutImprovement = 0;
      } else {
        epochsWithoutImprovement += 1;
      }

      await emit(epochPoints(record, globalStep));
      // Snapshotting weights and optimizer state costs about as much as a cached epoch of a
      // small model, so it is only taken when someone will keep it.
      if (options.checkpointDir !== undefined || options.onEpochEnd !== undefined) {
        const checkpoint: TrainingCheckpoint = {
          epoch,
          globalStep,
          randomState: random.state,
          modelWeights: await saveTensors(
            model.weights.map((weight) => ({ name: weight.originalName, tensor: weight.read() })),
          ),
          optimizerName: options.optimizer,
          optimizerWeights: await saveOptimizerWeights(optimizer),
          history: history.slice(),
          bestMonitorValue,
          epochsWithoutImprovement,
        };
        if (options.checkpointDir !== undefined) {
          await writeCheckpoint(options.checkpointDir, checkpoint);
        }
        await options.onEpochEnd?.(record, checkpoint);
      }
      if (
        options.earlyStopping !== undefined &&
        epochsWithoutImprovement >= options.earlyStopping.patience
      ) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    tf.dispose([train.x, train.y, validation.x, validation.y]);
    tf.dispose([...cache.train.values(), ...cache.validation.values()]);
    tf.dispose([...initialWeights.values()].flat());
    disposeOptimizer(optimizer);
  }

  return {
    history,
    summary: summarize(history, model, graph, options, {
      trainSeconds,
      trainedSamples,
      stoppedEarly,
      featureCacheUsed: cacheBuilt,
      resumedFromEpoch,
    }),
  };
}

/**
 * tfjs 4.22's MomentumOptimizer.dispose forgets the learning-rate scalar its SGD base keeps
 * (`c`), one leaked tensor per run; free it too.
 */
function disposeOptimizer(optimizer: tf.Optimizer): void {
  optimizer.dispose();
  const learningRateScalar = (optimizer as unknown as { c?: tf.Tensor }).c;
  if (learningRateScalar !== undefined && !learningRateScalar.isDisposed) {
    learningRateScalar.dispose();
  }
}

/** Optimizer state as plain arrays; getWeights' iteration scalar is a new tensor, freed here. */
async function saveOptimizerWeights(optimizer: tf.Optimizer): Promise<SavedTensor[]> {
  const weights = await optimizer.getWeights();
  const saved = await saveTensors(weights.map(({ name, tensor }) => ({ name, tensor })));
  weights
    .filter(({ tensor }) => !(tensor instanceof tf.Variable))
    .forEach(({ tensor }) => tensor.dispose());
  return saved;
}

function decideCache(
  mode: 'auto' | 'always' | 'never',
  prefix: ReturnType<typeof findFrozenPrefix>,
  graph: readonly GraphNode[],
  dataset: LoadedDataset,
): boolean {
  if (mode === 'never' || !prefix.hasFrozenWeights || prefix.boundary.length === 0) {
    return false;
  }
  if (mode === 'always') {
    return true;
  }
  const byName = new Map(graph.map((node) => [node.layer.name, node.layer]));
  const floatsPerSample = prefix.boundary.reduce((sum, name) => {
    const shape = byName.get(name)!.outputShape as (number | null)[];
    return sum + shape.slice(1).reduce<number>((product, size) => product * (size ?? 1), 1);
  }, 0);
  const bytes = floatsPerSample * 4 * (dataset.train.count + dataset.validation.count);
  return bytes <= FEATURE_CACHE_LIMIT_BYTES;
}

/** Runs the frozen prefix once over all samples, in inference mode, and keeps its outputs. */
function buildCache(
  graph: readonly GraphNode[],
  boundary: readonly string[],
  images: tf.Tensor4D,
  into: Map<string, tf.Tensor>,
): void {
  const count = images.shape[0];
  const parts = boundary.map(() => [] as tf.Tensor[]);
  for (let start = 0; start < count; start += EVALUATION_BATCH) {
    const size = Math.min(EVALUATION_BATCH, count - start);
    const outputs = tf.tidy(() =>
      executeGraph(graph, images.slice(start, size), boundary, {
        trainingLayers: new Set(),
        dropoutSeed: 0,
      }),
    );
    outputs.forEach((output, index) => parts[index].push(output));
  }
  if (count === 0) {
    return;
  }
  boundary.forEach((name, index) => {
    into.set(name, parts[index].length === 1 ? parts[index][0] : tf.concat(parts[index]));
    if (parts[index].length > 1) {
      tf.dispose(parts[index]);
    }
  });
}

function gatherAll(features: Map<string, tf.Tensor>, indices: tf.Tensor1D): Map<string, tf.Tensor> {
  return new Map([...features].map(([name, tensor]) => [name, tf.gather(tensor, indices)]));
}

/** Loss and accuracy in inference mode over a whole split. */
function evaluate(
  graph: readonly GraphNode[],
  outputName: string,
  split: { x: tf.Tensor4D; y: tf.Tensor2D },
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

/** Copies of every weight-bearing layer's weights, by layer name (W₀ for drift). */
function snapshotWeights(graph: readonly GraphNode[]): Map<string, tf.Tensor[]> {
  return new Map(
    graph
      .filter((node) => isWeightBearing(node.layer))
      .map((node) => [
        node.layer.name,
        node.layer.weights.map((weight) => tf.clone(weight.read())),
      ]),
  );
}

function driftByLayer(
  graph: readonly GraphNode[],
  initial: Map<string, tf.Tensor[]>,
): Record<string, number> {
  const drift: Record<string, number> = {};
  for (const node of graph) {
    const start = initial.get(node.layer.name);
    if (start !== undefined) {
      drift[node.layer.name] = weightDrift(
        node.layer.weights.map((weight) => weight.read()),
        start,
      );
    }
  }
  return drift;
}

function epochPoints(record: EpochRecord, step: number): MetricPoint[] {
  const wallTime = Date.now();
  const point = (key: string, value: number): MetricPoint => ({
    key,
    step,
    value,
    wallTime,
    epoch: record.epoch,
  });
  return [
    point(MetricKey.Loss, record.loss),
    point(MetricKey.Accuracy, record.accuracy),
    point(MetricKey.ValLoss, record.valLoss),
    point(MetricKey.ValAccuracy, record.valAccuracy),
    point(MetricKey.SamplesPerSecond, record.samplesPerSecond),
    point(MetricKey.WallSeconds, record.wallSeconds),
    ...Object.entries(record.drift).map(([layer, value]) =>
      point(`${DRIFT_METRIC_PREFIX}${layer}`, value),
    ),
  ];
}

async function restore(
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

function summarize(
  history: EpochRecord[],
  model: tf.LayersModel,
  graph: readonly GraphNode[],
  options: TrainingLoopOptions,
  run: {
    trainSeconds: number;
    trainedSamples: number;
    stoppedEarly: boolean;
    featureCacheUsed: boolean;
    resumedFromEpoch: number;
  },
): TrainSummary {
  const last = history[history.length - 1];
  const best = history.reduce<EpochRecord | undefined>(
    (current, record) =>
      current === undefined || record.valAccuracy > current.valAccuracy ? record : current,
    undefined,
  );
  const weightBearing = graph
    .filter((node) => isWeightBearing(node.layer))
    .map((node) => node.layer);
  return {
    backend: options.backendChoice.backend,
    device: options.backendChoice.device,
    epochs: last?.epoch ?? 0,
    valAccuracy: last?.valAccuracy ?? Number.NaN,
    valLoss: last?.valLoss ?? Number.NaN,
    bestValAccuracy: best?.valAccuracy ?? Number.NaN,
    bestValLoss: history.reduce(
      (lowest, record) => Math.min(lowest, record.valLoss),
      Number.POSITIVE_INFINITY,
    ),
    bestEpoch: best?.epoch ?? 0,
    trainSeconds: run.trainSeconds,
    samplesPerSecond: run.trainSeconds > 0 ? run.trainedSamples / run.trainSeconds : 0,
    ...parameterCounts(model),
    frozenLayerNames: weightBearing.filter((layer) => !layer.trainable).map((layer) => layer.name),
    trainableLayerNames: weightBearing
      .filter((layer) => layer.trainable)
      .map((layer) => layer.name),
    stoppedEarly: run.stoppedEarly,
    featureCacheUsed: run.featureCacheUsed,
    resumedFromEpoch: run.resumedFromEpoch,
    trainSamples: options.dataset.train.count,
    validationSamples: options.dataset.validation.count,
  };
}
