import { describe, expect, it } from 'vitest';
import { defaultPreprocessing } from './preprocessing.js';

describe('defaultPreprocessing', () => {
  it.each([
    ['mobilenet_v2_1.00_224', 'symmetric'],
    ['MobileNetV3Small', 'symmetric'],
    ['efficientnetb0', 'symmetric'],
    ['resnet50v2', 'symmetric'],
    ['resnet50', 'caffe'],
    ['vgg16', 'caffe'],
    ['densenet121', 'torch'],
    ['small-cnn', 'unit'],
    ['chairs-classifier', 'unit'],
  ])('%s → %s', (name, mode) => {
    expect(defaultPreprocessing(name)).toBe(mode);
  });

  it('takes the first hint that names a known family', () => {
    expect(defaultPreprocessing('my model', 'vgg19')).toBe('caffe');
    expect(defaultPreprocessing('')).toBe('unit');
  });
});
