import {
  MAX_POINTS_PER_CALL,
  parseKeyValues,
  parseMetricLines,
  type MetricPoint,
} from '../../client/metric-lines.js';
import type { Command } from '../command.js';
import { connect } from '../connect.js';
import { CliError, describeFailure, usageError } from '../exit-codes.js';
import { integerOption, readText, required } from '../options.js';

export const log: Command = {
  name: 'log',
  summary: 'log metrics to a run: key=value … --step N, or --file metrics.jsonl',
  help: `Usage: finetrack log --run ID --step N KEY=VALUE [KEY=VALUE …]
       finetrack log --run ID --file metrics.jsonl    ("-" reads stdin)

Every value is checked before anything is sent: a malformed line or a non-numeric value rejects
the whole input, naming each bad line, and nothing is written. Points are sent in calls of at
most 10,000; the same (key, step) again overwrites, so rerunning after a failure is safe.

JSONL: one JSON object per line (blank lines skipped), either one point
  {"step": 3, "key": "val_accuracy", "value": 0.91}
or several metrics of one step
  {"step": 3, "loss": 0.42, "val_accuracy": 0.91}
(a line with a "key" field is the first shape). "wallTime" (Unix seconds) is optional in both.
Steps are integers ≥ 0; values are finite JSON numbers (not strings, NaN or Infinity).

  --run ID                  the run
  --step N                  step of the KEY=VALUE points
  --file PATH               a JSONL file
  --batch-size N            points per call, 1–10000 (default 10000)`,
  options: {
    run: { type: 'string' },
    step: { type: 'string' },
    file: { type: 'string' },
    'batch-size': { type: 'string' },
  },
  positionals: [0, Number.POSITIVE_INFINITY],
  async run(values, pairs, io) {
    const runId = required(values, 'run');
    const batchSize = integerOption(values, 'batch-size', 1) ?? MAX_POINTS_PER_CALL;
    if (batchSize > MAX_POINTS_PER_CALL)
      throw usageError(`--batch-size must be at most ${MAX_POINTS_PER_CALL}`);
    let points: MetricPoint[];
    if (values.file !== undefined) {
      if (pairs.length > 0 || values.step !== undefined)
        throw usageError('give either --file or --step with KEY=VALUE pairs, not both');
      const path = values.file as string;
      points = parseMetricLines(await readText(path, io));
      if (points.length === 0) throw usageError(`${path} holds no metrics`);
    } else {
      if (pairs.length === 0) throw usageError('give KEY=VALUE pairs with --step N, or --file');
      const step = integerOption(values, 'step', 0);
      if (step === undefined) throw usageError('--step is required with KEY=VALUE pairs');
      points = parseKeyValues(pairs, step);
    }
    const api = await connect(io);
    await api.run(runId); // an unknown run fails here, before any point is sent
    let sent = 0;
    let result: { written: number; calls: number };
    try {
      result = await api.logMetrics(runId, points, { batchSize, onBatch: (done) => (sent = done) });
    } catch (error) {
      if (sent === 0) throw error;
      // Earlier calls were written; each is idempotent, so the same command can simply run again.
      const { exitCode, message } = describeFailure(error);
      throw new CliError(
        `${message}\n${sent} of ${points.length} points were written before this failure; running the same command again is safe (the same key and step overwrite)`,
        exitCode,
      );
    }
    const { written, calls } = result;
    io.stdout(
      `logged ${written} points to run ${runId} in ${calls} call${calls === 1 ? '' : 's'}\n`,
    );
  },
};
