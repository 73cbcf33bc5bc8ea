import { MAX_METRIC_BATCH, MAX_METRIC_KEY_LENGTH } from '@finetrack/shared';
import { badInput } from '../../graphql/errors.js';
import type { MetricPointInput } from './metrics.types.js';

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

/** Bounds of one curves read: how many runs and keys, and the points per curve. */
export function checkCurvesRequest(runIds: string[], keys: string[], maxPoints: number): void {
  if (runIds.length > MAX_SERIES_RUNS)
    throw badInput(`at most ${MAX_SERIES_RUNS} runs per call`, { field: 'runIds' });
  if (keys.length > MAX_SERIES_KEYS)
    throw badInput(`at most ${MAX_SERIES_KEYS} keys per call`, { field: 'keys' });
  if (!Number.isInteger(maxPoints) || maxPoints < 2 || maxPoints > MAX_CURVE_POINTS)
    throw badInput(`maxPoints must be from 2 to ${MAX_CURVE_POINTS}`, { field: 'maxPoints' });
}
