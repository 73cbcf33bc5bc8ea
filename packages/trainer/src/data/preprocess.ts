import * as tf from '@tensorflow/tfjs';
import {
  CAFFE_BGR_MEAN,
  TORCH_RGB_MEAN,
  TORCH_RGB_STD,
  type Preprocessing,
} from '@finetrack/shared';
import { DatasetError, DatasetErrorCode } from './dataset-error.js';

/**
 * Thrown when images cannot be shaped into the model's input (wrong channel count): a dataset
 * error (incompatible shape), so the CLI and the worker report it as bad input.
 */
export class PreprocessingError extends DatasetError {
  constructor(message: string) {
    super(DatasetErrorCode.IncompatibleShape, message);
    this.name = 'PreprocessingError';
  }
}

/**
 * Turns images read as 0–255 RGB (or grayscale) into what a model expects: grayscale is repeated
 * into 3 channels when the model's input has 3, then the model's preprocessing scales it
 * (see `Preprocessing` in @finetrack/shared). One step, driven by the model, so a MobileNet gets
 * [-1, 1] and a ResNet50 caffe-style BGR minus the ImageNet means from the same loaders.
 * Returns a new tensor; call inside tf.tidy when the input is temporary.
 */
export function preprocessImages(
  pixels: tf.Tensor4D,
  preprocessing: Preprocessing,
  modelChannels: number,
): tf.Tensor4D {
  return tf.tidy(() => {
    let images = pixels.toFloat();
    const channels = images.shape[3];
    if (channels === 1 && modelChannels === 3) {
      images = tf.tile(images, [1, 1, 1, 3]);
    } else if (channels !== modelChannels) {
      throw new PreprocessingError(
        `The images have ${channels} channels but the model's input has ${modelChannels}`,
      );
    }
    switch (preprocessing) {
      case 'unit':
        return tf.div(images, 255);
      case 'symmetric':
        return tf.sub(tf.div(images, 127.5), 1);
      case 'caffe':
        return requireRgb(images, preprocessing, (rgb) =>
          tf.sub(tf.reverse(rgb, -1), tf.tensor1d([...CAFFE_BGR_MEAN])),
        );
      case 'torch':
        return requireRgb(images, preprocessing, (rgb) =>
          tf.div(
            tf.sub(tf.div(rgb, 255), tf.tensor1d([...TORCH_RGB_MEAN])),
            tf.tensor1d([...TORCH_RGB_STD]),
          ),
        );
    }
  });
}

/** The ImageNet modes' statistics are per RGB channel: they need 3-channel images. */
function requireRgb(
  images: tf.Tensor4D,
  preprocessing: Preprocessing,
  apply: (rgb: tf.Tensor4D) => tf.Tensor,
): tf.Tensor4D {
  if (images.shape[3] !== 3) {
    throw new PreprocessingError(
      `'${preprocessing}' preprocessing needs 3-channel (RGB) input; the model's input has ${images.shape[3]}`,
    );
  }
  return apply(images) as tf.Tensor4D;
}

/**
 * The loaders' [0, 1] floats back on the 0–255 scale `preprocessImages` reads. The MNIST and
 * image-folder loaders divide by 255 when they decode; this lets their output feed models with
 * any preprocessing without a second decoder.
 */
export function unitToPixels(images: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mul(images, 255));
}
