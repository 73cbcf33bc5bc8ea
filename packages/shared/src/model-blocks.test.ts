import { describe, expect, it } from 'vitest';
import type { LayerInfo } from './model.js';
import { freezableLayers, frozenDepthChoices, layerBlock } from './model-blocks.js';

function row(name: string, weightBearing = true): LayerInfo {
  return {
    name,
    type: weightBearing ? 'Conv2D' : 'ReLU',
    outputShape: [null, 1],
    params: weightBearing ? 1 : 0,
    weightBearing,
    weightIndex: null,
    trainable: weightBearing,
  };
}

/** The weight-bearing layer names of a MobileNetV2 with `blocks` inverted-residual blocks. */
function mobileNetV2Rows(blocks: number): LayerInfo[] {
  const rows = [row('input_1', false), row('Conv1'), row('bn_Conv1'), row('Conv1_relu', false)];
  rows.push(row('expanded_conv_depthwise'), row('expanded_conv_depthwise_BN'));
  rows.push(row('expanded_conv_project'), row('expanded_conv_project_BN'));
  for (let block = 1; block <= blocks; block += 1) {
    for (const part of ['expand', 'depthwise', 'project']) {
      rows.push(row(`block_${block}_${part}`), row(`block_${block}_${part}_BN`));
    }
    rows.push(row(`block_${block}_add`, false));
  }
  rows.push(row('Conv_1'), row('Conv_1_bn'), row('out_relu', false));
  rows.push(row('global_average_pooling2d', false), row('predictions'));
  return rows;
}

describe('layer blocks', () => {
  it.each([
    ['block_13_expand_BN', 'block_13'],
    ['block3_conv1', 'block3'],
    ['block1a_dwconv', 'block1a'],
    ['conv4_block2_1_conv', 'conv4_block2'],
    ['conv2_block1_0_bn', 'conv2_block1'],
    ['expanded_conv_project', 'expanded_conv'],
    ['conv_pw_5_bn', 'conv_block_5'],
    ['stem_conv', 'stem'],
    ['conv1_bn', 'conv1'],
    ['pool2_conv', 'pool2'],
    ['Conv1', null],
    ['predictions', null],
  ])('%s belongs to %s', (name, block) => {
    expect(layerBlock(name)).toBe(block);
  });

  it('freezable layers leave out the classifier the default cut drops', () => {
    const rows = mobileNetV2Rows(2);
    expect(freezableLayers(rows).map((layer) => layer.name)).not.toContain('predictions');
    expect(freezableLayers(rows)).toHaveLength(rows.filter((r) => r.weightBearing).length - 1);
    // A model that ends in a weight-free layer keeps all of them.
    expect(freezableLayers(rows.slice(0, -1))).toHaveLength(freezableLayers(rows).length);
  });

  it('offers every depth for a small network', () => {
    const choices = frozenDepthChoices(mobileNetV2Rows(2));
    expect(choices.map((choice) => choice.depth)).toEqual([...Array(21).keys()]);
    expect(choices[2].label).toBe('2 — Conv1, bn_Conv1');
  });

  it('offers block boundaries for a deep network', () => {
    const rows = mobileNetV2Rows(16);
    expect(freezableLayers(rows)).toHaveLength(2 + 4 + 16 * 6 + 2);
    const choices = frozenDepthChoices(rows);
    // 0, Conv1, bn_Conv1 (no block), expanded_conv, 16 blocks, Conv_1, Conv_1_bn.
    expect(choices.map((choice) => choice.depth)).toEqual([
      0,
      1,
      2,
      6,
      ...Array.from({ length: 16 }, (_, i) => 6 + 6 * (i + 1)),
      103,
      104,
    ]);
    expect(choices[4].label).toBe('12 — up to the end of block_1');
  });
});
