import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { NO_AUGMENTATION } from '@finetrack/shared';
import { selectBackend } from '../backend/select-backend.js';
import {
  augmentImages,
  batchAugmentation,
  drawEpochAugmentation,
  type ImageAugmentation,
} from './augmentation.js';

/** A 1-channel batch whose pixel (row r, column c) of image b is b·100 + r·10 + c. */
function numberedImages(batch: number, height: number, width: number): tf.Tensor4D {
  const values = new Float32Array(batch * height * width);
  for (let b = 0; b < batch; b += 1)
    for (let r = 0; r < height; r += 1)
      for (let c = 0; c < width; c += 1)
        values[(b * height + r) * width + c] = b * 100 + r * 10 + c;
  return tf.tensor4d(values, [batch, height, width, 1]);
}

function rows(images: tf.Tensor4D, index: number): number[][] {
  return (images.slice(index, 1).squeeze([0, 3]).arraySync() as number[][]).map((row) =>
    row.map((value) => Math.round(value * 1000) / 1000),
  );
}

const nothing = (batch: number): ImageAugmentation => ({ flip: new Array(batch).fill(false) });

describe('augmentImages (wasm)', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('mirrors exactly the images whose flip is set', () => {
    const images = numberedImages(2, 2, 3);
    const result = augmentImages(images, { flip: [true, false] });
    expect(rows(result, 0)).toEqual([
      [2, 1, 0],
      [12, 11, 10],
    ]);
    expect(rows(result, 1)).toEqual(rows(images, 1));
    tf.dispose([images, result]);
  });

  it('with nothing on (and with rotation 0 and the full crop box) returns the images unchanged', () => {
    const images = numberedImages(3, 5, 4);
    const before = images.dataSync().slice();
    const untouched = augmentImages(images, nothing(3));
    const identity = augmentImages(images, {
      flip: [false, false, false],
      boxes: [
        [0, 0, 1, 1],
        [0, 0, 1, 1],
        [0, 0, 1, 1],
      ],
      angles: [0, 0, 0],
    });
    expect(untouched.dataSync()).toEqual(before);
    expect(identity.dataSync()).toEqual(before);
    expect(images.dataSync()).toEqual(before);
    tf.dispose([images, untouched, identity]);
  });

  it('crops a box and resizes it back: the top-left half of a 3×3 image', () => {
    const images = numberedImages(1, 3, 3);
    const result = augmentImages(images, { flip: [false], boxes: [[0, 0, 0.5, 0.5]] });
    expect(rows(result, 0)).toEqual([
      [0, 0.5, 1],
      [5, 5.5, 6],
      [10, 10.5, 11],
    ]);
    tf.dispose([images, result]);
  });

  it('turns a quarter turn counter-clockwise about the centre', () => {
    const images = numberedImages(1, 3, 3);
    const result = augmentImages(images, { flip: [false], angles: [Math.PI / 2] });
    // The right column comes to the top row.
    expect(rows(result, 0)).toEqual([
      [2, 12, 22],
      [1, 11, 21],
      [0, 10, 20],
    ]);
    tf.dispose([images, result]);
  });

  it('fills what a small rotation brings in from outside with the nearest edge pixel', () => {
    const images = tf.fill([1, 8, 8, 1], 7) as tf.Tensor4D;
    const result = augmentImages(images, { flip: [false], angles: [0.4] });
    expect(Math.min(...result.dataSync())).toBeCloseTo(7, 5);
    tf.dispose([images, result]);
  });
});

describe('per-sample draws', () => {
  const on = { flip: true, crop: 0.2, rotation: 10 };

  it('are the same for the same seed and epoch, and differ across epochs and seeds', () => {
    const first = drawEpochAugmentation(on, 5, 2, 40).draws;
    expect(drawEpochAugmentation(on, 5, 2, 40).draws).toEqual(first);
    expect(drawEpochAugmentation(on, 5, 3, 40).draws).not.toEqual(first);
    expect(drawEpochAugmentation(on, 6, 2, 40).draws).not.toEqual(first);
  });

  it('give a sample the same parameters whatever batch it lands in', () => {
    const epoch = drawEpochAugmentation(on, 5, 1, 10);
    const alone = batchAugmentation(epoch, [7]);
    const among = batchAugmentation(epoch, [3, 7, 1]);
    expect(among.flip[1]).toBe(alone.flip[0]);
    expect(among.boxes![1]).toEqual(alone.boxes![0]);
    expect(among.angles![1]).toBe(alone.angles![0]);
  });

  it('stay within the limits asked for, and a part that is off is absent', () => {
    const epoch = drawEpochAugmentation(on, 1, 1, 200);
    const all = batchAugmentation(
      epoch,
      Array.from({ length: 200 }, (_, index) => index),
    );
    for (const [top, left, bottom, right] of all.boxes!) {
      expect(bottom - top).toBeGreaterThanOrEqual(0.8 - 1e-6);
      expect(right - left).toBeCloseTo(bottom - top, 6);
      expect(top).toBeGreaterThanOrEqual(0);
      expect(bottom).toBeLessThanOrEqual(1 + 1e-6);
    }
    for (const angle of all.angles!)
      expect(Math.abs(angle)).toBeLessThanOrEqual((10 * Math.PI) / 180);
    const flips = all.flip.filter(Boolean).length;
    expect(flips).toBeGreaterThan(60);
    expect(flips).toBeLessThan(140);
    const off = batchAugmentation(drawEpochAugmentation(NO_AUGMENTATION, 1, 1, 5), [0, 1, 2]);
    expect(off).toEqual({ flip: [false, false, false], boxes: undefined, angles: undefined });
  });

  it('same seed → the same augmented batch', async () => {
    await selectBackend('wasm');
    const images = numberedImages(4, 6, 6);
    const augment = () =>
      augmentImages(images, batchAugmentation(drawEpochAugmentation(on, 9, 1, 4), [2, 0, 3, 1]));
    const [a, b] = [augment(), augment()];
    expect(a.dataSync()).toEqual(b.dataSync());
    expect(a.dataSync()).not.toEqual(images.dataSync());
    tf.dispose([images, a, b]);
  });
});
