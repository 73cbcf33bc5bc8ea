import type { ArchiveFormat, DatasetSpec } from '@finetrack/shared';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { viewOfArchiveIndex } from './archive-dataset.js';
import { indexArchive, indexFolderName, readArchiveIndex } from './archive-index.js';
import type { LoadedDataset } from './dataset.js';
import { DatasetError, DatasetErrorCode } from './dataset-error.js';
import {
  buildSplit,
  hashDatasetView,
  selectSampleIndices,
  type PixelPool,
} from './dataset-view.js';
import { resolveDataRoot, resolveInsideDataRoot } from './data-root.js';
import {
  FASHION_MNIST_CLASS_NAMES,
  FASHION_MNIST_INPUT_SHAPE,
  readFashionMnistPools,
} from './fashion-mnist.js';
import {
  DEFAULT_FOLDER_INPUT_SHAPE,
  DEFAULT_VALIDATION_FRACTION,
  loadImageFolder,
} from './image-folder.js';
import { MNIST_CLASS_NAMES, MNIST_INPUT_SHAPE, readMnistSplit } from './mnist.js';
import { realpath } from 'node:fs/promises';

export interface LoadDatasetOptions {
  /** Folder image datasets must live under; defaults to resolveDataRoot(). */
  dataRoot?: string;
  /**
   * [height, width, channels] the model expects (a source model's input). Folders are resized to
   * it; MNIST and Fashion-MNIST are 28×28×1 and throw INCOMPATIBLE_SHAPE for anything else.
   */
  inputShape?: [number, number, number];
  /**
   * Where an `archive` spec's images come from: the folder of an index written by indexArchive
   * (the worker's dataset cache gives one), or, when only a local archive file is at hand
   * (`finetrack-train --dataset archive:PATH`), that file, indexed into a temporary folder.
   */
  archive?: { indexFolder: string } | { file: string };
}

const invalid = (message: string) => new DatasetError(DatasetErrorCode.InvalidSpec, message);

function checkCount(value: number | undefined, field: string): void {
  if (value !== undefined && (!Number.isInteger(value) || value < 1))
    throw invalid(`${field} must be a positive integer, got ${value}`);
}

function checkClasses(classes: unknown, count: number): number[] {
  if (!Array.isArray(classes) || classes.length < 2)
    throw invalid(`classes must list at least two classes, got ${JSON.stringify(classes)}`);
  for (const value of classes)
    if (!Number.isInteger(value) || value < 0 || value >= count)
      throw invalid(`classes must be integers from 0 to ${count - 1}, got ${value}`);
  if (new Set(classes).size !== classes.length)
    throw invalid(`classes must not repeat, got ${classes.join(',')}`);
  return classes as number[];
}

function checkShape(
  kind: string,
  actual: [number, number, number],
  wanted?: [number, number, number],
) {
  if (wanted && wanted.join('x') !== actual.join('x'))
    throw new DatasetError(
      DatasetErrorCode.IncompatibleShape,
      `${kind} images are ${actual.join('×')} but the model expects ${wanted.join('×')}`,
    );
}

/** Train/validation views of two pools with the spec's classes, caps and seed. */
function viewOfPools(
  kind: 'mnist' | 'fashion-mnist',
  pools: { train: PixelPool; validation: PixelPool },
  spec: { classes: number[]; trainSamples?: number; validationSamples?: number; seed?: number },
  allClassNames: string[],
  inputShape: [number, number, number],
): LoadedDataset {
  const seed = spec.seed ?? 0;
  const warnings: string[] = [];
  const trainIndices = selectSampleIndices(
    pools.train.labels,
    spec.classes,
    spec.trainSamples,
    seed,
  );
  // A different stream for validation, so its order does not mirror the training order.
  const validationIndices = selectSampleIndices(
    pools.validation.labels,
    spec.classes,
    spec.validationSamples,
    seed + 0.5,
  );
  for (const [field, asked, got] of [
    ['trainSamples', spec.trainSamples, trainIndices.length],
    ['validationSamples', spec.validationSamples, validationIndices.length],
  ] as const)
    if (asked !== undefined && asked > got)
      warnings.push(`${field} ${asked} asked, only ${got} available`);
  const classNames = spec.classes.map((index) => allClassNames[index]);
  const train = buildSplit(pools.train, trainIndices, spec.classes);
  const validation = buildSplit(pools.validation, validationIndices, spec.classes);
  return {
    name: `${kind}[${spec.classes.join(',')}]`,
    classNames,
    inputShape,
    train,
    validation,
    hash: hashDatasetView({ kind, classNames, inputShape, train, validation }),
    warnings,
  };
}

async function readIndexFor(
  format: ArchiveFormat,
  inputShape: [number, number, number],
  archive: NonNullable<LoadDatasetOptions['archive']>,
) {
  if ('indexFolder' in archive) return readArchiveIndex(archive.indexFolder);
  const scratch = await mkdtemp(path.join(tmpdir(), 'finetrack-archive-'));
  try {
    const folder = path.join(scratch, indexFolderName(inputShape));
    await indexArchive(archive.file, format, inputShape, folder);
    return await readArchiveIndex(folder);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/**
 * Loads the dataset view a DatasetSpec describes.
 * - `mnist`: the real 60,000 training images feed `train`, the 10,000 test images `validation`.
 * - `fashion-mnist`: per class, the first 6/7 train and the rest validate (see fashion-mnist.ts).
 * - `folder`: `<dataRoot>/<path>/<class>/*.{png,jpg,jpeg}`, split by `validationFraction` (0.2).
 * - `archive`: an uploaded archive of the same layout, split the same way (options.archive).
 * Selected classes are relabelled 0..n-1 in the order given; caps apply after a seeded shuffle.
 * Images come back as NHWC float32 in [0, 1]. Throws DatasetError with a code for bad input.
 */
export async function loadDataset(
  spec: DatasetSpec,
  options: LoadDatasetOptions = {},
): Promise<LoadedDataset> {
  if (spec === null || typeof spec !== 'object') throw invalid('a dataset spec must be an object');
  if (spec.seed !== undefined && !Number.isFinite(spec.seed))
    throw invalid('seed must be a finite number');
  checkCount(spec.trainSamples, 'trainSamples');
  switch (spec.kind) {
    case 'mnist': {
      const classes = checkClasses(spec.classes, 10);
      checkCount(spec.validationSamples, 'validationSamples');
      checkShape('MNIST', MNIST_INPUT_SHAPE, options.inputShape);
      const [train, validation] = await Promise.all([
        readMnistSplit('train'),
        readMnistSplit('test'),
      ]);
      return viewOfPools(
        'mnist',
        { train, validation },
        { ...spec, classes },
        MNIST_CLASS_NAMES,
        MNIST_INPUT_SHAPE,
      );
    }
    case 'fashion-mnist': {
      const classes = checkClasses(spec.classes, 10);
      checkCount(spec.validationSamples, 'validationSamples');
      checkShape('Fashion-MNIST', FASHION_MNIST_INPUT_SHAPE, options.inputShape);
      const pools = await readFashionMnistPools(classes);
      return viewOfPools(
        'fashion-mnist',
        pools,
        { ...spec, classes },
        FASHION_MNIST_CLASS_NAMES,
        FASHION_MNIST_INPUT_SHAPE,
      );
    }
    case 'folder': {
      if (typeof spec.path !== 'string' || spec.path === '')
        throw invalid('a folder dataset needs a path');
      const fraction = spec.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
      if (!(fraction >= 0 && fraction < 1))
        throw invalid(`validationFraction must be in [0, 1), got ${fraction}`);
      const inputShape = options.inputShape ?? spec.inputShape ?? DEFAULT_FOLDER_INPUT_SHAPE;
      const dataRoot = options.dataRoot ?? resolveDataRoot();
      const folder = await resolveInsideDataRoot(dataRoot, spec.path);
      const realRoot = await realpath(dataRoot);
      const view = await loadImageFolder(folder, realRoot, {
        inputShape,
        validationFraction: fraction,
        trainSamples: spec.trainSamples,
        seed: spec.seed ?? 0,
      });
      return {
        name: `folder:${spec.path}`,
        classNames: view.classNames,
        inputShape,
        train: view.train,
        validation: view.validation,
        hash: hashDatasetView({ kind: 'folder', ...view, inputShape }),
        warnings: view.warnings,
      };
    }
    case 'archive': {
      const fraction = spec.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
      if (!(fraction >= 0 && fraction < 1))
        throw invalid(`validationFraction must be in [0, 1), got ${fraction}`);
      if (!options.archive)
        throw invalid('an archive dataset needs its archive (the worker fetches it from the API)');
      const inputShape = options.inputShape ?? spec.inputShape ?? DEFAULT_FOLDER_INPUT_SHAPE;
      const { index, pixels } = await readIndexFor(spec.format, inputShape, options.archive);
      const view = viewOfArchiveIndex(index, pixels, {
        validationFraction: fraction,
        trainSamples: spec.trainSamples,
        seed: spec.seed ?? 0,
      });
      return {
        name: `archive:${spec.sha256.slice(0, 12)}`,
        classNames: view.classNames,
        inputShape,
        train: view.train,
        validation: view.validation,
        hash: hashDatasetView({ kind: 'archive', ...view, inputShape }),
        warnings: view.warnings,
      };
    }
    default:
      throw invalid(`unknown dataset kind ${JSON.stringify((spec as { kind?: unknown }).kind)}`);
  }
}
