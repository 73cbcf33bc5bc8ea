import type { Pool } from 'pg';
import type { DataSource } from 'typeorm';
import type { GraphQLContext } from '../../graphql/context.js';
import { badInput, notFound } from '../../graphql/errors.js';
import { isUuid } from '../../common/pagination.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import type { MetricPointInput, MetricSeries } from './metrics.types.js';

export const MAX_POINTS_PER_BATCH = 10_000;
export const MAX_KEY_LENGTH = 200;
export const DEFAULT_MAX_POINTS = 500;
export const MAX_CURVE_POINTS = 10_000;
export const MAX_SERIES_RUNS = 500;
export const MAX_SERIES_KEYS = 50;
const MAX_STEP = 2_147_483_647;

export interface PointColumns {
  keys: string[];
  steps: number[];
  values: number[];
  wallTimes: number[];
}

/**
 * Checks a batch and turns it into columns sorted by (key, step), keeping the last of repeated
 * (key, step) pairs: one INSERT … ON CONFLICT may not touch a row twice, and a fixed order keeps
 * concurrent writers from deadlocking. NaN and ±Infinity are rejected, naming the index.
 */
export function preparePoints(points: MetricPointInput[], now: number): PointColumns {
  if (points.length > MAX_POINTS_PER_BATCH)
    throw badInput(`a batch holds at most ${MAX_POINTS_PER_BATCH} points, got ${points.length}`, {
      field: 'points',
    });
  const latest = new Map<string, number>();
  for (let i = 0; i < points.length; i++) {
    const point = points[i];
    const { key, step, value } = point;
    if (typeof key !== 'string' || key.length === 0 || key.length > MAX_KEY_LENGTH)
      throw badInput(`points[${i}].key must be 1–${MAX_KEY_LENGTH} characters`, {
        field: `points[${i}].key`,
      });
    if (!Number.isInteger(step) || step < 0 || step > MAX_STEP)
      throw badInput(`points[${i}].step must be an integer ≥ 0`, { field: `points[${i}].step` });
    if (typeof value !== 'number' || !Number.isFinite(value))
      throw badInput(`points[${i}].value must be a finite number (NaN and Infinity are rejected)`, {
        field: `points[${i}].value`,
      });
    const wallTime = point.wallTime;
    if (wallTime !== undefined && wallTime !== null && !Number.isFinite(wallTime))
      throw badInput(`points[${i}].wallTime must be finite Unix seconds`, {
        field: `points[${i}].wallTime`,
      });
    latest.set(`${step}\u0000${key}`, i);
  }
  const order = [...latest.values()].sort((a, b) => {
    const x = points[a];
    const y = points[b];
    return x.key < y.key ? -1 : x.key > y.key ? 1 : x.step - y.step;
  });
  const columns: PointColumns = {
    keys: new Array(order.length),
    steps: new Array(order.length),
    values: new Array(order.length),
    wallTimes: new Array(order.length),
  };
  for (let j = 0; j < order.length; j++) {
    const point = points[order[j]];
    columns.keys[j] = point.key;
    columns.steps[j] = point.step;
    columns.values[j] = point.value;
    columns.wallTimes[j] = point.wallTime ?? now;
  }
  return columns;
}

/** Writes a whole batch with one statement; the same (run, key, step) again overwrites. */
export const UPSERT_POINTS_SQL = `
  INSERT INTO metric_points (run_id, key, step, value, wall_time)
  SELECT $1::uuid, k, s, v, w
    FROM unnest($2::text[], $3::int[], $4::float8[], $5::float8[]) AS t(k, s, v, w)
  ON CONFLICT (run_id, key, step)
  DO UPDATE SET value = EXCLUDED.value, wall_time = EXCLUDED.wall_time`;

/**
 * Down-samples each (run, key) curve to at most `maxPoints` inside PostgreSQL: the step range
 * is cut into maxPoints/2 buckets and each bucket keeps its minimum and maximum points, so
 * spikes survive. Curves come back column-wise, one row per curve.
 */
export const SERIES_SQL = `
  WITH ranges AS (
    SELECT r.run_id, k.key, s.lo, s.hi
      FROM unnest($1::uuid[]) AS r(run_id)
     CROSS JOIN unnest($2::text[]) AS k(key)
     CROSS JOIN LATERAL (
       SELECT min(p.step) AS lo, max(p.step) AS hi
         FROM metric_points p WHERE p.run_id = r.run_id AND p.key = k.key
     ) AS s
     WHERE s.lo IS NOT NULL
  ),
  buckets AS (
    SELECT p.run_id, p.key,
           min(ARRAY[p.value, p.step, p.wall_time]) AS low,
           max(ARRAY[p.value, p.step, p.wall_time]) AS high
      FROM ranges g
      JOIN metric_points p ON p.run_id = g.run_id AND p.key = g.key
     GROUP BY p.run_id, p.key, ((p.step - g.lo)::bigint * $3::int) / (g.hi - g.lo + 1)
  ),
  points AS (
    SELECT run_id, key, low[2]::int AS step, low[1] AS value, low[3] AS wall_time FROM buckets
    UNION
    SELECT run_id, key, high[2]::int, high[1], high[3] FROM buckets
  )
  SELECT run_id AS "runId", key,
         array_agg(step ORDER BY step) AS steps,
         array_agg(value ORDER BY step) AS values,
         array_agg(wall_time ORDER BY step) AS "wallTimes"
    FROM points
   GROUP BY run_id, key
   ORDER BY array_position($1::uuid[], run_id), array_position($2::text[], key)`;

export class MetricsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {}

  /** node-postgres pool under TypeORM: named (prepared) statements for the hot paths. */
  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  async log(
    context: GraphQLContext,
    runId: string,
    points: MetricPointInput[],
  ): Promise<{ runId: string; written: number }> {
    await this.access.requireOwned(context, 'runs', runId, TeamRole.MEMBER, 'run');
    const columns = preparePoints(points, Date.now() / 1000);
    if (columns.keys.length === 0) return { runId, written: 0 };
    await this.pool.query({
      name: 'finetrack-upsert-metric-points',
      text: UPSERT_POINTS_SQL,
      values: [runId, columns.keys, columns.steps, columns.values, columns.wallTimes],
    });
    return { runId, written: columns.keys.length };
  }

  async series(
    context: GraphQLContext,
    runIds: string[],
    keys: string[],
    maxPoints: number,
  ): Promise<MetricSeries[]> {
    this.access.viewer(context);
    if (runIds.length > MAX_SERIES_RUNS)
      throw badInput(`at most ${MAX_SERIES_RUNS} runs per call`, { field: 'runIds' });
    if (keys.length > MAX_SERIES_KEYS)
      throw badInput(`at most ${MAX_SERIES_KEYS} keys per call`, { field: 'keys' });
    if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints > MAX_CURVE_POINTS)
      throw badInput(`maxPoints must be from 2 to ${MAX_CURVE_POINTS}`, { field: 'maxPoints' });
    const uniqueRuns = [...new Set(runIds)];
    if (uniqueRuns.length === 0 || keys.length === 0) return [];
    if (!uniqueRuns.every(isUuid)) throw notFound('run');
    const teams: { team_id: string; n: number }[] = await this.dataSource.query(
      'SELECT team_id, count(*)::int AS n FROM runs WHERE id = ANY($1::uuid[]) GROUP BY team_id',
      [uniqueRuns],
    );
    if (teams.reduce((sum, row) => sum + row.n, 0) !== uniqueRuns.length) throw notFound('run');
    for (const row of teams)
      await this.access.require(context, row.team_id, TeamRole.VIEWER, 'run');
    const result = await this.pool.query<MetricSeries>({
      name: 'finetrack-metric-series',
      text: SERIES_SQL,
      values: [uniqueRuns, [...new Set(keys)], Math.floor(maxPoints / 2)],
    });
    return result.rows;
  }
}
