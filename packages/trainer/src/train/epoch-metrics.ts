import * as tf from '@tensorflow/tfjs';
import { DRIFT_METRIC_PREFIX, MetricKey, type Augmentation } from '@finetrack/shared';
import { weightDrift } from '../model/drift.js';
import { isWeightBearing, type GraphNode } from '../model/graph.js';
import { parameterCounts } from '../model/surgery.js';
import type { FeatureCacheStatus } from './feature-cache.js';
import type { TrainingLoopOptions } from './training-options.js';
import type { EpochRecord, MetricPoint, TrainSummary } from './types.js';

/** Copies of every weight-bearing layer's weights, by layer name (W₀ for drift). */
export function snapshotWeights(graph: readonly GraphNode[]): Map<string, tf.Tensor[]> {
  return new Map(
    graph
      .filter((node) => isWeightBearing(node.layer))
      .map((node) => [
        node.layer.name,
        node.layer.weights.map((weight) => tf.clone(weight.read())),
      ]),
  );
}

/** ‖W − W₀‖ / ‖W₀‖ of every weight-bearing layer, by name. */
export function driftByLayer(
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

/** `batch_loss` (nats) and `batch_accuracy` (fraction) of one step. */
export function batchPoints(
  step: number,
  epoch: number,
  loss: number,
  accuracy: number,
): MetricPoint[] {
  const wallTime = Date.now();
  return [
    { key: 'batch_loss', step, value: loss, wallTime, epoch },
    { key: 'batch_accuracy', step, value: accuracy, wallTime, epoch },
  ];
}

/** An epoch's record as metric points at global step `step`, drift per layer included. */
export function epochPoints(record: EpochRecord, step: number): MetricPoint[] {
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

/** Early-stopping bookkeeping, saved in checkpoints so a resumed run counts on. */
export interface MonitorState {
  bestMonitorValue: number | null;
  epochsWithoutImprovement: number;
}

/** The monitor state after `record`: the monitored value improved by more than `minDelta`, or not. */
export function updateMonitor(
  state: MonitorState,
  record: EpochRecord,
  earlyStopping: TrainingLoopOptions['earlyStopping'],
): MonitorState {
  const monitor = earlyStopping?.monitor ?? 'val_loss';
  const monitored = monitor === 'val_loss' ? -record.valLoss : record.valAccuracy;
  if (
    state.bestMonitorValue === null ||
    monitored > state.bestMonitorValue + (earlyStopping?.minDelta ?? 0)
  ) {
    return { bestMonitorValue: monitored, epochsWithoutImprovement: 0 };
  }
  return {
    bestMonitorValue: state.bestMonitorValue,
    epochsWithoutImprovement: state.epochsWithoutImprovement + 1,
  };
}

/** What one loop call measured beyond the history. */
export interface RunTotals {
  trainSeconds: number;
  trainedSamples: number;
  stoppedEarly: boolean;
  featureCacheUsed: boolean;
  featureCache: FeatureCacheStatus;
  augmentation: Augmentation;
  resumedFromEpoch: number;
}

/** The run's summary: last and best epochs, throughput, and which layers trained. */
export function summarize(
  history: EpochRecord[],
  model: tf.LayersModel,
  graph: readonly GraphNode[],
  options: TrainingLoopOptions,
  run: RunTotals,
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
    featureCache: run.featureCache,
    augmentation: run.augmentation,
    resumedFromEpoch: run.resumedFromEpoch,
    trainSamples: options.dataset.train.count,
    validationSamples: options.dataset.validation.count,
  };
}
