import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { isUuid } from '../../common/pagination.js';
import { poolOf } from '../../db/data-source.js';
import { notFound } from '../../graphql/errors.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import { downsampleChunks, unpackPoints } from './metric-downsampling.js';
import { readPackedSeries } from './metric-curves.sql.js';
import type { MetricSeries } from './metrics.types.js';
import { checkCurvesRequest } from './metrics.validation.js';

/** Reads curves, down-sampled from the roll-up when longer than asked for. */
export class MetricCurvesService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {}

  /** Each (run, key) curve that has points, runs in the order asked, then keys. */
  async series(
    actor: Actor,
    runIds: string[],
    keys: string[],
    maxPoints: number,
  ): Promise<MetricSeries[]> {
    this.access.viewer(actor);
    checkCurvesRequest(runIds, keys, maxPoints);
    const uniqueRuns = [...new Set(runIds)];
    if (uniqueRuns.length === 0 || keys.length === 0) return [];
    if (!uniqueRuns.every(isUuid)) throw notFound('run');
    const teams: { team_id: string; n: number }[] = await this.dataSource.query(
      'SELECT team_id, count(*)::int AS n FROM runs WHERE id = ANY($1::uuid[]) GROUP BY team_id',
      [uniqueRuns],
    );
    if (teams.reduce((sum, row) => sum + row.n, 0) !== uniqueRuns.length) throw notFound('run');
    for (const row of teams) await this.access.require(actor, row.team_id, TeamRole.VIEWER, 'run');
    const uniqueKeys = [...new Set(keys)];
    const rows = await readPackedSeries(poolOf(this.dataSource), uniqueRuns, uniqueKeys, maxPoints);
    return rows.map((row) => ({
      runId: uniqueRuns[row.ord - 1],
      key: uniqueKeys[row.kord - 1],
      ...(row.n > maxPoints
        ? downsampleChunks(row.numbers, maxPoints, row.lo, row.hi)
        : unpackPoints(row.numbers ?? Buffer.alloc(0))),
    }));
  }
}
