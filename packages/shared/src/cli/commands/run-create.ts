import { parseMetricValue } from '../../client/metric-lines.js';
import type { Initialization, Optimizer } from '../../gql/graphql.js';
import {
  BATCH_SIZE,
  EPOCHS,
  hyperparameterProblems,
  learningRateProblem,
  SEED,
} from '../../rules/hyperparameters.js';
import type { Command, Values } from '../command.js';
import { connect } from '../connect.js';
import { usageError } from '../exit-codes.js';
import { choiceOption, integerOption, required } from '../options.js';
import { rejectRuleProblems } from '../rule-errors.js';

const OPTIMIZERS: Optimizer[] = ['ADAM', 'SGD', 'MOMENTUM'];
const INITIALIZATIONS: Initialization[] = ['PRETRAINED', 'SCRATCH'];

/** --learning-rate: required, a number > 0. */
function learningRateOption(values: Values): number {
  const learningRate = parseMetricValue(required(values, 'learning-rate'));
  if (learningRate === undefined || learningRateProblem(learningRate))
    throw usageError(
      `--learning-rate must be a number > 0 (got "${String(values['learning-rate'])}")`,
    );
  return learningRate;
}

export const runCreate: Command = {
  name: 'run create',
  summary: 'add an external run (logged by your script) to an experiment; prints its id',
  help: `Usage: finetrack run create --experiment ID --frozen-layers K --learning-rate LR [options]

Creates a run that your own training script reports: it starts as running, is never queued for a
Finetrack worker, and appears in the experiment's grid and runs once it has metrics. Prints the
new run's id (or the run as JSON with --format json).

  --experiment ID           the experiment (see finetrack experiments)
  --frozen-layers K         weight-bearing layers frozen, counted from the input (integer ≥ 0)
  --learning-rate LR        > 0
  --epochs N                default 1 (${EPOCHS.min} to ${EPOCHS.max})
  --batch-size N            default 32 (${BATCH_SIZE.min} to ${BATCH_SIZE.max})
  --optimizer adam|sgd|momentum     default adam
  --seed N                  default 0 (${SEED.min} to ${SEED.max})
  --initialization pretrained|scratch   default pretrained (scratch: the baseline)
  --format id|json          default id`,
  options: {
    experiment: { type: 'string' },
    'frozen-layers': { type: 'string' },
    'learning-rate': { type: 'string' },
    epochs: { type: 'string' },
    'batch-size': { type: 'string' },
    optimizer: { type: 'string' },
    seed: { type: 'string' },
    initialization: { type: 'string' },
    format: { type: 'string', default: 'id' },
  },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const output = values.format as string;
    if (output !== 'id' && output !== 'json')
      throw usageError(`--format must be id or json (got "${output}")`);
    const experimentId = required(values, 'experiment');
    const frozenLayers = integerOption(values, 'frozen-layers', 0);
    if (frozenLayers === undefined) throw usageError('--frozen-layers is required');
    const learningRate = learningRateOption(values);
    const input = {
      experimentId,
      frozenLayers,
      learningRate,
      external: true,
      epochs: integerOption(values, 'epochs', 1),
      batchSize: integerOption(values, 'batch-size', 1),
      seed: integerOption(values, 'seed', 0),
      optimizer: choiceOption(values, 'optimizer', OPTIMIZERS),
      initialization: choiceOption(values, 'initialization', INITIALIZATIONS),
    };
    rejectRuleProblems(hyperparameterProblems(input), input);
    const run = await (await connect(io)).createRun(input);
    io.stdout(output === 'json' ? `${JSON.stringify(run, null, 2)}\n` : `${run.id}\n`);
  },
};
