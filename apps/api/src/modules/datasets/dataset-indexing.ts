import {
  DATASET_THUMBNAIL_SIZE,
  DATASET_THUMBNAILS_PER_CLASS,
  DEFAULT_DATASET_ARCHIVE_LIMITS,
  validationCountFor,
  type ArchiveFormat,
  type DatasetArchiveLimits,
} from '@finetrack/shared';
import { readImageArchive, type ArchiveSummary } from '@finetrack/shared/node';
import sharp from 'sharp';

export interface Thumbnail {
  className: string;
  contentType: string;
  bytes: Buffer;
}

export interface ArchiveIndex {
  summary: ArchiveSummary;
  classCounts: { className: string; train: number; validation: number }[];
  trainSamples: number;
  validationSamples: number;
  thumbnails: Thumbnail[];
}

/** A small PNG of an image, or null when sharp cannot decode it (it is then not a thumbnail). */
async function thumbnailOf(bytes: Buffer): Promise<Buffer | null> {
  try {
    return await sharp(bytes, { failOn: 'warning' })
      .resize(DATASET_THUMBNAIL_SIZE, DATASET_THUMBNAIL_SIZE, { fit: 'inside' })
      .png()
      .toBuffer();
  } catch {
    return null;
  }
}

/**
 * Reads an uploaded archive through the shared reader (which refuses bad archives with a
 * reason), keeps the first few decodable images of each class as thumbnails (sharp, as the
 * trainer decodes), and splits each class's count by the trainer's validation rule.
 */
export async function indexArchive(
  file: string,
  format: ArchiveFormat,
  validationFraction: number,
  limits: DatasetArchiveLimits = DEFAULT_DATASET_ARCHIVE_LIMITS,
): Promise<ArchiveIndex> {
  const kept = new Map<string, Thumbnail[]>();
  const summary = await readImageArchive(file, format, limits, async (image) => {
    const list = kept.get(image.className) ?? [];
    if (list.length >= DATASET_THUMBNAILS_PER_CLASS) return;
    kept.set(image.className, list);
    const bytes = await thumbnailOf(image.bytes);
    if (bytes) list.push({ className: image.className, contentType: 'image/png', bytes });
  });
  const classCounts = summary.classCounts.map(({ className, count }) => {
    const validation = validationCountFor(count, validationFraction);
    return { className, train: count - validation, validation };
  });
  return {
    summary,
    classCounts,
    trainSamples: classCounts.reduce((sum, entry) => sum + entry.train, 0),
    validationSamples: classCounts.reduce((sum, entry) => sum + entry.validation, 0),
    thumbnails: summary.classNames.flatMap((className) => kept.get(className) ?? []),
  };
}
