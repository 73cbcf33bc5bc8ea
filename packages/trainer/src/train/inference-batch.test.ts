import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { modelGraph } from '../model/graph.js';
import {
  EVALUATION_BATCH,
  INFERENCE_ACTIVATION_BUDGET_BYTES,
  inferenceBatchSize,
} from './evaluation.js';

const convNet = (size: number, filters: number) =>
  tf.sequential({
    layers: [
      tf.layers.conv2d({ inputShape: [size, size, 3], filters, kernelSize: 3, padding: 'same' }),
      tf.layers.globalAveragePooling2d({}),
      tf.layers.dense({ units: 2 }),
    ],
  });

describe('inferenceBatchSize', () => {
  it('keeps the full batch for small images', () => {
    expect(inferenceBatchSize(modelGraph(convNet(28, 16)))).toBe(EVALUATION_BATCH);
  });

  it('shrinks the batch so a 224×224 network’s activations stay within the budget', () => {
    // 224 × 224 × 96 floats per image in the conv layer's output: ~19 MB per image alive thrice.
    const batch = inferenceBatchSize(modelGraph(convNet(224, 96)));
    const perImage = 224 * 224 * 96 * 4 * 3;
    expect(batch).toBe(Math.floor(INFERENCE_ACTIVATION_BUDGET_BYTES / perImage));
    expect(batch).toBeGreaterThanOrEqual(1);
    expect(batch).toBeLessThan(32);
  });
});
