import type { ArchiveFormat } from '../dataset-spec.js';
import type { DatasetArchiveLimits } from '../dataset-limits.js';
import {
  hasImageExtension,
  ImageArchiveError,
  isIgnoredComponent,
  looksLikeImage,
  safeEntryComponents,
} from './archive-entry.js';

/** One image of an archive, handed to the caller while the archive streams. */
export interface ArchiveImage {
  className: string;
  /** The entry's path inside the archive, normalised (no `./`, no trailing slash). */
  entryPath: string;
  bytes: Buffer;
}

export interface ArchiveClassCount {
  className: string;
  count: number;
}

export interface ArchiveSummary {
  format: ArchiveFormat;
  /** The one top-level folder the classes sit under, or '' when they sit at the top. */
  root: string;
  /** Sorted by code unit, so labels are stable: the index here is the class label. */
  classNames: string[];
  /** Readable images per class, in `classNames` order. */
  classCounts: ArchiveClassCount[];
  images: number;
  /** Files that are not images, hidden files, and files outside the `<class>/<image>` layout. */
  skippedFiles: number;
  /** Files named like images whose bytes are neither PNG nor JPEG. */
  unreadableImages: number;
  entries: number;
  archiveBytes: number;
  uncompressedBytes: number;
}

export type EntryKind = 'file' | 'directory' | 'link' | 'device' | 'other';

/** What the format reader should do with an entry's body. */
export type EntryPlan = { read: true; components: string[] } | { read: false };

/**
 * Applies the limits and the `<class>/<image>` layout to the entries a format reader streams
 * past it, and hands images on. The format readers only decode their container; every decision
 * about what an archive may hold is made here, once for zip and tar alike.
 */
export class ArchiveCollector {
  private entries = 0;
  private declaredBytes = 0;
  private streamedBytes = 0;
  private images = 0;
  private skippedFiles = 0;
  private unreadableImages = 0;
  private root: string | undefined;
  /** `root\0class` for every folder that could be a class under some root. */
  private readonly candidateClasses = new Set<string>();
  private readonly counts = new Map<string, number>();

  constructor(
    private readonly limits: DatasetArchiveLimits,
    private readonly archiveBytes: number,
    private readonly onImage: (image: ArchiveImage) => Promise<void>,
  ) {}

  /** Registers an entry before its body is read; throws when the entry breaks a limit or a rule. */
  begin(name: string, kind: EntryKind, declaredSize: number): EntryPlan {
    this.entries += 1;
    if (this.entries > this.limits.maxEntries)
      throw new ImageArchiveError(
        'too-many-entries',
        `the archive has more than ${this.limits.maxEntries} entries`,
      );
    const components = safeEntryComponents(name);
    if (kind === 'link')
      throw new ImageArchiveError('link', `links are not allowed: ${JSON.stringify(name)}`, name);
    if (kind === 'device')
      throw new ImageArchiveError(
        'device',
        `device and FIFO entries are not allowed: ${JSON.stringify(name)}`,
        name,
      );
    if (kind === 'directory') {
      if (components.length >= 1 && components.length <= 2 && !components.some(isIgnoredComponent))
        this.addCandidate(components);
      return { read: false };
    }
    if (kind === 'other') return { read: false };
    this.checkEntrySize(name, declaredSize);
    this.declaredBytes += declaredSize;
    this.checkTotal(this.declaredBytes);
    if (components.length === 0 || components.some(isIgnoredComponent)) return this.skip();
    if (components.length >= 2 && components.length <= 3)
      this.addCandidate(components.slice(0, -1));
    if (!hasImageExtension(components[components.length - 1]) || !this.fitsLayout(components))
      return this.skip();
    return { read: true, components };
  }

  checkEntrySize(name: string, size: number): void {
    if (size > this.limits.maxEntryBytes)
      throw new ImageArchiveError(
        'entry-too-large',
        `entry ${JSON.stringify(name)} is larger than ${this.limits.maxEntryBytes} bytes uncompressed`,
        name,
      );
  }

  /** Counts body bytes as they stream, so lying headers cannot slip past the total. */
  addStreamed(bytes: number): void {
    this.streamedBytes += bytes;
    this.checkTotal(this.streamedBytes);
  }

  /**
   * Judges uncompressed ÷ compressed bytes; the format readers call it while they inflate, for
   * one entry or for the whole stream.
   */
  checkRatio(uncompressed: number, compressed: number, what: string): void {
    if (uncompressed < this.limits.compressionRatioFloorBytes) return;
    if (uncompressed / Math.max(compressed, 1) > this.limits.maxCompressionRatio)
      throw new ImageArchiveError(
        'compression-ratio',
        `${what} expands more than ${this.limits.maxCompressionRatio}-fold (a zip bomb?)`,
      );
  }

  /** Reads an entry's body into memory (an image) within the per-entry limit. */
  async readBody(name: string, body: AsyncIterable<Buffer>): Promise<Buffer> {
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      this.checkEntrySize(name, size);
      this.addStreamed(chunk.length);
      chunks.push(chunk);
    }
    return Buffer.concat(chunks, size);
  }

  /** Drains a body that is not kept, still counting its bytes. */
  async drain(name: string, body: AsyncIterable<Buffer>): Promise<void> {
    let size = 0;
    for await (const chunk of body) {
      size += chunk.length;
      this.checkEntrySize(name, size);
      this.addStreamed(chunk.length);
    }
  }

  async image(components: string[], bytes: Buffer): Promise<void> {
    const className = components[components.length - 2];
    if (!looksLikeImage(bytes)) {
      this.unreadableImages += 1;
      return;
    }
    this.images += 1;
    if (this.images > this.limits.maxImages)
      throw new ImageArchiveError(
        'too-many-images',
        `the archive has more than ${this.limits.maxImages} images`,
      );
    if (!this.counts.has(className) && this.counts.size >= this.limits.maxClasses)
      throw new ImageArchiveError(
        'too-many-classes',
        `the archive has more than ${this.limits.maxClasses} classes`,
      );
    this.counts.set(className, (this.counts.get(className) ?? 0) + 1);
    await this.onImage({ className, entryPath: components.join('/'), bytes });
  }

  /** Checks the class rules once every entry is seen and sums the archive up. */
  finish(format: ArchiveFormat): ArchiveSummary {
    if (this.root === undefined)
      throw new ImageArchiveError(
        'no-class-folders',
        'no class folders: the archive must hold <class>/<image>.png|jpg|jpeg (optionally under one top-level folder)',
      );
    const prefix = `${this.root}\0`;
    const classNames = [...this.candidateClasses]
      .filter((key) => key.startsWith(prefix))
      .map((key) => key.slice(prefix.length))
      .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (classNames.length < 2)
      throw new ImageArchiveError(
        'one-class',
        `the archive holds only one class folder (${classNames.join('')}); at least two are needed`,
      );
    const empty = classNames.filter((name) => !this.counts.has(name));
    if (empty.length > 0)
      throw new ImageArchiveError(
        'empty-class',
        `class folder(s) with no readable image: ${empty.slice(0, 10).join(', ')}`,
      );
    return {
      format,
      root: this.root,
      classNames,
      classCounts: classNames.map((className) => ({
        className,
        count: this.counts.get(className) ?? 0,
      })),
      images: this.images,
      skippedFiles: this.skippedFiles,
      unreadableImages: this.unreadableImages,
      entries: this.entries,
      archiveBytes: this.archiveBytes,
      uncompressedBytes: this.streamedBytes,
    };
  }

  private skip(): EntryPlan {
    this.skippedFiles += 1;
    return { read: false };
  }

  private addCandidate(folder: string[]): void {
    this.candidateClasses.add(`${folder.slice(0, -1).join('/')}\0${folder[folder.length - 1]}`);
  }

  /** The first image fixes the root; images under another root are outside the layout. */
  private fitsLayout(components: string[]): boolean {
    if (components.length < 2 || components.length > 3) return false;
    const root = components.slice(0, -2).join('/');
    this.root ??= root;
    return root === this.root;
  }

  private checkTotal(bytes: number): void {
    if (bytes > this.limits.maxUncompressedBytes)
      throw new ImageArchiveError(
        'uncompressed-too-large',
        `the archive unpacks to more than ${this.limits.maxUncompressedBytes} bytes`,
      );
    this.checkRatio(bytes, this.archiveBytes, 'the archive');
  }
}
