import { DATASET_IMAGE_EXTENSIONS } from '../dataset-limits.js';

/** Why an archive was refused; the API names it in its BAD_USER_INPUT message. */
export type ImageArchiveErrorReason =
  | 'not-an-archive'
  | 'corrupt-archive'
  | 'unsafe-path'
  | 'path-outside-root'
  | 'absolute-path'
  | 'link'
  | 'device'
  | 'archive-too-large'
  | 'uncompressed-too-large'
  | 'entry-too-large'
  | 'too-many-entries'
  | 'too-many-images'
  | 'too-many-classes'
  | 'compression-ratio'
  | 'no-class-folders'
  | 'one-class'
  | 'empty-class';

export class ImageArchiveError extends Error {
  constructor(
    readonly reason: ImageArchiveErrorReason,
    message: string,
    /** The entry at fault, when one is. */
    readonly entryPath?: string,
  ) {
    super(message);
    this.name = 'ImageArchiveError';
  }
}

/**
 * Splits an entry name into its path components, refusing names that would land outside the
 * folder the archive is unpacked into: absolute paths (`/x`, `C:x`), `..` components, and
 * backslashes or NUL characters (which Windows or C code would read as separators or ends).
 */
export function safeEntryComponents(name: string): string[] {
  if (name.includes('\\') || name.includes('\0'))
    throw new ImageArchiveError(
      'unsafe-path',
      `unsafe characters in entry name ${JSON.stringify(name)}`,
      name,
    );
  if (name.startsWith('/') || /^[a-zA-Z]:/.test(name))
    throw new ImageArchiveError(
      'absolute-path',
      `absolute entry path ${JSON.stringify(name)}`,
      name,
    );
  const components = name.split('/').filter((part) => part !== '' && part !== '.');
  if (components.includes('..'))
    throw new ImageArchiveError(
      'path-outside-root',
      `entry ${JSON.stringify(name)} points outside the archive root`,
      name,
    );
  return components;
}

/** Hidden files and folders, and the resource forks macOS adds to zips, are never data. */
export function isIgnoredComponent(component: string): boolean {
  return component.startsWith('.') || component === '__MACOSX';
}

export function hasImageExtension(name: string): boolean {
  const dot = name.lastIndexOf('.');
  return dot > 0 && DATASET_IMAGE_EXTENSIONS.includes(name.slice(dot).toLowerCase());
}

/** PNG's eight-byte signature, or JPEG's start-of-image marker followed by a marker byte. */
export function looksLikeImage(bytes: Buffer): boolean {
  const png =
    bytes.length >= 8 &&
    bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
  const jpeg = bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff;
  return png || jpeg;
}
