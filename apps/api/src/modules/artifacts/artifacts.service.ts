import { INSTANCE_WORKER_HOLDS_SQL, workerRunScope } from '../runs/worker-viewer.js';
import { ErrorCode, LEASE_LOST, MAX_ARTIFACTS_PER_OWNER } from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { Config } from '../../config.js';
import type { Actor, Viewer } from '../../common/actor.js';
import { artifactKey } from '../../common/artifact-key.js';
import { AppError, badInput, forbidden, notFound } from '../../graphql/errors.js';
import { isUuid } from '../../common/pagination.js';
import type { AccessService } from '../teams/access.service.js';
import { atLeast, TeamRole } from '../teams/team-role.js';
import type { CreateArtifactInput } from '../runs/worker.types.js';
import { Artifact, ArtifactStatus } from './artifact.entity.js';

/** Announcing artifacts and deciding who may upload or download one. */
export class ArtifactsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly config: Config,
  ) {}

  /**
   * A pending artifact of a run (workers: with the run's live lease; members: any run) or of a
   * model (members). Bytes follow with `PUT /artifacts/:id`.
   */
  async create(actor: Actor, input: CreateArtifactInput): Promise<Artifact> {
    const viewer = this.access.viewer(actor);
    if ((input.runId ? 1 : 0) + (input.modelId ? 1 : 0) !== 1)
      throw badInput('give exactly one of runId and modelId');
    if (!Number.isSafeInteger(input.byteSize) || input.byteSize < 0)
      throw badInput('byteSize must be a whole number of bytes', { field: 'byteSize' });
    if (input.byteSize > this.config.artifactMaxBytes)
      throw new AppError(
        ErrorCode.BadUserInput,
        `artifacts are limited to ${this.config.artifactMaxBytes} bytes`,
        { field: 'byteSize', reason: 'TOO_LARGE' },
      );
    let teamId: string;
    if (input.runId) {
      if (viewer.worker) {
        teamId = await this.requireHeldRun(viewer, input.runId, input.leaseToken);
      } else {
        teamId = await this.access.requireOwned(actor, 'runs', input.runId, TeamRole.MEMBER, 'run');
      }
    } else {
      if (viewer.worker) throw forbidden('workers upload run artifacts; completeRun attaches them');
      teamId = await this.access.requireOwned(
        actor,
        'models',
        input.modelId!,
        TeamRole.MEMBER,
        'model',
      );
    }
    // The owner's row is locked while its artifacts are counted, so concurrent announcements
    // cannot pass the limit together (queries price Run.artifacts and Model.artifacts by it).
    return this.dataSource.transaction(async (manager) => {
      const owner = input.runId
        ? { table: 'runs', column: 'run_id', id: input.runId }
        : { table: 'models', column: 'model_id', id: input.modelId! };
      await manager.query(`SELECT 1 FROM ${owner.table} WHERE id = $1 FOR UPDATE`, [owner.id]);
      const [{ count }] = (await manager.query(
        `SELECT count(*)::int AS count FROM artifacts WHERE ${owner.column} = $1`,
        [owner.id],
      )) as { count: number }[];
      if (count >= MAX_ARTIFACTS_PER_OWNER)
        throw new AppError(
          ErrorCode.Conflict,
          `a ${input.runId ? 'run' : 'model'} holds at most ${MAX_ARTIFACTS_PER_OWNER} artifacts`,
          { reason: 'TOO_MANY_ARTIFACTS' },
        );
      return manager.getRepository(Artifact).save({
        teamId,
        runId: input.runId ?? null,
        modelId: input.modelId ?? null,
        kind: input.kind,
        fileName: input.fileName,
        byteSize: input.byteSize,
        sha256: input.sha256,
        status: ArtifactStatus.PENDING,
        storagePath: '',
      });
    });
  }

  private async requireHeldRun(viewer: Viewer, runId: string, leaseToken?: string) {
    if (!isUuid(runId)) throw notFound('run');
    const rows: { team_id: string; lease_token: string | null; status: string }[] =
      await this.dataSource.query(
        `SELECT team_id, lease_token, status FROM runs WHERE id = $1 AND ${workerRunScope('$2', '$3')}`,
        [runId, viewer.tokenTeamId, viewer.tokenId ?? null],
      );
    if (!rows[0]) throw notFound('run');
    if (!leaseToken || rows[0].lease_token !== leaseToken || rows[0].status !== 'running')
      throw new AppError(ErrorCode.Conflict, 'this lease is no longer the run’s', {
        reason: LEASE_LOST,
      });
    return rows[0].team_id;
  }

  /**
   * The artifact if the actor may write (`upload`) or read it; NOT_FOUND for anything outside the
   * caller's reach. Workers read their team's model files and the files of runs they hold or
   * held, and write only files of runs they hold now.
   */
  async authorize(actor: Actor, id: string, mode: 'upload' | 'download'): Promise<Artifact> {
    const { viewer } = actor;
    if (!viewer) throw new AppError(ErrorCode.Unauthenticated, 'log in or send an API token');
    if (!isUuid(id)) throw notFound('artifact');
    const artifact = await this.dataSource.getRepository(Artifact).findOneBy({ id });
    if (!artifact) throw notFound('artifact');
    if (viewer.tokenTeamId && viewer.tokenTeamId !== artifact.teamId) throw notFound('artifact');
    if (viewer.worker) {
      if (artifact.runId) {
        const rows: { worker_token_id: string | null; status: string }[] =
          await this.dataSource.query('SELECT worker_token_id, status FROM runs WHERE id = $1', [
            artifact.runId,
          ]);
        const run = rows[0];
        if (!run || run.worker_token_id !== viewer.tokenId) throw notFound('artifact');
        // The same answer as every other worker call on a run it no longer holds (cancelled,
        // released or expired): the worker then asks a heartbeat why, instead of failing the run.
        if (mode === 'upload' && run.status !== 'running')
          throw new AppError(ErrorCode.Conflict, 'this lease is no longer the run’s', {
            reason: LEASE_LOST,
          });
      } else if (mode === 'upload') throw forbidden('workers upload run artifacts only');
      else if (viewer.instanceWorker) {
        // An instance worker reads a team's files (source models) only while it holds one of
        // that team's runs or scoring jobs: it serves every team, but sees one only through its
        // work.
        const held: unknown[] = await this.dataSource.query(INSTANCE_WORKER_HOLDS_SQL, [
          artifact.teamId,
          viewer.tokenId,
        ]);
        if (held.length === 0) throw notFound('artifact');
      }
    } else {
      const rows: { role: string }[] = await this.dataSource.query(
        'SELECT role FROM memberships WHERE team_id = $1 AND user_id = $2',
        [artifact.teamId, viewer.userId],
      );
      const role = rows[0]?.role as TeamRole | undefined;
      if (!role) throw notFound('artifact');
      if (mode === 'upload' && !atLeast(role, TeamRole.MEMBER))
        throw forbidden('uploading needs the member role');
    }
    if (mode === 'download' && artifact.status !== ArtifactStatus.STORED)
      throw notFound('artifact');
    return artifact;
  }

  /**
   * The stored files of a run or a model, oldest first. Pending (announced, not uploaded) files
   * are left out. The caller has already authorised the run or model itself.
   */
  listStored(owner: { runId: string } | { modelId: string }): Promise<Artifact[]> {
    return this.dataSource.getRepository(Artifact).find({
      where: { ...owner, status: ArtifactStatus.STORED },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  /** Marks a pending artifact stored; false when another upload got there first. */
  async markStored(artifact: Artifact): Promise<boolean> {
    const [rows] = (await this.dataSource.query(
      `UPDATE artifacts SET status = 'stored', storage_path = $2
        WHERE id = $1 AND status = 'pending' RETURNING id`,
      [artifact.id, artifactKey(artifact)],
    )) as [unknown[], number];
    return rows.length === 1;
  }
}
