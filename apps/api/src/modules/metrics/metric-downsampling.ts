import { CHUNK_BITS } from './metric-rollup.js';

// Decoding what SERIES_SQL sends back: a roll-up to bucket, or a short curve whole.

export interface Curve {
  steps: number[];
  values: number[];
  wallTimes: number[];
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
): Curve {
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
export function unpackPoints(numbers: Buffer): Curve {
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
