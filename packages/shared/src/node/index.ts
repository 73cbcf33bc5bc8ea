// Node-only helpers that servers and tests of several workspaces use, reached as
// `@finetrack/shared/node` (never from the root entry point, which the browser bundle imports).
export { freePort } from './free-port.js';
export {
  ARCHIVE_HEAD_BYTES,
  detectArchiveFileFormat,
  detectArchiveFormat,
  ImageArchiveError,
  readImageArchive,
  type ArchiveClassCount,
  type ArchiveImage,
  type ArchiveSummary,
  type ImageArchiveErrorReason,
} from './image-archive.js';
