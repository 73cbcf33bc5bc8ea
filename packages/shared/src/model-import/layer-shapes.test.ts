import { describe, expect, it } from 'vitest';
import { outputShape } from './layer-shapes.js';

// Shapes Keras reports for the first blocks of VGG16, ResNet50 and MobileNetV2 at 224×224×3.
describe('outputShape', () => {
  it.each([
    [
      'VGG16 block1_conv1',
      'Conv2D',
      { filters: 64, kernel_size: [3, 3], padding: 'same' },
      [[null, 224, 224, 3]],
      [null, 224, 224, 64],
    ],
    [
      'VGG16 block1_pool',
      'MaxPooling2D',
      { pool_size: [2, 2], strides: [2, 2] },
      [[null, 224, 224, 64]],
      [null, 112, 112, 64],
    ],
    [
      'ResNet50 conv1_pad',
      'ZeroPadding2D',
      {
        padding: [
          [3, 3],
          [3, 3],
        ],
      },
      [[null, 224, 224, 3]],
      [null, 230, 230, 3],
    ],
    [
      'ResNet50 conv1_conv',
      'Conv2D',
      { filters: 64, kernel_size: [7, 7], strides: [2, 2], padding: 'valid' },
      [[null, 230, 230, 3]],
      [null, 112, 112, 64],
    ],
    [
      'ResNet50 pool1_pool',
      'MaxPooling2D',
      { pool_size: [3, 3], strides: [2, 2] },
      [[null, 114, 114, 64]],
      [null, 56, 56, 64],
    ],
    [
      'ResNet50 conv2_block1_add',
      'Add',
      {},
      [
        [null, 56, 56, 256],
        [null, 56, 56, 256],
      ],
      [null, 56, 56, 256],
    ],
    [
      'MobileNetV2 block_1_pad',
      'ZeroPadding2D',
      {
        padding: [
          [0, 1],
          [0, 1],
        ],
      },
      [[null, 112, 112, 96]],
      [null, 113, 113, 96],
    ],
    [
      'MobileNetV2 block_1_depthwise',
      'DepthwiseConv2D',
      { kernel_size: [3, 3], strides: [2, 2], padding: 'valid' },
      [[null, 113, 113, 96]],
      [null, 56, 56, 96],
    ],
    ['global pooling', 'GlobalAveragePooling2D', {}, [[null, 7, 7, 1280]], [null, 1280]],
    ['VGG16 flatten', 'Flatten', {}, [[null, 7, 7, 512]], [null, 25088]],
    ['VGG16 fc1', 'Dense', { units: 4096 }, [[null, 25088]], [null, 4096]],
    [
      'concatenate',
      'Concatenate',
      { axis: -1 },
      [
        [null, 7, 7, 8],
        [null, 7, 7, 24],
      ],
      [null, 7, 7, 32],
    ],
    ['reshape', 'Reshape', { target_shape: [1, 1, -1] }, [[null, 1024]], [null, 1, 1, 1024]],
  ])('%s', (_name, className, config, inputs, expected) => {
    expect(outputShape(className, config, inputs)).toEqual(expected);
  });
});
