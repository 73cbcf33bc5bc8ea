/**
 * How a model expects its input pixels scaled. It is recorded on a source model (given at import,
 * or defaulted from the architecture), inherited by every target model made from it, and applied
 * by the trainer and the worker to images read as 0–255 RGB.
 *
 * - `unit`: x / 255, in [0, 1] (Finetrack's own architectures, most hand-made Keras models).
 * - `symmetric`: x / 127.5 - 1, in [-1, 1] (MobileNet v1/v2/v3, EfficientNet's Keras ports,
 *   Inception, Xception: Keras' "tf" mode).
 * - `caffe`: RGB → BGR, then subtract the ImageNet channel means, no scaling (Keras' VGG16/19 and
 *   ResNet50/101/152 v1: "caffe" mode).
 * - `torch`: x / 255, then subtract the ImageNet mean and divide by its standard deviation per
 *   channel (Keras' DenseNet, torchvision ports: "torch" mode).
 */
export type Preprocessing = 'unit' | 'symmetric' | 'caffe' | 'torch';
export const PREPROCESSINGS: readonly Preprocessing[] = ['unit', 'symmetric', 'caffe', 'torch'];

/** ImageNet channel statistics the `caffe` (0–255, BGR order) and `torch` (0–1, RGB) modes use. */
export const CAFFE_BGR_MEAN = [103.939, 116.779, 123.68] as const;
export const TORCH_RGB_MEAN = [0.485, 0.456, 0.406] as const;
export const TORCH_RGB_STD = [0.229, 0.224, 0.225] as const;

/** Name patterns (of the model's name or its first layers' names) and the mode Keras uses. */
const DEFAULTS: readonly [RegExp, Preprocessing][] = [
  [/mobilenet|efficientnet|inception|xception|nasnet/i, 'symmetric'],
  [/resnet.*v2/i, 'symmetric'],
  [/densenet/i, 'torch'],
  [/vgg|resnet/i, 'caffe'],
];

/**
 * The preprocessing a published network of this name most likely expects, or `unit` when the
 * names say nothing. `hints` are the model's name, its architecture and, for imported models, the
 * names of its first few layers (Keras applications name them `block_1_…`, `conv1_conv`, …).
 */
export function defaultPreprocessing(...hints: string[]): Preprocessing {
  for (const hint of hints)
    for (const [pattern, mode] of DEFAULTS) if (pattern.test(hint)) return mode;
  return 'unit';
}
