import * as tf from '@tensorflow/tfjs';
import type { Augmentation } from '@finetrack/shared';
import { SeededRandom } from '../random/seeded-random.js';

/** Uniform draws in [0, 1) per sample: flip, crop side, crop top, crop left, rotation. */
const DRAWS_PER_SAMPLE = 5;
/** Keeps the augmentation stream apart from the run's shuffle and dropout stream. */
const AUGMENTATION_STREAM = 0x41756721;

/**
 * One epoch's augmentation parameters for every training sample, in dataset order:
 * `draws[sample * 5 + k]` is uniform in [0, 1). They depend only on (seed, epoch, sample), never on
 * the batch order or on the run's other random draws, so a resumed run augments epoch e as an
 * uninterrupted one does, and switching a part on or off leaves the other parts' draws alone.
 */
export interface EpochAugmentation {
  augmentation: Augmentation;
  draws: Float32Array;
}

/** Draws epoch `epoch`'s (1-based) augmentation parameters for `count` samples from the run's seed. */
export function drawEpochAugmentation(
  augmentation: Augmentation,
  seed: number,
  epoch: number,
  count: number,
): EpochAugmentation {
  const random = new SeededRandom(
    (Math.imul(seed | 0, 0x85ebca6b) ^ Math.imul(epoch, 0xc2b2ae35) ^ AUGMENTATION_STREAM) >>> 0,
  );
  const draws = new Float32Array(count * DRAWS_PER_SAMPLE);
  for (let i = 0; i < draws.length; i += 1) draws[i] = random.nextFloat();
  return { augmentation, draws };
}

/** Explicit per-image parameters of a batch of `augmentImages`. */
export interface ImageAugmentation {
  /** Mirror left–right. */
  flip: boolean[];
  /** Crop boxes [top, left, bottom, right] as fractions of the image (tf.image.cropAndResize's), or undefined: no crop. */
  boxes?: number[][];
  /** Rotation angles in radians, counter-clockwise as displayed (row 0 at the top), or undefined: no rotation. */
  angles?: number[];
}

/** The per-image parameters of the samples at `indices` (dataset positions) for this epoch. */
export function batchAugmentation(
  epoch: EpochAugmentation,
  indices: ArrayLike<number>,
): ImageAugmentation {
  const { augmentation, draws } = epoch;
  const at = (position: number, k: number) => draws[indices[position] * DRAWS_PER_SAMPLE + k];
  const positions = Array.from({ length: indices.length }, (_, position) => position);
  return {
    flip: positions.map((position) => augmentation.flip && at(position, 0) < 0.5),
    boxes:
      augmentation.crop > 0
        ? positions.map((position) => {
            const side = 1 - augmentation.crop * at(position, 1);
            const top = (1 - side) * at(position, 2);
            const left = (1 - side) * at(position, 3);
            return [top, left, top + side, left + side];
          })
        : undefined,
    angles:
      augmentation.rotation > 0
        ? positions.map(
            (position) => ((2 * at(position, 4) - 1) * augmentation.rotation * Math.PI) / 180,
          )
        : undefined,
  };
}

/**
 * Applies flips, crops and rotations to images [batch, height, width, channels] and returns a new
 * tensor of the same shape; a part that is absent is skipped, so nothing on returns the same values.
 * Crops are resized back bilinearly; rotations turn about the centre, bilinear, with pixels from
 * outside the image taken from the nearest edge (a constant fill would be a different colour under
 * each model's preprocessing, and edge pixels are what a slightly larger photo would show).
 * Interpolation weights sum to 1, so augmenting before or after the per-channel affine
 * preprocessing gives the same result.
 */
export function augmentImages(images: tf.Tensor4D, parameters: ImageAugmentation): tf.Tensor4D {
  return tf.tidy(() => {
    const [batch, height, width, channels] = images.shape;
    let result = images;
    if (parameters.flip.some(Boolean)) {
      const mask = tf.broadcastTo(tf.tensor4d(parameters.flip, [batch, 1, 1, 1], 'bool'), [
        batch,
        height,
        width,
        channels,
      ]);
      result = tf.where(mask, tf.image.flipLeftRight(result), result);
    }
    if (parameters.boxes !== undefined) {
      result = tf.image.cropAndResize(
        result,
        tf.tensor2d(parameters.boxes, [batch, 4]),
        tf.range(0, batch, 1, 'int32') as tf.Tensor1D,
        [height, width],
        'bilinear',
      );
    }
    if (parameters.angles !== undefined) {
      result = tf.image.transform(
        result,
        tf.tensor2d(
          parameters.angles.map((angle) => rotationAboutCentre(angle, height, width)),
          [batch, 8],
        ),
        'bilinear',
        'nearest',
      );
    }
    return result === images ? images.clone() : result;
  });
}

/**
 * tf.image.transform's row [a0, a1, a2, b0, b1, b2, 0, 0], which maps each output pixel (x, y) to
 * the input pixel it reads: the output is the input turned by `angle` about the image's centre.
 */
export function rotationAboutCentre(angle: number, height: number, width: number): number[] {
  const cos = Math.cos(angle);
  const sin = Math.sin(angle);
  const centreX = (width - 1) / 2;
  const centreY = (height - 1) / 2;
  // Output → input is the inverse rotation: x' = cos·dx − sin·dy, y' = sin·dx + cos·dy (y down).
  return [
    cos,
    -sin,
    centreX - cos * centreX + sin * centreY,
    sin,
    cos,
    centreY - sin * centreX - cos * centreY,
    0,
    0,
  ];
}
