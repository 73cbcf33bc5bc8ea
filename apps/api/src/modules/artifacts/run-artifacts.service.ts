import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { isUuid } from '../../common/pagination.js';
import { badInput, notFound } from '../../graphql/errors.js';
import type { Transaction } from '../queue/run-queue.js';
import type { ArtifactStore } from './artifact-store.js';
import { Artifact, ArtifactStatus } from './artifact.entity.js';
import { artifactKey } from '../../common/artifact-key.js';

/** Pending artifacts older than this are deleted (a createArtifact whose PUT never came). */
const PENDING_ARTIFACT_HOURS = 24;

/** An artifact row that was deleted and whose file is to go. */
type Removed = { id: string; team_id: string };

/**
 * The artifact rows a run's lifecycle writes: checkpoint files a newer checkpoint supersedes,
 * the files a completed run hands to its model, and uploads that never came.
 */
export class RunArtifactsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly store: ArtifactStore,
    private readonly logger: Logger,
  ) {}

  /** The distinct ids, each an uploaded artifact of the run, or BAD_USER_INPUT / NOT_FOUND. */
  async requireStored(tx: Transaction, runId: string, ids: string[]): Promise<string[]> {
    const unique = [...new Set(ids)];
    if (unique.some((id) => !isUuid(id))) throw notFound('artifact');
    const rows = await tx.query<{ id: string }>(
      `SELECT id FROM artifacts WHERE id = ANY($1::uuid[]) AND run_id = $2 AND status = 'stored'`,
      [unique, runId],
    );
    if (rows.length !== unique.length)
      throw badInput('every artifactId must be an uploaded artifact of this run', {
        field: 'artifactIds',
      });
    return unique;
  }

  /** The stored artifacts among `ids` (a checkpoint's files), in no particular order. */
  storedAmong(ids: string[]): Promise<Artifact[]> {
    return this.dataSource
      .getRepository(Artifact)
      .createQueryBuilder('a')
      .where('a.id = ANY(:ids) AND a.status = :stored', { ids, stored: ArtifactStatus.STORED })
      .getMany();
  }

  /** The run's files become the model's. */
  async moveToModel(tx: Transaction, ids: string[], modelId: string): Promise<void> {
    await tx.query(`UPDATE artifacts SET model_id = $1, run_id = NULL WHERE id = ANY($2::uuid[])`, [
      modelId,
      ids,
    ]);
  }

  /**
   * Deletes the rows of the run's previous checkpoint files that the new one does not keep;
   * their files go with `removeFiles` once the transaction committed.
   */
  deleteSuperseded(
    tx: Transaction,
    runId: string,
    previous: string[],
    kept: string[],
  ): Promise<Removed[]> {
    return tx.query<Removed>(
      `DELETE FROM artifacts WHERE id = ANY($1::uuid[]) AND run_id = $2
          AND NOT (id = ANY($3::uuid[]))
       RETURNING id, team_id`,
      [previous, runId, kept],
    );
  }

  /** Deletes artifacts announced long ago and never uploaded, and their files. */
  async deleteAbandoned(): Promise<void> {
    const [abandoned] = (await this.dataSource.query(
      `DELETE FROM artifacts WHERE status = 'pending'
          AND created_at < now() - make_interval(hours => $1)
        RETURNING id, team_id`,
      [PENDING_ARTIFACT_HOURS],
    )) as [Removed[], number];
    await this.removeFiles(abandoned);
  }

  /** Removes the files of deleted rows; a file that will not go is logged, not fatal. */
  async removeFiles(rows: Removed[]): Promise<void> {
    for (const row of rows)
      await this.store
        .remove(artifactKey({ id: row.id, teamId: row.team_id }))
        .catch((error: Error) =>
          this.logger.warn({ err: { message: error.message } }, 'artifact file not removed'),
        );
  }
}
