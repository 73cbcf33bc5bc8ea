/**
 * Limits on uploaded dataset archives. The API refuses an upload over `maxArchiveBytes` when it is
 * created, and the archive reader (`@finetrack/shared/node`) enforces every other limit while it
 * streams the archive, in the API when it indexes an upload and in the worker when it unpacks one,
 * so both sides refuse the same archives.
 */
export interface DatasetArchiveLimits {
  /** Bytes of the archive file itself. */
  maxArchiveBytes: number;
  /** Uncompressed bytes of all entries together. */
  maxUncompressedBytes: number;
  /** Uncompressed bytes of one entry (an image is held in memory whole while it is read). */
  maxEntryBytes: number;
  /** Entries of any kind: files, folders, skipped files. */
  maxEntries: number;
  /** Images kept (`.png`, `.jpg`, `.jpeg` inside a class folder). */
  maxImages: number;
  /** Class folders. */
  maxClasses: number;
  /**
   * Uncompressed ÷ compressed bytes, for one zip entry and for the archive as a whole. Images
   * barely compress, so a ratio far above this is a zip bomb rather than a dataset.
   */
  maxCompressionRatio: number;
  /**
   * The ratio is only judged once this many uncompressed bytes are at stake: a tiny text file of
   * spaces compresses 100-fold too, and harms nobody.
   */
  compressionRatioFloorBytes: number;
}

const MiB = 1024 * 1024;
const GiB = 1024 * MiB;

export const DEFAULT_DATASET_ARCHIVE_LIMITS: Readonly<DatasetArchiveLimits> = Object.freeze({
  maxArchiveBytes: 4 * GiB,
  maxUncompressedBytes: 8 * GiB,
  maxEntryBytes: 64 * MiB,
  maxEntries: 500_000,
  maxImages: 250_000,
  maxClasses: 1_000,
  maxCompressionRatio: 100,
  compressionRatioFloorBytes: 1 * MiB,
});

/** Image file extensions a class folder may hold (lower case; matched case-insensitively). */
export const DATASET_IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg'];

/** Thumbnails the API keeps per class, and their longest side in pixels. */
export const DATASET_THUMBNAILS_PER_CLASS = 4;
export const DATASET_THUMBNAIL_SIZE = 64;

/** The validation fraction when an upload names none. */
export const DEFAULT_DATASET_VALIDATION_FRACTION = 0.2;

/**
 * How many of a class's `count` images validate: `round(count × fraction)`, at least one when the
 * class has two or more images and the fraction is positive, none for a one-image class. The
 * trainer's folder loader splits by the same rule, so the counts the API shows are the counts a
 * run trains on.
 */
export function validationCountFor(count: number, fraction: number): number {
  if (count < 2 || fraction <= 0) return 0;
  return Math.max(1, Math.round(count * fraction));
}
