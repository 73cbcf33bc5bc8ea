import type { Pool } from 'pg';

/** A curve spanning more roll-up chunks than this many per bucket is bucketed in SQL instead. */
export const CHUNKS_PER_BUCKET_IN_NODE = 4;

/**
 * Reads each requested (run, key) curve with one statement and one row per curve, its numbers
 * packed as big-endian float8 bytes (exact, and far cheaper to decode than arrays or text).
 * A curve of at most maxPoints points comes back whole from metric_points as (step, value, wall)
 * triples. A longer one comes back as a roll-up in the same layout as metric_chunks.packed (see
 * the metric-chunks-packed migration): per 16-step chunk its lowest and highest point, (step,
 * value, wall) each, in chunk order, for downsampleChunks to bucket in Node; concatenating the
 * stored bytes is an index-only scan per curve (the primary key includes n and packed), about 3×
 * cheaper than grouping arrays in SQL. Only a curve spanning more than $4 chunks
 * (CHUNKS_PER_BUCKET_IN_NODE per bucket) is grouped into buckets here, so no curve sends more
 * than that many chunks, however long it is. lo and hi, the curve's first and last chunk, come
 * from two index probes.
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

/**
 * Runs SERIES_SQL with JIT off, in a read-only transaction of its own (SET LOCAL ends with it,
 * so the pooled session keeps the server's settings). The planner prices each requested curve
 * at about 10,000 (as if it were read whole from metric_points), so from 10 curves on the
 * estimate passes jit_above_cost and from about 50 the inlining and optimisation thresholds: a
 * server built with LLVM (Debian's, the postgres image's; not the embedded one) then compiled
 * the statement on every execution, 0.4–1 s for 500 curves that it reads in 40 ms. Nothing here
 * gains from JIT: the work is index scans and string_agg over bytea.
 */
export async function readPackedSeries(
  pool: Pool,
  runIds: string[],
  keys: string[],
  maxPoints: number,
): Promise<PackedSeries[]> {
  const client = await pool.connect();
  let failed: Error | undefined;
  try {
    await client.query('BEGIN READ ONLY; SET LOCAL jit = off');
    const result = await client.query<PackedSeries>({
      name: 'finetrack-metric-series',
      text: SERIES_SQL,
      values: [runIds, keys, maxPoints, CHUNKS_PER_BUCKET_IN_NODE * Math.floor(maxPoints / 2)],
    });
    await client.query('COMMIT');
    return result.rows;
  } catch (error) {
    // The session may be mid-transaction or cut: a fresh connection is cheaper than finding out.
    failed = error as Error;
    throw error;
  } finally {
    client.release(failed);
  }
}
