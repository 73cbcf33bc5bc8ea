// What the trainer benchmark measures with: CPU time, the backend's matMul throughput, the FLOPs
// of a training sample, and medians.
import * as tf from '@tensorflow/tfjs';
import { isWeightBearing, modelGraph } from '../model/graph.js';

export function cpuMilliseconds(): number {
  const usage = process.cpuUsage();
  return (usage.user + usage.system) / 1000;
}

/**
 * Large square matMul throughput of the active backend, GFLOP/s, best of several, by wall time
 * and by this process's CPU time.
 */
export function matMulGflops(size: number, repeats: number): { wall: number; cpu: number } {
  const a = tf.randomUniform([size, size], -1, 1, 'float32', 1);
  const b = tf.randomUniform([size, size], -1, 1, 'float32', 2);
  tf.matMul(a, b).dispose(); // warm-up
  let bestWall = Number.POSITIVE_INFINITY;
  let bestCpu = Number.POSITIVE_INFINITY;
  for (let i = 0; i < repeats; i += 1) {
    const start = performance.now();
    const startCpu = cpuMilliseconds();
    const product = tf.matMul(a, b);
    product.dataSync();
    bestWall = Math.min(bestWall, performance.now() - start);
    bestCpu = Math.min(bestCpu, cpuMilliseconds() - startCpu);
    product.dispose();
  }
  tf.dispose([a, b]);
  const flops = 2 * size ** 3;
  return { wall: flops / (bestWall / 1000) / 1e9, cpu: flops / (bestCpu / 1000) / 1e9 };
}

/**
 * FLOPs of one training sample: every conv/dense forward, plus for each trainable layer its
 * weight gradient, plus input gradients for every layer above the lowest trainable one.
 */
export function trainingFlopsPerSample(model: tf.LayersModel): number {
  const graph = modelGraph(model);
  const layers = graph.map((node) => node.layer).filter(isWeightBearing);
  const firstTrainable = layers.findIndex((layer) => layer.trainable);
  let total = 0;
  layers.forEach((layer, index) => {
    const kernel = layer.weights.find((weight) => weight.originalName.endsWith('kernel'));
    if (kernel === undefined) {
      return;
    }
    const outputShape = layer.outputShape as number[];
    const outputPositions = outputShape.slice(1, -1).reduce((product, size) => product * size, 1);
    const forward =
      2 * outputPositions * (kernel.shape as number[]).reduce((product, size) => product * size, 1);
    total += forward;
    if (layer.trainable) {
      total += forward;
    }
    if (firstTrainable >= 0 && index > firstTrainable) {
      total += forward;
    }
  });
  return total;
}

export function median(values: number[]): number {
  const sorted = [...values].sort((first, second) => first - second);
  return sorted[Math.floor(sorted.length / 2)];
}
