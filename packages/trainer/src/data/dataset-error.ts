/** Why a dataset could not be loaded; callers branch on `code`, never on the message. */
export const DatasetErrorCode = {
  /** The spec or a CLI argument names no dataset we know, or has invalid options. */
  InvalidSpec: 'INVALID_DATASET_SPEC',
  /** A folder resolves (after `..` and symlinks) outside the allowed data root. */
  OutsideDataRoot: 'OUTSIDE_DATA_ROOT',
  /** A folder or the files of a bundled dataset do not exist. */
  NotFound: 'DATASET_NOT_FOUND',
  /** A class folder holds no readable image. */
  EmptyClass: 'EMPTY_CLASS',
  /** A bundled file does not have the layout we expect (wrong IDX header, truncated file…). */
  CorruptData: 'CORRUPT_DATA',
  /** The caller asked for a shape the dataset cannot provide (e.g. MNIST at 32×32×3). */
  IncompatibleShape: 'INCOMPATIBLE_SHAPE',
} as const;
export type DatasetErrorCode = (typeof DatasetErrorCode)[keyof typeof DatasetErrorCode];

export class DatasetError extends Error {
  constructor(
    readonly code: DatasetErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DatasetError';
  }
}
