import type { DatasetSpec } from '@finetrack/shared';
import { DatasetError, DatasetErrorCode } from './dataset-error.js';

/**
 * Parses a class list as typed on the command line: `0-4`, `5,7,9`, or `0-2,7`. Order is kept
 * (it decides the relabelling) and a range may not run backwards.
 */
export function parseClassList(text: string): number[] {
  const classes: number[] = [];
  for (const part of text.split(',').map((piece) => piece.trim())) {
    const match = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!match)
      throw new DatasetError(
        DatasetErrorCode.InvalidSpec,
        `cannot read class list "${text}" (use 0-4 or 5,6,7)`,
      );
    const first = Number(match[1]);
    const last = match[2] === undefined ? first : Number(match[2]);
    if (last < first)
      throw new DatasetError(DatasetErrorCode.InvalidSpec, `class range ${part} runs backwards`);
    for (let value = first; value <= last; value++) classes.push(value);
  }
  return classes;
}

export interface DatasetArgumentOptions {
  classes?: number[];
  trainSamples?: number;
  validationSamples?: number;
  seed?: number;
  inputShape?: [number, number, number];
}

/**
 * Turns `--dataset mnist | fashion-mnist | folder:PATH` (archive:PATH: see archive-file-spec.ts) plus the shared flags into a DatasetSpec.
 * MNIST-like datasets default to all ten classes; folders take their classes from sub-folders.
 */
export function datasetSpecFromArgument(
  argument: string,
  options: DatasetArgumentOptions,
): DatasetSpec {
  const common = { trainSamples: options.trainSamples, seed: options.seed };
  if (argument === 'mnist' || argument === 'fashion-mnist')
    return {
      kind: argument,
      classes: options.classes ?? [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
      validationSamples: options.validationSamples,
      ...common,
    };
  if (argument.startsWith('folder:') && argument.length > 'folder:'.length) {
    if (options.classes)
      throw new DatasetError(
        DatasetErrorCode.InvalidSpec,
        '--classes does not apply to folder datasets: their classes are the sub-folders',
      );
    return {
      kind: 'folder',
      path: argument.slice('folder:'.length),
      inputShape: options.inputShape,
      ...common,
    };
  }
  throw new DatasetError(
    DatasetErrorCode.InvalidSpec,
    `unknown dataset "${argument}": use mnist, fashion-mnist, folder:PATH or archive:PATH`,
  );
}
