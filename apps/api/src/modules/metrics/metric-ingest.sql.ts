import { CHUNK_BITS } from './metric-rollup.js';
import type { PointColumns } from './metrics.validation.js';

// The statements MetricIngestService writes a batch with, and the COPY text it sends.

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

export const COPY_POINTS_SQL =
  'COPY metric_points (run_id, key, step, value, wall_time) FROM STDIN';

/** Overwriting path: the same (run, key, step) again replaces value and wall time. */
export const UPSERT_POINTS_SQL = `
  INSERT INTO metric_points (run_id, key, step, value, wall_time)
  SELECT $1::uuid, k, s, v, w
    FROM unnest($2::text[], $3::int[], $4::float8[], $5::float8[]) AS t(k, s, v, w)
  ON CONFLICT (run_id, key, step)
  DO UPDATE SET value = EXCLUDED.value, wall_time = EXCLUDED.wall_time`;

/** Fast path: only new points were written, so chunk statistics merge exactly. */
export const MERGE_CHUNKS_SQL = `
  INSERT INTO metric_chunks AS c (run_id, key, chunk, n, low, high)
  SELECT $1::uuid, k, ch, n, ARRAY[lv, ls, lw], ARRAY[hv, hs, hw]
    FROM unnest($2::text[], $3::int[], $4::int[], $5::float8[], $6::float8[], $7::float8[],
                $8::float8[], $9::float8[], $10::float8[]) AS t(k, ch, n, lv, ls, lw, hv, hs, hw)
  ON CONFLICT (run_id, key, chunk) DO UPDATE
     SET n = c.n + EXCLUDED.n, low = LEAST(c.low, EXCLUDED.low), high = GREATEST(c.high, EXCLUDED.high)`;

/** Overwriting path: recompute the touched chunks from the points themselves. */
export const RECOMPUTE_CHUNKS_SQL = `
  INSERT INTO metric_chunks AS c (run_id, key, chunk, n, low, high)
  SELECT $1::uuid, p.key, p.step >> ${CHUNK_BITS}, count(*),
         min(ARRAY[p.value, p.step, p.wall_time]), max(ARRAY[p.value, p.step, p.wall_time])
    FROM unnest($2::text[], $3::int[]) AS t(k, ch)
    JOIN metric_points p
      ON p.run_id = $1::uuid AND p.key = t.k
     AND p.step >= t.ch << ${CHUNK_BITS} AND p.step < (t.ch + 1) << ${CHUNK_BITS}
   GROUP BY p.key, p.step >> ${CHUNK_BITS}
  ON CONFLICT (run_id, key, chunk) DO UPDATE SET n = EXCLUDED.n, low = EXCLUDED.low, high = EXCLUDED.high`;

/** A 60-bit advisory-lock key for a run. */
export function runLockKey(runId: string): string {
  return BigInt(`0x${runId.replace(/-/g, '').slice(0, 15)}`).toString();
}
