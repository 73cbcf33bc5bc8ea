import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { DatasetSplit } from './dataset.js';
import { DatasetError, DatasetErrorCode } from './dataset-error.js';
import { isRealPathInside } from './data-root.js';
import { SeededRandom } from '../random/seeded-random.js';

export const IMAGE_EXTENSIONS = ['.png', '.jpg', '.jpeg'];
/** Used when neither the spec nor a source model gives a size. */
export const DEFAULT_FOLDER_INPUT_SHAPE: [number, number, number] = [64, 64, 3];
export const DEFAULT_VALIDATION_FRACTION = 0.2;
/** Images decoded at once; sharp runs them on its own thread pool. */
const DECODE_CONCURRENCY = 8;

export interface ImageFolderOptions {
  /** [height, width, channels]; channels 1 (grey) or 3 (RGB). Images are stretched to fit. */
  inputShape: [number, number, number];
  validationFraction: number;
  trainSamples?: number;
  seed: number;
}

export interface ImageFolderView {
  classNames: string[];
  train: DatasetSplit;
  validation: DatasetSplit;
  warnings: string[];
}

interface LabelledFile {
  file: string;
  label: number;
}

/** Class folders (sorted by name, so labels are stable) and their image files (sorted). */
async function listClasses(folder: string): Promise<{ name: string; files: string[] }[]> {
  const entries = await readdir(folder, { withFileTypes: true });
  const classes: { name: string; files: string[] }[] = [];
  for (const entry of entries) {
    const classFolder = path.join(folder, entry.name);
    const isFolder =
      entry.isDirectory() ||
      // A dangling link is not a class; a link elsewhere is caught when its images are read.
      (entry.isSymbolicLink() &&
        (await stat(classFolder).then(
          (info) => info.isDirectory(),
          () => false,
        )));
    if (!isFolder || entry.name.startsWith('.')) continue;
    const files = (await readdir(classFolder, { withFileTypes: true }))
      .filter(
        (file) =>
          !file.isDirectory() && IMAGE_EXTENSIONS.includes(path.extname(file.name).toLowerCase()),
      )
      .map((file) => path.join(classFolder, file.name))
      .sort();
    classes.push({ name: entry.name, files });
  }
  return classes.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/**
 * Decodes one image to uint8 NHWC at the target shape; throws on unreadable data. `failOn:
 * 'warning'` makes truncated files fail instead of decoding to a half-grey picture.
 */
export async function decodeImage(
  file: string | Buffer,
  [height, width, channels]: [number, number, number],
) {
  let pipeline = sharp(file, { failOn: 'warning' })
    .removeAlpha()
    .resize(width, height, { fit: 'fill' });
  pipeline = channels === 1 ? pipeline.grayscale() : pipeline.toColourspace('srgb');
  const { data, info } = await pipeline.raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== channels || data.length !== height * width * channels)
    throw new Error(`decoded to ${info.width}×${info.height}×${info.channels}`);
  return data;
}

/**
 * Decodes `files` into a split. Unreadable or corrupt images are skipped and returned in
 * `skipped`; the split holds only what decoded.
 */
async function decodeSplit(
  files: LabelledFile[],
  inputShape: [number, number, number],
  realRoot: string,
): Promise<{ split: DatasetSplit; skipped: string[]; outside: string[] }> {
  const sampleSize = inputShape[0] * inputShape[1] * inputShape[2];
  const decoded: (Buffer | null)[] = new Array(files.length).fill(null);
  const skipped: string[] = [];
  const outside: string[] = [];
  for (let start = 0; start < files.length; start += DECODE_CONCURRENCY) {
    await Promise.all(
      files.slice(start, start + DECODE_CONCURRENCY).map(async ({ file }, offset) => {
        // A file symlinked out of the data root must not be read.
        if (!(await isRealPathInside(realRoot, file))) return void outside.push(file);
        try {
          decoded[start + offset] = await decodeImage(file, inputShape);
        } catch {
          skipped.push(file);
        }
      }),
    );
  }
  const kept = decoded.filter((data) => data !== null).length;
  const images = new Float32Array(kept * sampleSize);
  const labels = new Int32Array(kept);
  let next = 0;
  decoded.forEach((data, index) => {
    if (data === null) return;
    for (let p = 0; p < sampleSize; p++) images[next * sampleSize + p] = data[p] / 255;
    labels[next++] = files[index].label;
  });
  return {
    split: { images, labels, count: kept },
    skipped: skipped.sort(),
    outside: outside.sort(),
  };
}

export interface LabelledItem<T> {
  item: T;
  label: number;
}

/**
 * The seeded split both folders and archives use: each class (its items sorted) is shuffled and
 * validationFraction of it validates (at least one item when the class has two or more), then the
 * training list is shuffled and capped at trainSamples. Labels are the classes' indices.
 */
export function splitClassItems<T>(
  classes: T[][],
  options: { validationFraction: number; trainSamples?: number; seed: number },
): { train: LabelledItem<T>[]; validation: LabelledItem<T>[] } {
  const random = SeededRandom.forDatasetSeed(options.seed);
  const train: LabelledItem<T>[] = [];
  const validation: LabelledItem<T>[] = [];
  classes.forEach((items, label) => {
    const shuffled = random.shuffleInPlace([...items]);
    const validationCount =
      shuffled.length < 2 || options.validationFraction <= 0
        ? 0
        : Math.max(1, Math.round(shuffled.length * options.validationFraction));
    shuffled.forEach((item, index) =>
      (index < validationCount ? validation : train).push({ item, label }),
    );
  });
  random.shuffleInPlace(train);
  return {
    train: options.trainSamples === undefined ? train : train.slice(0, options.trainSamples),
    validation,
  };
}

/** Checks a [height, width, channels] target the folder and archive loaders resize to. */
export function checkImageInputShape(inputShape: [number, number, number]): void {
  const [height, width, channels] = inputShape;
  if (
    ![height, width].every((size) => Number.isInteger(size) && size >= 1 && size <= 4096) ||
    ![1, 3].includes(channels)
  )
    throw new DatasetError(
      DatasetErrorCode.InvalidSpec,
      `inputShape must be [height, width, 1 or 3] with sizes 1–4096, got [${inputShape.join(', ')}]`,
    );
}

/**
 * Loads `folder/<class>/*.{png,jpg,jpeg}` (folder already resolved inside `realRoot`).
 * Each class is split with a seeded shuffle (validationFraction of it validates, at least one
 * image when the class has two or more), the training list is shuffled and capped, and only then
 * are images decoded, so a cap also caps the decoding work.
 */
export async function loadImageFolder(
  folder: string,
  realRoot: string,
  options: ImageFolderOptions,
): Promise<ImageFolderView> {
  checkImageInputShape(options.inputShape);
  const classes = await listClasses(folder);
  if (classes.length < 2)
    throw new DatasetError(
      DatasetErrorCode.InvalidSpec,
      `${folder} must hold at least two class folders (<class>/*.png|jpg|jpeg); found ${classes.length}`,
    );
  const empty = classes.filter((entry) => entry.files.length === 0).map((entry) => entry.name);
  if (empty.length > 0)
    throw new DatasetError(
      DatasetErrorCode.EmptyClass,
      `class folder(s) with no .png/.jpg/.jpeg images in ${folder}: ${empty.join(', ')}`,
    );
  const split = splitClassItems(
    classes.map((entry) => entry.files),
    options,
  );
  const cappedTrain = split.train.map(({ item, label }) => ({ file: item, label }));
  const validation = split.validation.map(({ item, label }) => ({ file: item, label }));
  const decodedTrain = await decodeSplit(cappedTrain, options.inputShape, realRoot);
  const decodedValidation = await decodeSplit(validation, options.inputShape, realRoot);

  const outside = [...decodedTrain.outside, ...decodedValidation.outside];
  if (outside.length > 0)
    throw new DatasetError(
      DatasetErrorCode.OutsideDataRoot,
      `image(s) link outside the data root ${realRoot}: ${outside.slice(0, 5).join(', ')}`,
    );
  const readable = new Set([...decodedTrain.split.labels, ...decodedValidation.split.labels]);
  const attempted = new Set([...cappedTrain, ...validation].map((entry) => entry.label));
  const unreadableClasses = classes.filter(
    (_, label) => attempted.has(label) && !readable.has(label),
  );
  if (unreadableClasses.length > 0)
    throw new DatasetError(
      DatasetErrorCode.EmptyClass,
      `class folder(s) with no readable image: ${unreadableClasses.map((entry) => entry.name).join(', ')}`,
    );
  const warnings: string[] = [];
  const skipped = [...decodedTrain.skipped, ...decodedValidation.skipped].sort();
  if (skipped.length > 0) {
    const shown = skipped.slice(0, 5).map((file) => path.relative(folder, file));
    warnings.push(
      `skipped ${skipped.length} unreadable image(s): ${shown.join(', ')}${skipped.length > 5 ? ', …' : ''}`,
    );
  }
  return {
    classNames: classes.map((entry) => entry.name),
    train: decodedTrain.split,
    validation: decodedValidation.split,
    warnings,
  };
}
