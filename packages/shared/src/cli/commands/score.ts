import {
  SCORE_SOURCE_MODELS,
  SOURCE_MODEL_SCORES,
  type SourceModelScoreRow,
} from '../../score-job-operations.js';
import { logMeSuggestion, MAX_SCORED_MODELS } from '../../source-scoring.js';
import type { CliIo, Command } from '../command.js';
import { print } from '../columns.js';
import { connect } from '../connect.js';
import { CliError, ExitCode, usageError } from '../exit-codes.js';
import { format, FORMAT_HELP, formatOption, integerOption, required } from '../options.js';
import type { OutputFormat } from '../output.js';

/** How often --wait asks for the scores again. */
const POLL_MS = 1000;
const PENDING = new Set(['QUEUED', 'RUNNING']);

const COLUMNS: [string, (score: SourceModelScoreRow) => string | number | null][] = [
  ['model', (score) => score.model?.name ?? score.modelId],
  ['modelId', (score) => score.modelId],
  ['status', (score) => score.status.toLowerCase()],
  ['logMe', (score) => score.logMe],
  ['leep', (score) => score.leep],
  ['nce', (score) => score.nce],
  ['trainSamples', (score) => score.trainSamples],
  ['seconds', (score) => score.seconds],
  ['error', (score) => score.errorMessage],
];

/** The scores as rows, best LogME first (as the API ranks them), and the suggestion after. */
function printScores(io: CliIo, chosen: OutputFormat, scores: SourceModelScoreRow[]): void {
  print(
    io,
    chosen,
    COLUMNS.map(([name]) => name),
    scores.map((score) => COLUMNS.map(([, cell]) => cell(score))),
    scores,
  );
  if (chosen !== 'table') return;
  const best = logMeSuggestion(scores.filter((score) => score.status === 'SUCCEEDED'));
  if (scores.length === 0) io.stderr('finetrack: no source model is scored for this dataset\n');
  else if (best) io.stderr(`LogME suggests: ${best.model?.name ?? best.modelId}\n`);
}

async function scoresOf(client: Awaited<ReturnType<typeof connect>>, datasetId: string) {
  return (await client.execute(SOURCE_MODEL_SCORES, { datasetId })).sourceModelScores;
}

export const score: Command = {
  name: 'score',
  summary: 'score source models for a dataset with LogME, LEEP and NCE (run by a worker)',
  help: `Usage: finetrack score --dataset ID --model ID [--model ID …] [options]

Queues a scoring job per source model: a worker extracts each model's frozen features on the
dataset's training images and computes LogME, LEEP and NCE, which predict how well the model
transfers before any fine-tuning. Prints the dataset's scores, best LogME first; with --wait,
once every job has finished (exit 1 when one failed).

  --dataset ID              the target dataset (one of the team's)
  --model ID                a source model to score (repeat it; at most ${MAX_SCORED_MODELS})
  --train-samples N         score on the first N training images (default: all)
  --wait                    wait for the scores
${FORMAT_HELP}`,
  options: {
    dataset: { type: 'string' },
    model: { type: 'string', multiple: true },
    'train-samples': { type: 'string' },
    wait: { type: 'boolean', default: false },
    ...formatOption,
  },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const chosen = format(values);
    const datasetId = required(values, 'dataset');
    const modelIds = ((values.model ?? []) as string[]).filter((id) => id !== '');
    if (modelIds.length === 0) throw usageError('--model is required (once per source model)');
    if (modelIds.length > MAX_SCORED_MODELS)
      throw usageError(`at most ${MAX_SCORED_MODELS} --model at once (got ${modelIds.length})`);
    const trainSamples = integerOption(values, 'train-samples', 1);
    const client = await connect(io);
    await client.execute(SCORE_SOURCE_MODELS, {
      input: { datasetId, modelIds, ...(trainSamples !== undefined ? { trainSamples } : {}) },
    });
    let scores = await scoresOf(client, datasetId);
    const mine = (rows: SourceModelScoreRow[]) =>
      rows.filter((row) => modelIds.includes(row.modelId));
    if (values.wait === true) {
      let waiting = -1;
      for (;;) {
        const pending = mine(scores).filter((row) => PENDING.has(row.status)).length;
        if (pending === 0) break;
        if (pending !== waiting)
          io.stderr(`finetrack: waiting for ${pending} score${pending === 1 ? '' : 's'}\n`);
        waiting = pending;
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        scores = await scoresOf(client, datasetId);
      }
    }
    printScores(io, chosen, scores);
    const failed = mine(scores).filter((row) => row.status === 'FAILED');
    if (values.wait === true && failed.length > 0)
      throw new CliError(
        `${failed.length} score${failed.length === 1 ? '' : 's'} failed: ${failed
          .map((row) => `${row.model?.name ?? row.modelId}: ${row.errorMessage ?? 'failed'}`)
          .join('; ')}`,
        ExitCode.Failure,
      );
  },
};

export const scores: Command = {
  name: 'scores',
  summary: 'list the source-model scores of a dataset, best LogME first',
  help: `Usage: finetrack scores DATASET_ID [--format table|csv|json]

${FORMAT_HELP}`,
  options: { ...formatOption },
  positionals: [1, 1],
  async run(values, [datasetId], io) {
    const chosen = format(values);
    printScores(io, chosen, await scoresOf(await connect(io), datasetId));
  },
};
