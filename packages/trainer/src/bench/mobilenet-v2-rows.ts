import type { BackendChoice } from '../backend/select-backend.js';
import { performSurgery } from '../model/surgery.js';
import { makeSyntheticDataset } from '../train/synthetic-dataset.js';
import { runTrainingLoop } from '../train/training-loop.js';
import { buildMobileNetV2 } from './mobilenet-v2.js';
import { cpuMilliseconds, median } from './measurement.js';
import { PeakMemoryTracker, type PeakMemory } from './peak-memory.js';

export type MobileNetMode = 'linear' | 'block' | 'full';

export interface MobileNetRow {
  mode: MobileNetMode;
  batchSize: number;
  frozenLayers: number;
  /** Images/s of the steps after the first epoch (for 'linear': with the feature cache). */
  imagesPerSecond: number;
  stepMilliseconds: number;
  stepCpuMilliseconds: number;
  /** 'linear' only: the first epoch, which runs the frozen network to fill the cache. */
  firstEpochImagesPerSecond: number | null;
  memory: PeakMemory;
}

const SIZE = 224;
const CLASSES = 10;

/** Weight-bearing layers below `block_13` (what "fine-tune from block_13 on" freezes). */
function frozenCount(mode: MobileNetMode, names: string[]): number {
  if (mode === 'linear') {
    return names.length;
  }
  return mode === 'full' ? 0 : names.findIndex((name) => name.startsWith('block_13_'));
}

/**
 * MobileNetV2 (α = 1.0, 224×224×3, random weights, the 1,000-class source cut below its
 * classifier and given a 10-class head) trained through the trainer's own loop, so the linear
 * probe goes through its feature cache exactly as a user's run does.
 */
export async function measureMobileNetV2(
  backendChoice: BackendChoice,
  mode: MobileNetMode,
  batchSize: number,
  batchesPerEpoch: number,
): Promise<MobileNetRow> {
  const source = buildMobileNetV2({ inputSize: SIZE, classes: 1000 });
  const names = performSurgery(source, {
    numClasses: CLASSES,
    frozenLayers: 0,
    seed: 1,
    initialization: 'pretrained',
  });
  names.model.dispose();
  const frozenLayers = frozenCount(mode, names.weightBearingLayerNames);
  const { model } = performSurgery(source, {
    numClasses: CLASSES,
    frozenLayers,
    seed: 2,
    initialization: 'pretrained',
  });
  source.dispose();
  const dataset = makeSyntheticDataset({
    trainCount: batchSize * batchesPerEpoch,
    validationCount: 0,
    classes: CLASSES,
    inputShape: [SIZE, SIZE, 3],
    seed: 3,
  });
  const tracker = new PeakMemoryTracker();
  const stepWall: number[] = [];
  const stepCpu: number[] = [];
  let last: { wall: number; cpu: number; epoch: number } | undefined;
  // The cache's later epochs are short: give them more epochs to time.
  const epochs = mode === 'linear' ? 6 : 2;
  const { history } = await runTrainingLoop({
    model,
    backendChoice,
    dataset,
    epochs,
    batchSize,
    learningRate: 0.001,
    optimizer: 'adam',
    seed: 4,
    featureCache: mode === 'linear' ? 'always' : 'never',
    logEverySteps: 1,
    onMetrics: (points) => {
      if (points[0]?.key !== 'batch_loss') {
        return;
      }
      tracker.sample();
      const now = { wall: performance.now(), cpu: cpuMilliseconds(), epoch: points[0].epoch };
      // The probe has one step per epoch: its steps are timed across later epochs' boundaries.
      const timed =
        mode === 'linear' ? last !== undefined && last.epoch > 1 : last?.epoch === now.epoch;
      if (last !== undefined && timed && now.epoch > 1) {
        stepWall.push(now.wall - last.wall);
        stepCpu.push(now.cpu - last.cpu);
      }
      last = now;
    },
  });
  model.dispose();
  const later = history.slice(1);
  // Epoch throughput, not step medians, for the cache: its later steps are too short to time
  // one by one through the metrics hook.
  const imagesPerSecond =
    mode === 'linear'
      ? later.reduce((sum, record) => sum + record.samplesPerSecond, 0) / later.length
      : (1000 * batchSize) / median(stepWall);
  return {
    mode,
    batchSize,
    frozenLayers,
    imagesPerSecond,
    stepMilliseconds: mode === 'linear' ? (1000 * batchSize) / imagesPerSecond : median(stepWall),
    stepCpuMilliseconds: median(stepCpu),
    firstEpochImagesPerSecond: mode === 'linear' ? history[0].samplesPerSecond : null,
    memory: tracker.result(),
  };
}
