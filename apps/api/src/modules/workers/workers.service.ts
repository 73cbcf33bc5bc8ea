import { MAX_WORKERS_LISTED, WORKER_LISTED_HOURS } from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { EntityRows } from '../../common/entity-rows.js';
import { isUuid } from '../../common/pagination.js';
import type { Config } from '../../config.js';
import { forbidden, notFound } from '../../graphql/errors.js';
import { Run } from '../runs/run.entity.js';
import type { WorkerCapabilitiesInput } from '../runs/worker-claim.types.js';
import type { AccessService } from '../teams/access.service.js';
import { atLeast, TeamRole, WORKER_TOKEN_MINIMUM_ROLE } from '../teams/team-role.js';
import { ApiToken } from '../tokens/api-token.entity.js';
import { isInstanceAdmin } from '../tokens/instance-admin.js';
import type { TokensService } from '../tokens/tokens.service.js';
import { servingWorkersSql } from './worker-presence.js';
import type { Worker } from './worker.type.js';

interface WorkerRow {
  id: string;
  token_id: string;
  worker_id: string;
  name: string;
  hostname: string;
  backends: string[];
  device: string;
  kinds: string[];
  concurrency: number | null;
  version: string | null;
  protocol_version: number;
  first_seen_at: Date;
  last_heartbeat_at: Date;
  instance: boolean;
  online: boolean;
  run_id: string | null;
  run_team_id: string | null;
}

/**
 * Records that a worker claimed: one upsert per claimRun, keyed by its token and worker id. Its
 * heartbeats stamp the same row (RunLeasesService.heartbeat).
 */
export async function recordWorker(
  dataSource: DataSource,
  tokenId: string,
  workerId: string,
  capabilities: WorkerCapabilitiesInput,
): Promise<void> {
  await dataSource.query(
    `INSERT INTO workers (token_id, worker_id, name, hostname, backends, device, kinds,
                          concurrency, version, protocol_version)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
     ON CONFLICT (token_id, worker_id) DO UPDATE SET
       name = EXCLUDED.name, hostname = EXCLUDED.hostname, backends = EXCLUDED.backends,
       device = EXCLUDED.device, kinds = EXCLUDED.kinds, concurrency = EXCLUDED.concurrency,
       version = EXCLUDED.version, protocol_version = EXCLUDED.protocol_version,
       last_heartbeat_at = now()`,
    [
      tokenId,
      workerId,
      capabilities.name?.trim() || capabilities.hostname,
      capabilities.hostname,
      capabilities.backends,
      capabilities.device,
      capabilities.kinds,
      capabilities.concurrency ?? null,
      capabilities.version ?? null,
      capabilities.protocolVersion,
    ],
  );
}

/** The workers that serve a team, and revoking one. */
export class WorkersService {
  private readonly runRows: EntityRows<Run>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly tokens: TokensService,
    private readonly config: Config,
  ) {
    this.runRows = new EntityRows(dataSource, Run);
  }

  /** The team's workers and the instance's seen lately, online first, then the latest seen. */
  async list(actor: Actor, teamId: string): Promise<Worker[]> {
    await this.access.require(actor, teamId, TeamRole.VIEWER);
    const rows: WorkerRow[] = await this.dataSource.query(
      `SELECT * FROM (${servingWorkersSql('$1')}) s
        WHERE s.last_heartbeat_at > now() - make_interval(hours => $2)
        ORDER BY s.online DESC, s.last_heartbeat_at DESC, s.id
        LIMIT $3`,
      [teamId, WORKER_LISTED_HOURS, MAX_WORKERS_LISTED],
    );
    // Only this team's runs are shown; an instance worker busy elsewhere is just busy.
    const runIds = rows.filter((row) => row.run_team_id === teamId).map((row) => row.run_id);
    const runs = new Map<string, Run>();
    if (runIds.length > 0) {
      const found: Record<string, unknown>[] = await this.dataSource.query(
        `SELECT ${this.runRows.columns()} FROM runs WHERE id = ANY($1::uuid[])`,
        [runIds],
      );
      for (const row of found) {
        const run = this.runRows.from(row);
        runs.set(run.id, run);
      }
    }
    return rows.map((row) => ({
      id: row.id,
      workerId: row.worker_id,
      name: row.name,
      hostname: row.hostname,
      backends: row.backends,
      device: row.device,
      kinds: row.kinds,
      concurrency: row.concurrency,
      version: row.version,
      protocolVersion: row.protocol_version,
      instance: row.instance,
      online: row.online,
      busy: row.run_id !== null,
      currentRun: (row.run_team_id === teamId && runs.get(row.run_id!)) || null,
      firstSeenAt: row.first_seen_at,
      lastHeartbeatAt: row.last_heartbeat_at,
    }));
  }

  /**
   * Revokes the worker's token, so it (and every worker process sharing that token) can claim
   * and heartbeat no more: a team worker's by the team's admins, an instance worker's by
   * instance administrators only.
   */
  async revoke(actor: Actor, teamId: string, id: string): Promise<boolean> {
    const viewer = this.access.viewer(actor);
    const role = await this.access.require(actor, teamId, TeamRole.VIEWER);
    if (!isUuid(id)) throw notFound('worker');
    const [row]: { token_id: string; instance: boolean }[] = await this.dataSource.query(
      `SELECT s.token_id, s.instance FROM (${servingWorkersSql('$1')}) s WHERE s.id = $2`,
      [teamId, id],
    );
    if (!row) throw notFound('worker');
    if (row.instance) {
      if (!(await isInstanceAdmin(this.dataSource, this.config, viewer.userId)))
        throw forbidden(
          'only instance administrators (FINETRACK_ADMIN_EMAILS) revoke instance workers',
        );
    } else if (!atLeast(role, WORKER_TOKEN_MINIMUM_ROLE))
      throw forbidden(`revoking a worker needs the ${WORKER_TOKEN_MINIMUM_ROLE} role in the team`);
    const token = await this.dataSource
      .getRepository(ApiToken)
      .findOneByOrFail({ id: row.token_id });
    await this.tokens.revokeToken(token);
    return true;
  }
}
