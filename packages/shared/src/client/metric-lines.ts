import { MAX_METRIC_BATCH, MAX_METRIC_KEY_LENGTH, MAX_METRIC_STEP } from '../metric-limits.js';

export { MAX_METRIC_KEY_LENGTH, MAX_METRIC_STEP };
/** The most points one `logMetrics` call accepts (the client's name for MAX_METRIC_BATCH). */
export const MAX_POINTS_PER_CALL = MAX_METRIC_BATCH;

/** One point as `logMetrics` takes it. `wallTime` is Unix seconds. */
export interface MetricPoint {
  key: string;
  step: number;
  value: number;
  wallTime?: number;
}

/** One rejected line or argument (1-based; 0 when the problem is not tied to one). */
export interface MetricInputProblem {
  line: number;
  message: string;
}

/** Shown at most; the rest are counted. */
const MAX_REPORTED_PROBLEMS = 20;

/** Input that cannot be logged; `problems` names every bad line, so nothing is sent. */
export class MetricInputError extends Error {
  override readonly name = 'MetricInputError';

  constructor(
    readonly problems: MetricInputProblem[],
    source = 'line',
  ) {
    const shown = problems
      .slice(0, MAX_REPORTED_PROBLEMS)
      .map((problem) =>
        problem.line > 0 ? `${source} ${problem.line}: ${problem.message}` : problem.message,
      );
    if (problems.length > MAX_REPORTED_PROBLEMS)
      shown.push(`… and ${problems.length - MAX_REPORTED_PROBLEMS} more`);
    super(shown.join('\n'));
  }
}

const describe = (value: unknown): string =>
  value === null ? 'null' : typeof value === 'string' ? JSON.stringify(value) : typeof value;

function checkKey(key: string): string | undefined {
  if (key.length === 0) return 'a metric name must not be empty';
  if (key.length > MAX_METRIC_KEY_LENGTH)
    return `metric name "${key.slice(0, 40)}…" is longer than ${MAX_METRIC_KEY_LENGTH} characters`;
  return undefined;
}

function checkStep(step: unknown): string | undefined {
  if (step === undefined) return '"step" is missing';
  if (typeof step !== 'number' || !Number.isInteger(step) || step < 0 || step > MAX_METRIC_STEP)
    return `"step" must be an integer from 0 to ${MAX_METRIC_STEP} (got ${
      typeof step === 'number' ? step : describe(step)
    })`;
  return undefined;
}

function checkValue(name: string, value: unknown): string | undefined {
  if (typeof value !== 'number') return `${name} must be a number (got ${describe(value)})`;
  if (!Number.isFinite(value)) return `${name} must be finite (got ${value})`;
  return undefined;
}

/**
 * Parses one JSONL line into its points, or a reason it is rejected. Two shapes:
 * - one point: `{"step": 3, "key": "loss", "value": 0.42, "wallTime": 1767225600}`;
 * - several metrics of one step: `{"step": 3, "loss": 0.42, "val_accuracy": 0.91}`.
 * A line with a `"key"` field is the first shape. `wallTime` (Unix seconds) is optional in both.
 */
function parseLine(text: string): MetricPoint[] | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return /\b(NaN|-?Infinity)\b/.test(text)
      ? 'not valid JSON (NaN and Infinity are not JSON numbers: leave such points out)'
      : 'not valid JSON';
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    return `expected a JSON object (got ${Array.isArray(parsed) ? 'an array' : describe(parsed)})`;
  const record = parsed as Record<string, unknown>;
  const stepProblem = checkStep(record.step);
  if (stepProblem) return stepProblem;
  const step = record.step as number;
  let wallTime: number | undefined;
  if (record.wallTime !== undefined) {
    const problem = checkValue('"wallTime"', record.wallTime);
    if (problem) return problem;
    if ((record.wallTime as number) < 0) return '"wallTime" must be ≥ 0 (Unix seconds)';
    wallTime = record.wallTime as number;
  }
  const withTime = (point: MetricPoint): MetricPoint =>
    wallTime === undefined ? point : { ...point, wallTime };

  if ('key' in record) {
    const extra = Object.keys(record).filter(
      (name) => !['step', 'key', 'value', 'wallTime'].includes(name),
    );
    if (extra.length > 0)
      return `a line with "key" holds one point: step, key, value and wallTime only (unexpected ${extra
        .map((name) => JSON.stringify(name))
        .join(', ')})`;
    if (typeof record.key !== 'string')
      return `"key" must be a string (got ${describe(record.key)})`;
    const keyProblem = checkKey(record.key);
    if (keyProblem) return keyProblem;
    if (!('value' in record)) return '"value" is missing';
    const valueProblem = checkValue(`"value"`, record.value);
    if (valueProblem) return valueProblem;
    return [withTime({ key: record.key, step, value: record.value as number })];
  }

  const points: MetricPoint[] = [];
  for (const [key, value] of Object.entries(record)) {
    if (key === 'step' || key === 'wallTime') continue;
    const problem = checkKey(key) ?? checkValue(`the value of ${JSON.stringify(key)}`, value);
    if (problem) return problem;
    points.push(withTime({ key, step, value: value as number }));
  }
  if (points.length === 0) return 'no metric on this line (expected e.g. {"step": 1, "loss": 0.5})';
  return points;
}

/**
 * Parses a whole JSONL text (see the two line shapes above; blank lines are skipped) into points
 * in file order. Every line is checked first: one bad line rejects the whole text with a
 * MetricInputError naming each bad line, so a caller sends all of it or nothing.
 */
export function parseMetricLines(text: string): MetricPoint[] {
  const points: MetricPoint[] = [];
  const problems: MetricInputProblem[] = [];
  const lines = text.split('\n');
  lines.forEach((raw, index) => {
    const line = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (line.trim() === '') return;
    const result = parseLine(line);
    if (typeof result === 'string') problems.push({ line: index + 1, message: result });
    else if (problems.length === 0) points.push(...result);
  });
  if (problems.length > 0) throw new MetricInputError(problems);
  return points;
}

/** A decimal number as people type it: `0.5`, `-3`, `1e-4`, `.25`. Not hex, not NaN, not Infinity. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/**
 * Parses a finite decimal number, or returns undefined. Stricter than `Number()`, which reads
 * `''` as 0 and accepts `0x10` and `Infinity`.
 */
export function parseMetricValue(text: string): number | undefined {
  if (!DECIMAL.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

/**
 * `key=value` arguments of one step into points. The key is everything before the last `=`.
 * Throws MetricInputError (numbered by argument, from 1) when any argument is bad.
 */
export function parseKeyValues(pairs: readonly string[], step: number): MetricPoint[] {
  const problems: MetricInputProblem[] = [];
  const stepProblem = checkStep(step);
  if (stepProblem) throw new MetricInputError([{ line: 0, message: stepProblem }]);
  const seen = new Set<string>();
  const points: MetricPoint[] = [];
  pairs.forEach((pair, index) => {
    const at = pair.lastIndexOf('=');
    if (at < 0) {
      problems.push({
        line: index + 1,
        message: `expected key=value (got ${JSON.stringify(pair)})`,
      });
      return;
    }
    const key = pair.slice(0, at);
    const text = pair.slice(at + 1);
    const keyProblem = checkKey(key);
    const value = parseMetricValue(text);
    if (keyProblem) problems.push({ line: index + 1, message: keyProblem });
    else if (value === undefined)
      problems.push({
        line: index + 1,
        message: `the value of "${key}" must be a finite number (got ${JSON.stringify(text)})`,
      });
    else if (seen.has(key))
      problems.push({ line: index + 1, message: `"${key}" is given twice for one step` });
    else {
      seen.add(key);
      points.push({ key, step, value });
    }
  });
  if (problems.length > 0) throw new MetricInputError(problems, 'argument');
  return points;
}

/** Consecutive slices of at most `size` points (one `logMetrics` call each), in order. */
export function batchPoints<T>(points: readonly T[], size = MAX_POINTS_PER_CALL): T[][] {
  if (!Number.isInteger(size) || size < 1 || size > MAX_POINTS_PER_CALL)
    throw new RangeError(`batch size must be an integer from 1 to ${MAX_POINTS_PER_CALL}`);
  const batches: T[][] = [];
  for (let start = 0; start < points.length; start += size)
    batches.push(points.slice(start, start + size));
  return batches;
}
