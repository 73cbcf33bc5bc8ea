import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { BUILT_IN_DATASETS } from '@finetrack/shared';
import { DatasetError, DatasetErrorCode } from './dataset-error.js';
import type { PixelPool } from './dataset-view.js';

/** The class names, from the one list the web's forms and the API's checks read too. */
export const FASHION_MNIST_CLASS_NAMES: string[] = [
  ...BUILT_IN_DATASETS.find((dataset) => dataset.kind === 'fashion-mnist')!.classNames,
];
export const FASHION_MNIST_INPUT_SHAPE: [number, number, number] = [28, 28, 1];
const SAMPLE_SIZE = 28 * 28;
/**
 * The package ships 7,000 images per class with no train/test marker. We keep the original
 * 6:1 ratio with a fixed cut (the first 6/7 of each class train, the rest validate), so the
 * validation set never depends on the seed and never overlaps training.
 */
export const FASHION_MNIST_TRAIN_FRACTION = 6 / 7;

/** Folder of the per-class JSON files inside the `fashion-mnist` package. */
export function fashionMnistDirectory(): string {
  const require = createRequire(import.meta.url);
  return path.join(path.dirname(require.resolve('fashion-mnist/package.json')), 'src', 'clothes');
}

/**
 * Parses one class file (`{"data":[[784 ints],[…],…]}`) straight from its bytes into uint8
 * pixels, without JSON.parse: a class is 16 MB of text that would become ~5.5 M boxed numbers.
 * Empty inner arrays (the package has two) are skipped. Returns count × 784 bytes.
 */
export function parseFashionClassJson(text: Uint8Array, name: string): Uint8Array {
  // Every value takes at least two bytes (a digit and a separator): a safe upper bound.
  const pixels = new Uint8Array(Math.ceil(text.length / 2) + SAMPLE_SIZE);
  let written = 0;
  let sampleStart = 0;
  let depth = 0;
  let value = -1;
  const fail = (reason: string): never => {
    throw new DatasetError(DatasetErrorCode.CorruptData, `${name}: ${reason}`);
  };
  const flush = () => {
    if (value < 0) return;
    if (depth !== 2) fail('a number outside an image array');
    if (value > 255) fail(`pixel value ${value} is over 255`);
    if (written - sampleStart >= SAMPLE_SIZE) fail(`an image has more than ${SAMPLE_SIZE} pixels`);
    pixels[written++] = value;
    value = -1;
  };
  for (let i = 0; i < text.length; i++) {
    const byte = text[i];
    if (byte >= 48 && byte <= 57) {
      value = (value < 0 ? 0 : value * 10) + (byte - 48);
      if (value > 255) fail(`pixel value over 255 at byte ${i}`);
    } else if (byte === 44 /* , */) {
      flush();
    } else if (byte === 91 /* [ */) {
      depth++;
      if (depth === 2) sampleStart = written;
      if (depth > 2) fail('arrays nested deeper than expected');
    } else if (byte === 93 /* ] */) {
      flush();
      if (depth === 2) {
        const length = written - sampleStart;
        if (length !== 0 && length !== SAMPLE_SIZE) fail(`an image has ${length} pixels`);
      }
      depth--;
    } else if (depth >= 1 && byte !== 32 && byte !== 10 && byte !== 13 && byte !== 9) {
      fail(`unexpected character '${String.fromCharCode(byte)}' at byte ${i}`);
    }
  }
  if (depth !== 0) fail('the file is truncated');
  return pixels.slice(0, written);
}

/** Pixels of one Fashion-MNIST class: count × 28 × 28 uint8. Reads only that class's file. */
export async function readFashionMnistClass(
  classIndex: number,
  directory = fashionMnistDirectory(),
): Promise<Uint8Array> {
  const file = path.join(directory, `${classIndex}.json`);
  let text: Buffer;
  try {
    text = await readFile(file);
  } catch (error) {
    throw new DatasetError(
      DatasetErrorCode.NotFound,
      `cannot read Fashion-MNIST class file ${file}: ${(error as Error).message}`,
    );
  }
  return parseFashionClassJson(text, `fashion-mnist class ${classIndex}`);
}

/**
 * Train and validation pools holding only the requested classes (original labels kept), split
 * per class at FASHION_MNIST_TRAIN_FRACTION. Classes are read one at a time, so two classes
 * cost ~11 MB of pixels instead of the ~820 MB the package's own loader needs.
 */
export async function readFashionMnistPools(
  classes: readonly number[],
  directory = fashionMnistDirectory(),
): Promise<{ train: PixelPool; validation: PixelPool }> {
  const perClass: { classIndex: number; pixels: Uint8Array; trainCount: number }[] = [];
  for (const classIndex of classes) {
    const pixels = await readFashionMnistClass(classIndex, directory);
    const count = pixels.length / SAMPLE_SIZE;
    perClass.push({
      classIndex,
      pixels,
      trainCount: Math.floor(count * FASHION_MNIST_TRAIN_FRACTION),
    });
  }
  const gather = (part: 'train' | 'validation'): PixelPool => {
    const pieces = perClass.map(({ classIndex, pixels, trainCount }) => {
      const start = part === 'train' ? 0 : trainCount * SAMPLE_SIZE;
      const end = part === 'train' ? trainCount * SAMPLE_SIZE : pixels.length;
      return { classIndex, pixels: pixels.subarray(start, end) };
    });
    const count = pieces.reduce((sum, piece) => sum + piece.pixels.length / SAMPLE_SIZE, 0);
    const pooled = new Uint8Array(count * SAMPLE_SIZE);
    const labels = new Uint8Array(count);
    let offset = 0;
    for (const piece of pieces) {
      pooled.set(piece.pixels, offset * SAMPLE_SIZE);
      labels.fill(piece.classIndex, offset, offset + piece.pixels.length / SAMPLE_SIZE);
      offset += piece.pixels.length / SAMPLE_SIZE;
    }
    return { pixels: pooled, labels, count, sampleSize: SAMPLE_SIZE };
  };
  return { train: gather('train'), validation: gather('validation') };
}
