import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import type { ArchiveFormat } from '@finetrack/shared';
import { detectArchiveFileFormat } from '@finetrack/shared/node';
import type { DataSource } from 'typeorm';
import type { ArtifactStore } from '../artifacts/artifact-store.js';

export interface StoredUpload {
  uploadId: string;
  teamId: string;
  ownerKey: string;
  sha256: string;
  byteSize: number;
  format: ArchiveFormat | null;
}

/** The artifact-store key of a team's archive with this content hash. */
export const archiveKey = (teamId: string, sha256: string) => `${teamId}/dataset-${sha256}`;

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file, { highWaterMark: 1024 * 1024 }), hash);
  return hash.digest('hex');
}

/**
 * Finished uploads become content-addressed objects in the artifact store, once per team: the
 * tus file is hashed and renamed in under `<team>/dataset-<sha256>` (the tus folder sits on the
 * store's disk, so nothing is copied). Two identical uploads finishing at once both rename onto
 * the same key; rename is atomic and the bytes are equal, so one object remains, and the
 * `dataset_archives` row is inserted with ON CONFLICT DO NOTHING.
 */
export class DatasetArchivesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: ArtifactStore,
  ) {}

  /** Called when tus has received the last byte of an upload. */
  async storeFinished(
    upload: { uploadId: string; teamId: string; ownerKey: string },
    file: string,
    byteSize: number,
    /** The file's sha256 when its bytes were hashed on their way in; else it is read back. */
    knownSha256: string | null = null,
  ): Promise<StoredUpload> {
    const format = await detectArchiveFileFormat(file);
    const sha256 = knownSha256 ?? (await sha256Of(file));
    const key = archiveKey(upload.teamId, sha256);
    if (await this.store.has(key)) await rm(file, { force: true });
    else await this.store.adopt(key, file);
    await rm(`${file}.json`, { force: true });
    await this.dataSource.query(
      `INSERT INTO dataset_archives (team_id, sha256, byte_size, format, storage_key)
       VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING`,
      [upload.teamId, sha256, byteSize, format ?? 'zip', key],
    );
    const stored: StoredUpload = { ...upload, sha256, byteSize, format };
    await this.dataSource.query(
      `INSERT INTO dataset_uploads (upload_id, team_id, owner_key, sha256, byte_size, format)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (upload_id) DO NOTHING`,
      [upload.uploadId, upload.teamId, upload.ownerKey, sha256, byteSize, format],
    );
    return stored;
  }

  /** A finished upload of this team and owner, or null (unknown, unfinished, someone else's). */
  async finishedUpload(uploadId: string, teamId: string, ownerKey: string) {
    const rows: { sha256: string; byte_size: string; format: ArchiveFormat | null }[] =
      await this.dataSource.query(
        `SELECT sha256, byte_size, format FROM dataset_uploads
         WHERE upload_id = $1 AND team_id = $2 AND owner_key = $3`,
        [uploadId, teamId, ownerKey],
      );
    const row = rows[0];
    return row ? { sha256: row.sha256, byteSize: Number(row.byte_size), format: row.format } : null;
  }

  async forgetUpload(uploadId: string): Promise<void> {
    await this.dataSource.query('DELETE FROM dataset_uploads WHERE upload_id = $1', [uploadId]);
  }

  /**
   * Removes the team's archive with this hash unless a dataset still refers to it; run after
   * the deleting transaction committed (or after an upload turned out not to be a dataset).
   */
  async removeIfUnreferenced(teamId: string, sha256: string): Promise<void> {
    const removed: unknown[] = await this.dataSource.query(
      // Wrapped in a SELECT: TypeORM answers a bare DELETE … RETURNING as [rows, count].
      `WITH gone AS (DELETE FROM dataset_archives a WHERE team_id = $1 AND sha256 = $2
         AND NOT EXISTS (SELECT 1 FROM datasets d WHERE d.team_id = a.team_id
                         AND d.spec->>'kind' = 'archive' AND d.spec->>'sha256' = a.sha256)
         AND NOT EXISTS (SELECT 1 FROM dataset_uploads u WHERE u.team_id = a.team_id
                         AND u.sha256 = a.sha256)
       RETURNING sha256) SELECT sha256 FROM gone`,
      [teamId, sha256],
    );
    if (removed.length > 0) await this.store.remove(archiveKey(teamId, sha256));
  }

  open(teamId: string, sha256: string) {
    return this.store.open(archiveKey(teamId, sha256));
  }

  /** The stored archive's file, for the indexer (zip needs random access). */
  localPath(teamId: string, sha256: string): string {
    return this.store.localPath(archiveKey(teamId, sha256));
  }
}
