import * as tf from '@tensorflow/tfjs';
import { isAugmentationOn, NO_AUGMENTATION } from '@finetrack/shared';
import { findFrozenPrefix } from '../model/frozen-prefix.js';
import { executeGraph, isBatchNorm, modelGraph, type GraphNode } from '../model/graph.js';
import { SeededRandom } from '../random/seeded-random.js';
import {
  readCheckpoint,
  saveTensors,
  writeCheckpoint,
  type TrainingCheckpoint,
} from './checkpoint.js';
import {
  batchPoints,
  driftByLayer,
  epochPoints,
  snapshotWeights,
  summarize,
  updateMonitor,
  type MonitorState,
} from './epoch-metrics.js';
import {
  correctCount,
  crossEntropy,
  evaluate,
  splitTensors,
  type SplitTensors,
} from './evaluation.js';
import {
  augmentImages,
  batchAugmentation,
  drawEpochAugmentation,
  type EpochAugmentation,
} from './augmentation.js';
import { decideFeatureCache, FeatureCache } from './feature-cache.js';
import {
  createOptimizer,
  disposeOptimizer,
  restoreWeights,
  saveOptimizerWeights,
} from './optimizer.js';
import {
  TrainingOptionsError,
  validateTrainingOptions,
  type TrainingLoopOptions,
  type TrainingLoopResult,
} from './training-options.js';
import type { EpochRecord, MetricPoint } from './types.js';

/** What one optimizer step needs besides the batch. */
interface StepContext {
  graph: readonly GraphNode[];
  outputName: string;
  trainingLayers: Set<string>;
  variables: tf.Variable[];
  optimizer: tf.Optimizer;
  train: SplitTensors;
  cache: FeatureCache;
  /** The frozen prefix's boundary when something is frozen (computed before the gradient scope). */
  frozenBoundary: readonly string[] | undefined;
}

/**
 * The model input of the samples at `indices` (augmented when `augmentation` is given) and, when
 * something is frozen, the frozen prefix's outputs for it: from the cache, or computed here in
 * inference mode outside any gradient scope, so the tape records only the trainable rest.
 */
function batchInputs(
  step: StepContext,
  indices: tf.Tensor1D,
  augmentation: EpochAugmentation | undefined,
  order: Int32Array,
): { input: tf.Tensor | undefined; given: Map<string, tf.Tensor> | undefined } {
  if (step.cache.built) return { input: undefined, given: step.cache.gatherTrain(indices) };
  let input = tf.gather(step.train.x, indices);
  if (augmentation !== undefined) {
    input = augmentImages(input, batchAugmentation(augmentation, order));
  }
  if (step.frozenBoundary === undefined) return { input, given: undefined };
  const boundary = step.frozenBoundary;
  // Its own scope: the prefix's inner activations are freed now, not when the step ends, so a
  // step holds only the boundary's outputs of the frozen part (MobileNetV2 from block_13 at
  // batch 32 otherwise peaks at the 4 GiB wasm heap).
  const outputs = tf.tidy(() =>
    executeGraph(step.graph, input, boundary, {
      trainingLayers: step.trainingLayers,
      dropoutSeed: 0,
    }),
  );
  return {
    input,
    given: new Map(step.frozenBoundary.map((name, index) => [name, outputs[index]])),
  };
}

/** One optimizer step on the samples at `order` (dataset positions); returns its mean loss and correct count. */
function trainStep(
  step: StepContext,
  order: Int32Array,
  dropoutSeed: number,
  augmentation: EpochAugmentation | undefined,
): number[] {
  return tf.tidy(() => {
    const indices = tf.tensor1d(order, 'int32');
    const labels = tf.gather(step.train.y, indices);
    const { input, given } = batchInputs(step, indices, augmentation, order);
    let hits: tf.Scalar | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const [probabilities] = executeGraph(step.graph, input, [step.outputName], {
        trainingLayers: step.trainingLayers,
        dropoutSeed,
        given,
      });
      hits = tf.keep(correctCount(probabilities, labels));
      return crossEntropy(probabilities, labels);
    }, step.variables);
    step.optimizer.applyGradients(grads);
    const counts = [value.dataSync()[0], hits!.dataSync()[0]];
    hits!.dispose(); // kept out of the gradient scope above, so tidy would not free it
    return counts;
  });
}

/**
 * The trainer's one loop (pretraining and fine-tuning both use it): seeded shuffles and dropout,
 * frozen prefix in inference mode (its outputs cached when that pays and the images are not
 * augmented), seeded per-sample augmentation of training batches, per-epoch metrics and drift,
 * checkpoints, resume, early stopping.
 */
export async function runTrainingLoop(options: TrainingLoopOptions): Promise<TrainingLoopResult> {
  validateTrainingOptions(options);
  const { model, dataset, batchSize } = options;
  const graph = modelGraph(model);
  const prefix = findFrozenPrefix(graph);
  const variables = model.trainableWeights.map((weight) => weight.read() as tf.Variable);
  if (variables.length === 0) {
    throw new TrainingOptionsError('Nothing to train: every layer is frozen');
  }
  const optimizer = createOptimizer(options.optimizer, options.learningRate);
  const random = new SeededRandom(options.seed);
  const initialWeights = snapshotWeights(graph);

  let history: EpochRecord[] = [];
  let globalStep = 0;
  let monitor: MonitorState = { bestMonitorValue: null, epochsWithoutImprovement: 0 };
  let startEpoch = 1;
  if (options.resumeFrom !== undefined) {
    const checkpoint =
      typeof options.resumeFrom === 'string'
        ? await readCheckpoint(options.resumeFrom)
        : options.resumeFrom;
    await restoreWeights(model, optimizer, checkpoint, options.optimizer);
    random.state = checkpoint.randomState;
    history = checkpoint.history.slice();
    globalStep = checkpoint.globalStep;
    monitor = {
      bestMonitorValue: checkpoint.bestMonitorValue,
      epochsWithoutImprovement: checkpoint.epochsWithoutImprovement,
    };
    startEpoch = checkpoint.epoch + 1;
  }
  const resumedFromEpoch = startEpoch - 1;

  const input =
    options.preprocessing === undefined
      ? undefined
      : { preprocessing: options.preprocessing, channels: model.inputs[0].shape[3] ?? 1 };
  const augmentation = options.augmentation ?? NO_AUGMENTATION;
  const augmented = isAugmentationOn(augmentation);
  const cacheStatus = decideFeatureCache(
    options.featureCache ?? 'auto',
    prefix,
    graph,
    dataset,
    augmented,
  );
  // Augmentation runs on the preprocessed images: its interpolation commutes with the affine
  // preprocessing, and the loop keeps only one copy of the training images.
  const train = splitTensors(dataset.train, dataset, input);
  const validation = splitTensors(dataset.validation, dataset, input);
  const step: StepContext = {
    graph,
    outputName: graph[graph.length - 1].layer.name,
    trainingLayers: new Set(
      graph
        .filter((node) => !prefix.layers.has(node.layer.name))
        .filter((node) => !(options.batchNormInference === true && isBatchNorm(node.layer)))
        .map((node) => node.layer.name),
    ),
    variables,
    optimizer,
    train,
    cache: new FeatureCache(graph, prefix.boundary, cacheStatus === 'used'),
    frozenBoundary:
      prefix.hasFrozenWeights && prefix.boundary.length > 0 ? prefix.boundary : undefined,
  };
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
      // Built inside the first epoch's time: the cache is part of what that epoch costs.
      step.cache.buildOnce(train.x, validation.x);
      const order = random.permutation(dataset.train.count);
      // From (seed, epoch, sample) alone, so a resumed run draws what an uninterrupted one does.
      const epochAugmentation = augmented
        ? drawEpochAugmentation(augmentation, options.seed, epoch, dataset.train.count)
        : undefined;
      let lossSum = 0;
      let correct = 0;
      for (let start = 0; start < order.length; start += batchSize) {
        const [batchLoss, batchCorrect] = trainStep(
          step,
          order.subarray(start, Math.min(start + batchSize, order.length)),
          random.nextUint32(),
          epochAugmentation,
        );
        const size = Math.min(batchSize, order.length - start);
        lossSum += batchLoss * size;
        correct += batchCorrect;
        globalStep += 1;
        if (options.logEverySteps !== undefined && globalStep % options.logEverySteps === 0) {
          await emit(batchPoints(globalStep, epoch, batchLoss, batchCorrect / size));
        }
      }
      const epochTrainSeconds = (performance.now() - epochStart) / 1000;
      trainSeconds += epochTrainSeconds;
      trainedSamples += order.length;
      const cached = step.cache.built;
      const evaluation = evaluate(
        graph,
        step.outputName,
        validation,
        cached ? step.cache.validation : undefined,
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
        cached,
      };
      history.push(record);
      monitor = updateMonitor(monitor, record, options.earlyStopping);

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
          ...monitor,
        };
        if (options.checkpointDir !== undefined) {
          await writeCheckpoint(options.checkpointDir, checkpoint);
        }
        await options.onEpochEnd?.(record, checkpoint);
      }
      if (
        options.earlyStopping !== undefined &&
        monitor.epochsWithoutImprovement >= options.earlyStopping.patience
      ) {
        stoppedEarly = true;
        break;
      }
    }
  } finally {
    tf.dispose([train.x, train.y, validation.x, validation.y]);
    step.cache.dispose();
    tf.dispose([...initialWeights.values()].flat());
    disposeOptimizer(optimizer);
  }

  return {
    history,
    summary: summarize(history, model, graph, options, {
      trainSeconds,
      trainedSamples,
      stoppedEarly,
      featureCacheUsed: step.cache.built,
      featureCache: cacheStatus,
      augmentation,
      resumedFromEpoch,
    }),
  };
}
