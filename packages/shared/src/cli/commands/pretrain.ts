import { parseMetricValue } from '../../client/metric-lines.js';
import { DatasetNameDocument } from '../../client/operations.js';
import { ARCHITECTURES } from '../../model.js';
import {
  BATCH_SIZE,
  EPOCHS,
  hyperparameterProblems,
  learningRateProblem,
  SEED,
} from '../../rules/hyperparameters.js';
import type { Command, Values } from '../command.js';
import { connect } from '../connect.js';
import { CliError, ExitCode, usageError } from '../exit-codes.js';
import { integerOption, required } from '../options.js';
import { rejectRuleProblems } from '../rule-errors.js';

/** How often --wait asks for the run's status. */
const POLL_MS = 1000;
const TERMINAL = new Set(['SUCCEEDED', 'FAILED', 'CANCELLED']);

function learningRate(values: Values): number | undefined {
  if (values['learning-rate'] === undefined) return undefined;
  const value = parseMetricValue(String(values['learning-rate']));
  if (value === undefined || learningRateProblem(value))
    throw usageError(
      `--learning-rate must be a number > 0 (got "${String(values['learning-rate'])}")`,
    );
  return value;
}

export const pretrain: Command = {
  name: 'pretrain',
  summary: 'pretrain a source model on one of the team’s datasets; prints the run id',
  help: `Usage: finetrack pretrain --team ID --architecture A --dataset ID [options]

Queues a pretraining run: a worker trains the architecture from scratch on the dataset and
registers the result as a source model of the team. Prints the run id; with --wait, follows the
run to its end and prints the model id too (exit 1 when the run fails or is cancelled).

  --team ID                 the team that owns the model
  --architecture A          ${ARCHITECTURES.join(', ')}
  --dataset ID              the source dataset (one of the team's)
  --name NAME               the source model's name (default: architecture on dataset)
  --epochs N                default 3 (${EPOCHS.min} to ${EPOCHS.max})
  --learning-rate X         default 0.001 (> 0)
  --batch-size N            default 64 (${BATCH_SIZE.min} to ${BATCH_SIZE.max})
  --seed N                  default 1 (${SEED.min} to ${SEED.max})
  --wait                    wait for the run to finish
  --json                    print the run as JSON (last line: one object with id)`,
  options: {
    team: { type: 'string' },
    architecture: { type: 'string' },
    dataset: { type: 'string' },
    name: { type: 'string' },
    epochs: { type: 'string' },
    'learning-rate': { type: 'string' },
    'batch-size': { type: 'string' },
    seed: { type: 'string' },
    wait: { type: 'boolean', default: false },
    json: { type: 'boolean', default: false },
  },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const teamId = required(values, 'team');
    const architecture = required(values, 'architecture');
    if (!(ARCHITECTURES as readonly string[]).includes(architecture))
      throw usageError(
        `--architecture must be one of ${ARCHITECTURES.join(', ')} (got "${architecture}")`,
      );
    const datasetId = required(values, 'dataset');
    const hyperparameters = {
      epochs: integerOption(values, 'epochs', 1),
      batchSize: integerOption(values, 'batch-size', 1),
      seed: integerOption(values, 'seed', 0),
      learningRate: learningRate(values),
    };
    rejectRuleProblems(hyperparameterProblems(hyperparameters), hyperparameters);
    const client = await connect(io);
    const name =
      typeof values.name === 'string' && values.name !== ''
        ? values.name
        : `${architecture} on ${(await client.execute(DatasetNameDocument, { id: datasetId })).dataset.name}`;
    let run = await client.pretrainModel({
      teamId,
      architecture,
      datasetId,
      name,
      ...Object.fromEntries(
        Object.entries(hyperparameters).filter(([, value]) => value !== undefined),
      ),
    });
    const json = values.json === true;
    if (!json) io.stdout(`${run.id}\n`);
    if (values.wait === true) {
      let last = run.status;
      while (!TERMINAL.has(run.status)) {
        await new Promise((resolve) => setTimeout(resolve, POLL_MS));
        run = await client.pretrainRun(run.id);
        if (run.status !== last)
          io.stderr(`finetrack: run ${run.id} is ${run.status.toLowerCase()}\n`);
        last = run.status;
      }
      if (!json && run.resultModelId) io.stdout(`${run.resultModelId}\n`);
    }
    if (json) io.stdout(`${JSON.stringify(run)}\n`);
    if (run.status === 'FAILED' || run.status === 'CANCELLED')
      throw new CliError(
        `the pretraining run ${run.status.toLowerCase()}${run.errorMessage ? `: ${run.errorMessage}` : ''}`,
        ExitCode.Failure,
      );
  },
};
