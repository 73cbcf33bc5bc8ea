import type { DatasetSplit } from './dataset.js';
import type { ArchiveIndex } from './archive-index.js';
import { splitClassItems } from './image-folder.js';

export interface ArchiveViewOptions {
  validationFraction: number;
  trainSamples?: number;
  seed: number;
}

/** Float32 [0, 1] split of the chosen slots of an index's uint8 pixels. */
function buildArchiveSplit(
  pixels: Buffer,
  sampleSize: number,
  chosen: { item: { slot: number }; label: number }[],
): DatasetSplit {
  const images = new Float32Array(chosen.length * sampleSize);
  const labels = new Int32Array(chosen.length);
  chosen.forEach(({ item, label }, row) => {
    const from = item.slot * sampleSize;
    const to = row * sampleSize;
    for (let p = 0; p < sampleSize; p++) images[to + p] = pixels[from + p] / 255;
    labels[row] = label;
  });
  return { images, labels, count: chosen.length };
}

/**
 * Train and validation splits of an indexed archive, with exactly the folder loader's seeded
 * split (splitClassItems over the classes' entries sorted by path), so an archive of a folder
 * trains on the same images as the folder with the same seed.
 */
export function viewOfArchiveIndex(
  index: ArchiveIndex,
  pixels: Buffer,
  options: ArchiveViewOptions,
): { classNames: string[]; train: DatasetSplit; validation: DatasetSplit; warnings: string[] } {
  const [height, width, channels] = index.inputShape;
  const sampleSize = height * width * channels;
  const split = splitClassItems(index.classes, options);
  const warnings: string[] = [];
  if (index.unreadable > 0) warnings.push(`skipped ${index.unreadable} unreadable image(s)`);
  return {
    classNames: index.classNames,
    train: buildArchiveSplit(pixels, sampleSize, split.train),
    validation: buildArchiveSplit(pixels, sampleSize, split.validation),
    warnings,
  };
}
