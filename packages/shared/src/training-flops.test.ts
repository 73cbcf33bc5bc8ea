import { describe, expect, it } from 'vitest';
import { smallCnnLayers } from './testing/small-cnn-layers.js';
import { cumulativeTrainingFlops, forwardFlops, trainingFlopsPerSample } from './training-flops.js';

const layers = smallCnnLayers(5).map((layer) => ({
  ...layer,
  weightIndex: layer.weightIndex ?? null,
}));

describe('training FLOPs estimate', () => {
  it('prices a convolution per output position and a dense layer once', () => {
    expect(forwardFlops(layers[0]!)).toBe(2 * 160 * 26 * 26);
    expect(forwardFlops(layers[5]!)).toBe(2 * (800 * 64 + 64));
    expect(forwardFlops(layers[1]!)).toBe(0); // pooling has no weights
  });

  it('counts frozen layers forward only and trainable ones three times', () => {
    const all = layers.reduce((sum, layer) => sum + forwardFlops(layer), 0);
    const conv = forwardFlops(layers[0]!) + forwardFlops(layers[2]!);
    expect(trainingFlopsPerSample(layers, 0)).toEqual({ frozenForward: 0, trainable: 3 * all });
    expect(trainingFlopsPerSample(layers, 2)).toEqual({
      frozenForward: conv,
      trainable: 3 * (all - conv),
    });
  });

  it('runs a cached frozen prefix once, an uncached one every epoch', () => {
    const perSample = { frozenForward: 10, trainable: 3 };
    expect(cumulativeTrainingFlops(perSample, 100, 4, true)).toBe(100 * (10 + 12));
    expect(cumulativeTrainingFlops(perSample, 100, 4, false)).toBe(100 * (40 + 12));
  });
});
