import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { DatasetSpec } from '@finetrack/shared';
import { detectArchiveFileFormat } from '@finetrack/shared/node';
import { DatasetError, DatasetErrorCode } from './dataset-error.js';

export const ARCHIVE_ARGUMENT_PREFIX = 'archive:';

/** sha256 (hex) of a file, streamed. */
export async function sha256OfFile(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/**
 * The `archive` spec of a local archive file (`finetrack-train --dataset archive:PATH`), so a
 * dataset can be trained on without the API: its hash, size and format come from the file.
 */
export async function archiveSpecFromFile(
  file: string,
  options: { inputShape?: [number, number, number]; trainSamples?: number; seed?: number },
): Promise<Extract<DatasetSpec, { kind: 'archive' }>> {
  const info = await stat(file).catch(() => null);
  if (!info?.isFile())
    throw new DatasetError(DatasetErrorCode.InvalidSpec, `no archive file at ${file}`);
  const format = await detectArchiveFileFormat(file);
  if (format === null)
    throw new DatasetError(DatasetErrorCode.InvalidSpec, `${file} is not a zip, tar or tar.gz`);
  return {
    kind: 'archive',
    sha256: await sha256OfFile(file),
    byteSize: info.size,
    format,
    inputShape: options.inputShape,
    trainSamples: options.trainSamples,
    seed: options.seed,
  };
}
