import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { Pool, PoolClient } from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { MAX_METRIC_BATCH, MAX_METRIC_KEY_LENGTH } from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { leaseLost } from '../../common/lease-lost.js';
import { badInput, notFound } from '../../graphql/errors.js';
import { isUuid } from '../../common/pagination.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import type { MetricPointInput, MetricSeries } from './metrics.types.js';

export const MAX_POINTS_PER_BATCH = MAX_METRIC_BATCH;
export const MAX_KEY_LENGTH = MAX_METRIC_KEY_LENGTH;
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
    if (
      typeof key !== 'string' ||
      key.length === 0 ||
      key.length > MAX_KEY_LENGTH ||
      key.includes('\u0000')
    )
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

/** Steps per roll-up chunk is 1 << CHUNK_BITS. */
export const CHUNK_BITS = 4;

export interface ChunkColumns {
  keys: string[];
  chunks: number[];
  counts: number[];
  /** Lowest / highest point of the chunk in this batch: value, step, wall time. */
  lowValues: number[];
  lowSteps: number[];
  lowWalls: number[];
  highValues: number[];
  highSteps: number[];
  highWalls: number[];
}

/**
 * Per-chunk statistics of a batch (columns sorted by key, step). Ties follow PostgreSQL's array
 * ordering of [value, step, wall]: the lowest point is the earliest, the highest the latest.
 */
export function chunkStats(columns: PointColumns): ChunkColumns {
  const out: ChunkColumns = {
    keys: [],
    chunks: [],
    counts: [],
    lowValues: [],
    lowSteps: [],
    lowWalls: [],
    highValues: [],
    highSteps: [],
    highWalls: [],
  };
  let last = -1;
  for (let i = 0; i < columns.keys.length; i++) {
    const key = columns.keys[i];
    const step = columns.steps[i];
    const value = columns.values[i];
    const wall = columns.wallTimes[i];
    const chunk = step >> CHUNK_BITS;
    if (last < 0 || out.keys[last] !== key || out.chunks[last] !== chunk) {
      out.keys.push(key);
      out.chunks.push(chunk);
      out.counts.push(1);
      out.lowValues.push(value);
      out.lowSteps.push(step);
      out.lowWalls.push(wall);
      out.highValues.push(value);
      out.highSteps.push(step);
      out.highWalls.push(wall);
      last = out.keys.length - 1;
      continue;
    }
    out.counts[last]++;
    // Steps ascend within a chunk, so a tie keeps the earlier low and takes the later high.
    if (value < out.lowValues[last]) {
      out.lowValues[last] = value;
      out.lowSteps[last] = step;
      out.lowWalls[last] = wall;
    }
    if (value >= out.highValues[last]) {
      out.highValues[last] = value;
      out.highSteps[last] = step;
      out.highWalls[last] = wall;
    }
  }
  return out;
}

const escapeCopyText = (text: string) =>
  /[\\\t\n\r]/.test(text)
    ? text.replace(/[\\\t\n\r]/g, (c) =>
        c === '\\' ? '\\\\' : c === '\t' ? '\\t' : c === '\n' ? '\\n' : '\\r',
      )
    : text;

/** The batch in COPY's text format. */
export function copyText(runId: string, columns: PointColumns): string {
  const lines = new Array<string>(columns.keys.length);
  let lastKey = '';
  let escaped = '';
  for (let i = 0; i < columns.keys.length; i++) {
    if (columns.keys[i] !== lastKey) {
      lastKey = columns.keys[i];
      escaped = escapeCopyText(lastKey);
    }
    lines[i] =
      `${runId}\t${escaped}\t${columns.steps[i]}\t${columns.values[i]}\t${columns.wallTimes[i]}\n`;
  }
  return lines.join('');
}

/** Overwriting path: the same (run, key, step) again replaces value and wall time. */
export const UPSERT_POINTS_SQL = `
  INSERT INTO metric_points (run_id, key, step, value, wall_time)
  SELECT $1::uuid, k, s, v, w
    FROM unnest($2::text[], $3::int[], $4::float8[], $5::float8[]) AS t(k, s, v, w)
  ON CONFLICT (run_id, key, step)
  DO UPDATE SET value = EXCLUDED.value, wall_time = EXCLUDED.wall_time`;

/** Fast path: only new points were written, so chunk statistics merge exactly. */
const MERGE_CHUNKS_SQL = `
  INSERT INTO metric_chunks AS c (run_id, key, chunk, n, low, high)
  SELECT $1::uuid, k, ch, n, ARRAY[lv, ls, lw], ARRAY[hv, hs, hw]
    FROM unnest($2::text[], $3::int[], $4::int[], $5::float8[], $6::float8[], $7::float8[],
                $8::float8[], $9::float8[], $10::float8[]) AS t(k, ch, n, lv, ls, lw, hv, hs, hw)
  ON CONFLICT (run_id, key, chunk) DO UPDATE
     SET n = c.n + EXCLUDED.n, low = LEAST(c.low, EXCLUDED.low), high = GREATEST(c.high, EXCLUDED.high)`;

/** Overwriting path: recompute the touched chunks from the points themselves. */
const RECOMPUTE_CHUNKS_SQL = `
  INSERT INTO metric_chunks AS c (run_id, key, chunk, n, low, high)
  SELECT $1::uuid, p.key, p.step >> ${CHUNK_BITS}, count(*),
         min(ARRAY[p.value, p.step, p.wall_time]), max(ARRAY[p.value, p.step, p.wall_time])
    FROM unnest($2::text[], $3::int[]) AS t(k, ch)
    JOIN metric_points p
      ON p.run_id = $1::uuid AND p.key = t.k
     AND p.step >= t.ch << ${CHUNK_BITS} AND p.step < (t.ch + 1) << ${CHUNK_BITS}
   GROUP BY p.key, p.step >> ${CHUNK_BITS}
  ON CONFLICT (run_id, key, chunk) DO UPDATE SET n = EXCLUDED.n, low = EXCLUDED.low, high = EXCLUDED.high`;

/** A curve spanning more roll-up chunks than this many per bucket is bucketed in SQL instead. */
export const CHUNKS_PER_BUCKET_IN_NODE = 4;

/**
 * Reads each requested (run, key) curve with one statement and one row per curve, its numbers
 * packed as big-endian float8 bytes (exact, and far cheaper to decode than arrays or text).
 * A curve of at most maxPoints points comes back whole from metric_points as (step, value, wall)
 * triples. A longer one comes back as a roll-up in the same layout as metric_chunks.packed (see
 * the metric-chunks-packed migration): per 16-step chunk its lowest and highest point, (step,
 * value, wall) each, in chunk order, for downsampleChunks to bucket in Node; concatenating the
 * stored bytes is a single index scan per curve, about 3× cheaper than grouping arrays in SQL.
 * Only a curve spanning more than $4 chunks (CHUNKS_PER_BUCKET_IN_NODE per bucket) is grouped
 * into buckets here, so no curve sends more than that many chunks, however long it is. lo and
 * hi, the curve's first and last chunk, come from two index probes.
 */
export const SERIES_SQL = `
  WITH curves AS MATERIALIZED (
    SELECT r.ord, k.kord, r.run_id, k.key,
           (SELECT c.chunk FROM metric_chunks c WHERE c.run_id = r.run_id AND c.key = k.key
             ORDER BY c.chunk LIMIT 1) AS lo,
           (SELECT c.chunk FROM metric_chunks c WHERE c.run_id = r.run_id AND c.key = k.key
             ORDER BY c.chunk DESC LIMIT 1) AS hi
      FROM unnest($1::uuid[]) WITH ORDINALITY AS r(run_id, ord)
     CROSS JOIN unnest($2::text[]) WITH ORDINALITY AS k(key, kord)
  )
  SELECT g.ord::int AS ord, g.kord::int AS kord, g.lo, g.hi, s.n::int AS n,
         CASE WHEN s.n > $3::int THEN s.numbers ELSE (
           SELECT string_agg(float8send(p.step::float8) || float8send(p.value)
                             || float8send(p.wall_time), ''::bytea ORDER BY p.step)
             FROM metric_points p WHERE p.run_id = g.run_id AND p.key = g.key
         ) END AS numbers
    FROM curves g
   CROSS JOIN LATERAL (
     SELECT sum(c.n) AS n, string_agg(c.packed, ''::bytea ORDER BY c.chunk) AS numbers
       FROM metric_chunks c
      WHERE g.hi - g.lo < $4::int AND c.run_id = g.run_id AND c.key = g.key
     UNION ALL
     SELECT sum(b.n), string_agg(float8send(b.low[2]) || float8send(b.low[1])
                                 || float8send(b.low[3]) || float8send(b.high[2])
                                 || float8send(b.high[1]) || float8send(b.high[3]),
                                 ''::bytea ORDER BY b.bucket)
       FROM (
         SELECT ((c.chunk - g.lo)::bigint * ($3::int / 2)) / (g.hi - g.lo + 1) AS bucket,
                sum(c.n) AS n, min(c.low) AS low, max(c.high) AS high
           FROM metric_chunks c
          WHERE g.hi - g.lo >= $4::int AND c.run_id = g.run_id AND c.key = g.key
          GROUP BY 1
       ) AS b
   ) AS s
   WHERE g.lo IS NOT NULL AND s.n IS NOT NULL
   ORDER BY g.ord, g.kord`;

export interface PackedSeries {
  ord: number;
  kord: number;
  /** First and last roll-up chunk of the curve. */
  lo: number;
  hi: number;
  /** Points in the curve. */
  n: number;
  numbers: Buffer;
}

/** Bytes per chunk in SERIES_SQL's roll-up form: low and high (step, value, wall), float8 each. */
const CHUNK_BYTES = 48;

/**
 * Cuts a roll-up (chunks in order, CHUNK_BYTES each) into at most maxPoints/2 buckets of whole
 * chunks, spread evenly over the curve's chunks lo…hi (the same buckets as SERIES_SQL's, so
 * entries it already bucketed pass through unchanged), and keeps each bucket's lowest and highest
 * point in step order (one point when they are the same), so a curve never exceeds maxPoints and
 * every spike survives. Ties follow the roll-up's array order [value, step, wall]: the lowest is
 * the earliest, the highest the latest.
 */
export function downsampleChunks(
  numbers: Buffer,
  maxPoints: number,
  lo: number,
  hi: number,
): { steps: number[]; values: number[]; wallTimes: number[] } {
  const view = new DataView(numbers.buffer, numbers.byteOffset, numbers.byteLength);
  const count = numbers.byteLength / CHUNK_BYTES;
  const steps: number[] = [];
  const values: number[] = [];
  const wallTimes: number[] = [];
  if (count === 0) return { steps, values, wallTimes };
  const span = hi - lo + 1;
  const half = Math.floor(maxPoints / 2);
  let bucket = -1;
  let lowStep = 0;
  let lowValue = 0;
  let lowWall = 0;
  let highStep = 0;
  let highValue = 0;
  let highWall = 0;
  const flush = () => {
    if (lowStep === highStep) {
      steps.push(lowStep);
      values.push(lowValue);
      wallTimes.push(lowWall);
    } else if (lowStep < highStep) {
      steps.push(lowStep, highStep);
      values.push(lowValue, highValue);
      wallTimes.push(lowWall, highWall);
    } else {
      steps.push(highStep, lowStep);
      values.push(highValue, lowValue);
      wallTimes.push(highWall, lowWall);
    }
  };
  for (let i = 0; i < count; i++) {
    const at = i * CHUNK_BYTES;
    const ls = view.getFloat64(at);
    const b = Math.floor(((Math.floor(ls / (1 << CHUNK_BITS)) - lo) * half) / span);
    const lv = view.getFloat64(at + 8);
    const hv = view.getFloat64(at + 32);
    if (b !== bucket) {
      if (bucket >= 0) flush();
      bucket = b;
      lowStep = ls;
      lowValue = lv;
      lowWall = view.getFloat64(at + 16);
      highStep = view.getFloat64(at + 24);
      highValue = hv;
      highWall = view.getFloat64(at + 40);
      continue;
    }
    // Chunks ascend, so on equal values the earlier low and the later high win.
    if (lv < lowValue) {
      lowStep = ls;
      lowValue = lv;
      lowWall = view.getFloat64(at + 16);
    }
    if (hv >= highValue) {
      highStep = view.getFloat64(at + 24);
      highValue = hv;
      highWall = view.getFloat64(at + 40);
    }
  }
  flush();
  return { steps, values, wallTimes };
}

/** Unpacks (step, value, wall) triples: a curve short enough to come back whole. */
export function unpackPoints(numbers: Buffer): {
  steps: number[];
  values: number[];
  wallTimes: number[];
} {
  const view = new DataView(numbers.buffer, numbers.byteOffset, numbers.byteLength);
  const count = numbers.byteLength / 24;
  const steps = new Array<number>(count);
  const values = new Array<number>(count);
  const wallTimes = new Array<number>(count);
  for (let i = 0; i < count; i++) {
    steps[i] = view.getFloat64(i * 24);
    values[i] = view.getFloat64(i * 24 + 8);
    wallTimes[i] = view.getFloat64(i * 24 + 16);
  }
  return { steps, values, wallTimes };
}

/** A worker token's write: only while `leaseToken` is the run's live lease (null: none given). */
export interface LeaseCheck {
  leaseToken: string | null;
}

/** A 60-bit advisory-lock key for a run. */
export function runLockKey(runId: string): string {
  return BigInt(`0x${runId.replace(/-/g, '').slice(0, 15)}`).toString();
}

export class MetricsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {}

  /** node-postgres pool under TypeORM: COPY and named (prepared) statements for the hot paths. */
  private get pool(): Pool {
    return (this.dataSource.driver as unknown as { master: Pool }).master;
  }

  /**
   * Writes a batch idempotently. Fast path: COPY the points (one statement) and merge the
   * chunk roll-up; a unique violation means some (key, step) already exists, so the batch is
   * written again with INSERT … ON CONFLICT DO UPDATE (one statement) and its chunks are
   * recomputed. Writers of one run share an advisory lock; the overwriting path takes it
   * exclusively so its recompute never races a concurrent merge.
   */
  async log(
    actor: Actor,
    runId: string,
    points: MetricPointInput[],
    lease?: LeaseCheck,
  ): Promise<{ runId: string; written: number }> {
    await this.access.requireOwned(actor, 'runs', runId, TeamRole.MEMBER, 'run');
    if (lease && lease.leaseToken === null) throw leaseLost();
    const columns = preparePoints(points, Date.now() / 1000);
    if (columns.keys.length === 0) return { runId, written: 0 };
    for (let attempt = 1; ; attempt++) {
      try {
        if (!(await this.write(runId, columns, lease))) throw leaseLost();
        return { runId, written: columns.keys.length };
      } catch (error) {
        const code = (error as { code?: string }).code;
        if (code === '23503') throw notFound('run'); // deleted meanwhile
        // Deadlocks should not happen (fixed row order), but if PostgreSQL picks us, try again.
        if (code !== '40P01' || attempt >= 3) throw error;
      }
    }
  }

  /**
   * Whether the lease is the run's live one, inside the write's transaction. FOR SHARE holds the
   * run row until the batch commits: a requeue or a new claim (which update the row) waits, so no
   * point of an expired lease lands after the run changed hands.
   */
  private async holds(client: PoolClient, runId: string, lease: LeaseCheck): Promise<boolean> {
    const result = await client.query({
      name: 'finetrack-metric-lease',
      text: `SELECT 1 FROM runs WHERE id = $1 AND lease_token = $2 AND status = 'running' FOR SHARE`,
      values: [runId, lease.leaseToken],
    });
    return result.rowCount === 1;
  }

  /** Writes the batch; false (nothing written) when `lease` is given and is not the run's. */
  private async write(runId: string, columns: PointColumns, lease?: LeaseCheck): Promise<boolean> {
    const lock = runLockKey(runId);
    const client = await this.pool.connect();
    let broken: Error | undefined;
    try {
      try {
        await client.query(`BEGIN; SELECT pg_advisory_xact_lock_shared(${lock})`);
        if (lease && !(await this.holds(client, runId, lease))) {
          await client.query('ROLLBACK');
          return false;
        }
        await pipeline(
          Readable.from([copyText(runId, columns)]),
          client.query(
            copyFrom('COPY metric_points (run_id, key, step, value, wall_time) FROM STDIN'),
          ),
        );
        const chunks = chunkStats(columns);
        await client.query({
          name: 'finetrack-merge-metric-chunks',
          text: MERGE_CHUNKS_SQL,
          values: [
            runId,
            chunks.keys,
            chunks.chunks,
            chunks.counts,
            chunks.lowValues,
            chunks.lowSteps,
            chunks.lowWalls,
            chunks.highValues,
            chunks.highSteps,
            chunks.highWalls,
          ],
        });
        await client.query('COMMIT');
        return true;
      } catch (error) {
        await client.query('ROLLBACK');
        if ((error as { code?: string }).code !== '23505') throw error;
      }
      await client.query(`BEGIN; SELECT pg_advisory_xact_lock(${lock})`);
      try {
        if (lease && !(await this.holds(client, runId, lease))) {
          await client.query('ROLLBACK');
          return false;
        }
        await client.query({
          name: 'finetrack-upsert-metric-points',
          text: UPSERT_POINTS_SQL,
          values: [runId, columns.keys, columns.steps, columns.values, columns.wallTimes],
        });
        const chunks = chunkStats(columns);
        await client.query({
          name: 'finetrack-recompute-metric-chunks',
          text: RECOMPUTE_CHUNKS_SQL,
          values: [runId, chunks.keys, chunks.chunks],
        });
        await client.query('COMMIT');
        return true;
      } catch (error) {
        await client.query('ROLLBACK');
        throw error;
      }
    } catch (error) {
      // A connection that failed mid-protocol must not go back to the pool.
      if (!(error as { code?: string }).code) broken = error as Error;
      throw error;
    } finally {
      client.release(broken);
    }
  }

  async series(
    actor: Actor,
    runIds: string[],
    keys: string[],
    maxPoints: number,
  ): Promise<MetricSeries[]> {
    this.access.viewer(actor);
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
    for (const row of teams) await this.access.require(actor, row.team_id, TeamRole.VIEWER, 'run');
    const uniqueKeys = [...new Set(keys)];
    const result = await this.pool.query<PackedSeries>({
      name: 'finetrack-metric-series',
      text: SERIES_SQL,
      values: [
        uniqueRuns,
        uniqueKeys,
        maxPoints,
        CHUNKS_PER_BUCKET_IN_NODE * Math.floor(maxPoints / 2),
      ],
    });
    return result.rows.map((row) => ({
      runId: uniqueRuns[row.ord - 1],
      key: uniqueKeys[row.kord - 1],
      ...(row.n > maxPoints
        ? downsampleChunks(row.numbers, maxPoints, row.lo, row.hi)
        : unpackPoints(row.numbers ?? Buffer.alloc(0))),
    }));
  }
}
