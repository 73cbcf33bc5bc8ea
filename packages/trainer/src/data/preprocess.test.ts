import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { PreprocessingError, preprocessImages, unitToPixels } from './preprocess.js';

/** One 1×2 RGB image: a red pixel (255, 0, 0) and a mid-grey one (128, 128, 128). */
const rgb = () => tf.tensor4d([255, 0, 0, 128, 128, 128], [1, 1, 2, 3]);

function values(tensor: tf.Tensor): number[] {
  return Array.from(tensor.dataSync());
}

describe('preprocessImages', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  it('unit scales to [0, 1]', () => {
    expect(values(preprocessImages(rgb(), 'unit', 3))).toEqual(
      [1, 0, 0, 128 / 255, 128 / 255, 128 / 255].map(Math.fround),
    );
  });

  it('symmetric scales to [-1, 1]', () => {
    const out = values(preprocessImages(rgb(), 'symmetric', 3));
    [1, -1, -1, 128 / 127.5 - 1, 128 / 127.5 - 1, 128 / 127.5 - 1].forEach((expected, index) =>
      expect(out[index]).toBeCloseTo(expected, 6),
    );
  });

  it('caffe reverses to BGR and subtracts the ImageNet BGR means, unscaled', () => {
    const out = values(preprocessImages(rgb(), 'caffe', 3));
    const expected = [
      0 - 103.939,
      0 - 116.779,
      255 - 123.68,
      128 - 103.939,
      128 - 116.779,
      128 - 123.68,
    ];
    expected.forEach((value, index) => expect(out[index]).toBeCloseTo(value, 3));
  });

  it('torch standardises each RGB channel with the ImageNet statistics', () => {
    const out = values(preprocessImages(rgb(), 'torch', 3));
    const mean = [0.485, 0.456, 0.406];
    const std = [0.229, 0.224, 0.225];
    [255, 0, 0, 128, 128, 128].forEach((pixel, index) =>
      expect(out[index]).toBeCloseTo((pixel / 255 - mean[index % 3]) / std[index % 3], 5),
    );
  });

  it('repeats grayscale into 3 channels when the model takes RGB', () => {
    const gray = tf.tensor4d([0, 255], [1, 1, 2, 1]);
    const out = preprocessImages(gray, 'symmetric', 3);
    expect(out.shape).toEqual([1, 1, 2, 3]);
    expect(values(out)).toEqual([-1, -1, -1, 1, 1, 1]);
  });

  it('refuses channel counts it cannot reconcile, and ImageNet modes on grayscale models', () => {
    expect(() => preprocessImages(rgb(), 'unit', 1)).toThrow(PreprocessingError);
    const gray = tf.tensor4d([0, 255], [1, 1, 2, 1]);
    expect(() => preprocessImages(gray, 'caffe', 1)).toThrow(/needs 3-channel/);
  });

  it('the loaders’ [0, 1] floats round-trip to the unit mode', () => {
    const unit = tf.tensor4d([0, 0.5, 1, 0.25], [1, 2, 2, 1]);
    expect(values(preprocessImages(unitToPixels(unit), 'unit', 1))).toEqual([0, 0.5, 1, 0.25]);
  });
});
