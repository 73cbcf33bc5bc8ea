import type { PointColumns } from './metrics.validation.js';

// The roll-up kept beside metric_points (see the metric-chunks migrations): per curve and per
// chunk of 1 << CHUNK_BITS steps, the point count and the lowest and highest point.

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
