import type { LayerInfo } from './model.js';

/** Above this many freezable layers the frozen-depth picker offers block boundaries only. */
export const BLOCK_PICKER_THRESHOLD = 30;

/** What these helpers read of a layer row (the web queries only some LayerInfo fields). */
export type BlockLayer = Pick<LayerInfo, 'name' | 'weightBearing'> & { block?: string | null };

/**
 * Keras-application naming schemes, most specific first: ResNet/DenseNet `conv4_block2_1_conv`,
 * MobileNetV2/VGG/Xception/EfficientNet `block_13_expand`, `block3_conv1`, `block1a_dwconv`,
 * MobileNetV2's first block `expanded_conv_depthwise`, MobileNet's `conv_pw_5_bn`, EfficientNet's
 * `stem_conv`/`top_bn`, and the stems and transitions `conv1_bn`, `pool2_conv`.
 */
const BLOCK_PATTERNS: [RegExp, (match: RegExpMatchArray) => string][] = [
  [/^(conv\d+_block\d+)_/, (m) => m[1]],
  [/^(block_?\d+[a-z]?)(?:_|$)/, (m) => m[1]],
  [/^(expanded_conv(?:_\d+)?)_/, (m) => m[1]],
  [/^conv_(?:dw|pw)_(\d+)(?:_|$)/, (m) => `conv_block_${m[1]}`],
  [/^(stem|top)_/, (m) => m[1]],
  [/^(conv\d+|pool\d+)_/, (m) => m[1]],
];

/** The block a Keras layer name belongs to, or null for names outside any known scheme. */
export function layerBlock(name: string): string | null {
  for (const [pattern, blockOf] of BLOCK_PATTERNS) {
    const match = name.match(pattern);
    if (match) return blockOf(match);
  }
  return null;
}

/**
 * The weight-bearing layers a fine-tune can freeze: those the trainer keeps when it cuts below
 * the output layer (its default cut), i.e. every weight-bearing layer except the classifier.
 * Its length is the largest valid `frozenLayers`, for the API, the form and the trainer alike.
 */
export function freezableLayers<T extends BlockLayer>(layers: readonly T[]): T[] {
  const weightBearing = layers.filter((layer) => layer.weightBearing);
  const output = layers[layers.length - 1];
  return output?.weightBearing ? weightBearing.slice(0, -1) : weightBearing;
}

export interface FrozenDepthChoice {
  /** The `frozenLayers` value. */
  depth: number;
  /** What freezing that many layers means: the last layer frozen, and its block if it closes one. */
  label: string;
}

/**
 * Depths a person picks from: every depth for small networks; for deep ones (more than
 * BLOCK_PICKER_THRESHOLD freezable layers) 0 and the depths where a block ends, so a MobileNetV2
 * offers about 20 choices instead of 150. Layers outside any block end a block of their own.
 */
export function frozenDepthChoices(layers: readonly BlockLayer[]): FrozenDepthChoice[] {
  const freezable = freezableLayers(layers);
  const choices: FrozenDepthChoice[] = [{ depth: 0, label: '0 — nothing frozen' }];
  const byBlocks = freezable.length > BLOCK_PICKER_THRESHOLD;
  freezable.forEach((layer, index) => {
    const block = layer.block ?? layerBlock(layer.name);
    const next = freezable[index + 1];
    const nextBlock = next ? (next.block ?? layerBlock(next.name)) : undefined;
    const endsBlock = block === null || next === undefined || nextBlock !== block;
    if (byBlocks && !endsBlock) return;
    const depth = index + 1;
    const label = byBlocks
      ? `${depth} — up to the end of ${block ?? layer.name}`
      : `${depth} — ${freezable
          .slice(0, depth)
          .map((frozen) => frozen.name)
          .join(', ')}`;
    choices.push({ depth, label });
  });
  return choices;
}
