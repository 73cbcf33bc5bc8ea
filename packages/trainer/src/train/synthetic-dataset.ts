import type { DatasetSplit, LoadedDataset } from '../data/dataset.js';
import { SeededRandom } from '../random/seeded-random.js';

export interface SyntheticDatasetOptions {
  trainCount: number;
  validationCount: number;
  classes: number;
  /** [height, width, channels]; default MNIST's [28, 28, 1]. */
  inputShape?: [number, number, number];
  seed: number;
  /** Noise amplitude added to each class prototype (0…1); larger is harder. */
  noise?: number;
}

/**
 * A learnable in-memory dataset for tests and benchmarks: each class has a random prototype
 * image with a class-specific bright square; samples are the prototype plus seeded uniform noise,
 * clipped to [0, 1]. Same options → same bytes.
 */
export function makeSyntheticDataset(options: SyntheticDatasetOptions): LoadedDataset {
  const inputShape = options.inputShape ?? [28, 28, 1];
  const [height, width, channels] = inputShape;
  const pixels = height * width * channels;
  const random = new SeededRandom(options.seed);
  const noise = options.noise ?? 0.3;
  const prototypes = Array.from({ length: options.classes }, (_, label) => {
    const prototype = new Float32Array(pixels);
    for (let i = 0; i < pixels; i += 1) {
      prototype[i] = random.nextFloat() * 0.5;
    }
    const size = Math.max(2, Math.floor(Math.min(height, width) / 3));
    const top = (label * 3) % Math.max(1, height - size);
    const left = (label * 5) % Math.max(1, width - size);
    for (let y = top; y < top + size; y += 1) {
      for (let x = left; x < left + size; x += 1) {
        for (let c = 0; c < channels; c += 1) {
          prototype[(y * width + x) * channels + c] = 1;
        }
      }
    }
    return prototype;
  });
  const split = (count: number): DatasetSplit => {
    const images = new Float32Array(count * pixels);
    const labels = new Int32Array(count);
    for (let sample = 0; sample < count; sample += 1) {
      const label = sample % options.classes;
      labels[sample] = label;
      for (let i = 0; i < pixels; i += 1) {
        const value = prototypes[label][i] + (random.nextFloat() - 0.5) * 2 * noise;
        images[sample * pixels + i] = Math.min(1, Math.max(0, value));
      }
    }
    return { images, labels, count };
  };
  return {
    name: `synthetic[${options.classes}]`,
    classNames: Array.from({ length: options.classes }, (_, label) => `class-${label}`),
    inputShape,
    train: split(options.trainCount),
    validation: split(options.validationCount),
    hash: `synthetic-${options.seed}-${options.trainCount}-${options.validationCount}-${options.classes}-${inputShape.join('x')}-${noise}`,
    warnings: [],
  };
}
