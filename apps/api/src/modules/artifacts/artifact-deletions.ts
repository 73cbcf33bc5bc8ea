import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';
import { artifactKey } from '../../common/artifact-key.js';
import type { ArtifactStore } from './artifact-store.js';

/** Queued deletions handled per transaction. */
const BATCH = 500;

/**
 * Removes the files of deleted artifacts, queued in artifact_deletions by a trigger when their
 * rows went (see the migration). Runs when a deletion is announced and in the periodic sweep;
 * several API processes can drain at once (SKIP LOCKED). A queue row goes only with its file.
 */
export class ArtifactDeletions {
  private draining: Promise<number> | undefined;

  constructor(
    private readonly dataSource: DataSource,
    private readonly store: ArtifactStore,
    private readonly logger: Logger,
  ) {}

  /** Drains the queue; a call while one runs waits for it and then drains again. */
  async drain(): Promise<number> {
    while (this.draining) await this.draining.catch(() => undefined);
    this.draining = this.drainAll();
    try {
      return await this.draining;
    } finally {
      this.draining = undefined;
    }
  }

  private async drainAll(): Promise<number> {
    let removed = 0;
    for (;;) {
      const batch = await this.dataSource.transaction(async (manager) => {
        const rows: { artifact_id: string; team_id: string }[] = await manager.query(
          `SELECT artifact_id, team_id FROM artifact_deletions
            ORDER BY deleted_at LIMIT ${BATCH} FOR UPDATE SKIP LOCKED`,
        );
        const gone: string[] = [];
        for (const row of rows) {
          try {
            await this.store.remove(artifactKey({ teamId: row.team_id, id: row.artifact_id }));
            gone.push(row.artifact_id);
          } catch (error) {
            this.logger.warn(
              { err: { message: (error as Error).message }, artifactId: row.artifact_id },
              'artifact file not removed; the sweep tries again',
            );
          }
        }
        if (gone.length > 0)
          await manager.query(
            'DELETE FROM artifact_deletions WHERE artifact_id = ANY($1::uuid[])',
            [gone],
          );
        return { seen: rows.length, gone: gone.length };
      });
      removed += batch.gone;
      if (batch.seen < BATCH || batch.gone === 0) return removed;
    }
  }
}
