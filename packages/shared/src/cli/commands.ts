import { readFile } from 'node:fs/promises';
import type { ParseArgsConfig } from 'node:util';
import { ApiClient } from '../client/api-client.js';
import { FinetrackClient, type Run, type TerminalRunStatus } from '../client/finetrack-client.js';
import {
  MAX_POINTS_PER_CALL,
  parseKeyValues,
  parseMetricLines,
  parseMetricValue,
  type MetricPoint,
} from '../client/metric-lines.js';
import type { GridSummary, Initialization, Optimizer } from '../gql/graphql.js';
import { configDirectory, readConfig, resolveConnection, writeConfig } from './config.js';
import { CliError, describeFailure, usageError } from './exit-codes.js';
import {
  formatCsv,
  formatNumber,
  formatTable,
  OUTPUT_FORMATS,
  type Cell,
  type OutputFormat,
} from './output.js';

/** What commands read and write: the process in production, buffers in tests. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
}

type Options = NonNullable<ParseArgsConfig['options']>;
export type Values = Record<string, string | boolean | (string | boolean)[] | undefined>;

export interface Command {
  /** One or two words: `grid`, `run create`. */
  name: string;
  summary: string;
  /** Usage line(s) and option descriptions, printed by --help. */
  help: string;
  options: Options;
  /** Positional arguments allowed: [min, max]. */
  positionals: [number, number];
  run(values: Values, positionals: string[], io: CliIo): Promise<void>;
}

const USER_AGENT = 'finetrack-cli/0.1';

const formatOption = { format: { type: 'string', default: 'table' } } satisfies Options;
const FORMAT_HELP = '  --format table|csv|json   output format (default table)';

function client(connection: { api: string; token: string }, io: CliIo): FinetrackClient {
  return new FinetrackClient(
    new ApiClient({
      url: connection.api,
      token: connection.token,
      userAgent: USER_AGENT,
      onRetry: (error, retry, delayMs) =>
        io.stderr(
          `finetrack: ${error.message}; retry ${retry} in ${(delayMs / 1000).toFixed(1)} s\n`,
        ),
    }),
  );
}

async function connect(io: CliIo): Promise<FinetrackClient> {
  return client(await resolveConnection(io.env), io);
}

function format(values: Values): OutputFormat {
  const value = values.format as string;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value))
    throw usageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')} (got "${value}")`);
  return value as OutputFormat;
}

function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw usageError(`--${name} is required`);
  return value;
}

function integerOption(values: Values, name: string, minimum: number): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const value = typeof text === 'string' && /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < minimum)
    throw usageError(`--${name} must be an integer ≥ ${minimum} (got "${String(text)}")`);
  return value;
}

function choiceOption<T extends string>(
  values: Values,
  name: string,
  choices: readonly T[],
): T | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const upper = String(text).toUpperCase() as T;
  if (!choices.includes(upper))
    throw usageError(
      `--${name} must be one of ${choices.map((c) => c.toLowerCase()).join(', ')} (got "${String(text)}")`,
    );
  return upper;
}

/** Prints rows as the chosen format; JSON prints `json` (the API's objects) instead. */
function print(
  io: CliIo,
  chosen: OutputFormat,
  header: string[],
  rows: Cell[][],
  json: unknown,
): void {
  if (chosen === 'json') io.stdout(`${JSON.stringify(json, null, 2)}\n`);
  else if (chosen === 'csv') io.stdout(`${formatCsv(header, rows)}\n`);
  else if (rows.length > 0) io.stdout(`${formatTable(header, rows)}\n`);
}

const RUN_COLUMNS: [string, (run: Run) => Cell][] = [
  ['id', (run) => run.id],
  ['status', (run) => run.status.toLowerCase()],
  ['external', (run) => run.external],
  ['initialization', (run) => run.initialization.toLowerCase()],
  ['frozenLayers', (run) => run.frozenLayers],
  ['learningRate', (run) => run.learningRate],
  ['seed', (run) => run.seed],
  ['epochs', (run) => run.epochs],
  ['bestValAccuracy', (run) => run.bestValAccuracy],
  ['lastValAccuracy', (run) => run.lastValAccuracy],
  ['bestValLoss', (run) => run.bestValLoss],
  ['bestEpoch', (run) => run.bestEpoch],
  ['wallSeconds', (run) => run.wallSeconds],
];
/** Tables keep to what fits a terminal; CSV and JSON carry every field. */
const RUN_TABLE_COLUMNS = [
  'id',
  'status',
  'external',
  'initialization',
  'frozenLayers',
  'learningRate',
  'seed',
  'bestValAccuracy',
  'lastValAccuracy',
  'bestValLoss',
  'wallSeconds',
];

function printRuns(io: CliIo, chosen: OutputFormat, runs: Run[], json: unknown): void {
  const columns =
    chosen === 'table'
      ? RUN_COLUMNS.filter(([name]) => RUN_TABLE_COLUMNS.includes(name))
      : RUN_COLUMNS;
  print(
    io,
    chosen,
    columns.map(([name]) => name),
    runs.map((run) => columns.map(([, read]) => read(run))),
    json,
  );
}

async function readText(path: string, io: CliIo): Promise<string> {
  if (path === '-') return io.readStdin();
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`cannot read ${path}${code ? ` (${code})` : ''}`);
  }
}

const login: Command = {
  name: 'login',
  summary: 'check a token against the API and store both for later commands',
  help: `Usage: finetrack login --api URL --token T

Checks the token (the API must know it), then stores the API address and the token in
$FINETRACK_CONFIG_DIR, $XDG_CONFIG_HOME/finetrack or ~/.config/finetrack (config.json, mode 0600).

  --api URL     the API, e.g. http://127.0.0.1:4000 (a trailing /graphql is fine)
  --token T     an API token (ft_…); "-" reads it from stdin, keeping it out of shell history`,
  options: { api: { type: 'string' }, token: { type: 'string' } },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const api = required(values, 'api');
    let token = required(values, 'token');
    if (token === '-') token = (await io.readStdin()).trim();
    if (!token) throw usageError('the token read from stdin is empty');
    try {
      new URL(api);
    } catch {
      throw usageError(`--api must be a URL such as http://127.0.0.1:4000 (got "${api}")`);
    }
    const me = await client({ api, token }, io).me();
    const directory = configDirectory(io.env);
    const stored = await readConfig(directory);
    const file = await writeConfig(directory, { ...stored, api, token });
    io.stdout(`logged in to ${api} as ${me.email}; token stored in ${file}\n`);
  },
};

const logout: Command = {
  name: 'logout',
  summary: 'forget the stored token',
  help: `Usage: finetrack logout

Removes the token from the config file (the API address stays). The token itself stays valid:
revoke it in the web app or with revokeApiToken.`,
  options: {},
  positionals: [0, 0],
  async run(_values, _positionals, io) {
    const directory = configDirectory(io.env);
    const stored = await readConfig(directory);
    if (stored.token !== undefined) await writeConfig(directory, { api: stored.api });
    io.stdout('logged out\n');
  },
};

const projects: Command = {
  name: 'projects',
  summary: 'list the projects of your teams',
  help: `Usage: finetrack projects [--team ID] [--format table|csv|json]

  --team ID                 only this team's projects (default: every team you belong to)
${FORMAT_HELP}`,
  options: { team: { type: 'string' }, ...formatOption },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const chosen = format(values);
    const api = await connect(io);
    const teamId = values.team as string | undefined;
    const teams = teamId
      ? [{ id: teamId, name: '' }]
      : (await api.me()).teams.map((team) => ({ id: team.id, name: team.name }));
    const rows: { team: string; project: Awaited<ReturnType<typeof api.projects>>[number] }[] = [];
    for (const team of teams)
      for (const project of await api.projects(team.id))
        rows.push({ team: team.name || team.id, project });
    print(
      io,
      chosen,
      ['id', 'name', 'team', 'description'],
      rows.map(({ team, project }) => [project.id, project.name, team, project.description]),
      rows.map(({ project }) => project),
    );
  },
};

const experiments: Command = {
  name: 'experiments',
  summary: 'list the experiments of a project',
  help: `Usage: finetrack experiments --project ID [--format table|csv|json]

  --project ID              the project (see finetrack projects)
${FORMAT_HELP}`,
  options: { project: { type: 'string' }, ...formatOption },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const chosen = format(values);
    const projectId = required(values, 'project');
    const list = await (await connect(io)).experiments(projectId);
    print(
      io,
      chosen,
      ['id', 'name', 'status', 'createdAt'],
      list.map((e) => [e.id, e.name, e.status.toLowerCase(), e.createdAt]),
      list,
    );
  },
};

const grid: Command = {
  name: 'grid',
  summary: 'the frozen-layers × learning-rate grid of an experiment',
  help: `Usage: finetrack grid EXPERIMENT_ID [--metric val_accuracy] [--summary best|last]
                      [--format table|csv|json]

Each run is summarised by the best or last value of the metric; each cell shows the mean ± sample
standard deviation over its runs (seeds), runs with the metric / all runs, and the gain over the
from-scratch baseline (positive is better, also for loss-like metrics).

  --metric KEY              metric to compare (default val_accuracy)
  --summary best|last       which value stands for a run (default best)
${FORMAT_HELP}
                            csv: one row per cell, the baseline as initialization=scratch`,
  options: {
    metric: { type: 'string', default: 'val_accuracy' },
    summary: { type: 'string', default: 'best' },
    ...formatOption,
  },
  positionals: [1, 1],
  async run(values, [experimentId], io) {
    const chosen = format(values);
    const summary = choiceOption<GridSummary>(values, 'summary', ['BEST', 'LAST'])!;
    const experiment = await (
      await connect(io)
    ).grid(experimentId, values.metric as string, summary);
    const { grid: result } = experiment;
    if (chosen === 'json') {
      io.stdout(`${JSON.stringify(experiment, null, 2)}\n`);
      return;
    }
    if (chosen === 'csv') {
      const header = [
        'initialization',
        'frozenLayers',
        'learningRate',
        'runCount',
        'totalRuns',
        'mean',
        'std',
        'best',
        'gainOverScratch',
      ];
      const rows: Cell[][] = result.cells.map((cell) => [
        'pretrained',
        cell.frozenLayers,
        cell.learningRate,
        cell.runCount,
        cell.totalRuns,
        cell.mean,
        cell.std,
        cell.best,
        cell.gainOverScratch,
      ]);
      if (result.scratch) {
        const s = result.scratch;
        rows.push(['scratch', null, null, s.runCount, s.totalRuns, s.mean, s.std, s.best, null]);
      }
      io.stdout(`${formatCsv(header, rows)}\n`);
      return;
    }
    const stat = (mean: number | null, std: number | null, count: number, total: number) =>
      mean === null
        ? `- (0/${total})`
        : `${formatNumber(mean)}${std === null ? '' : ` ± ${formatNumber(std)}`} (${count}/${total})`;
    const rates = [...new Set(result.cells.map((cell) => cell.learningRate))].sort((a, b) => a - b);
    const depths = [...new Set(result.cells.map((cell) => cell.frozenLayers))].sort(
      (a, b) => a - b,
    );
    const rows: Cell[][] = depths.map((depth) => [
      String(depth),
      ...rates.map((rate) => {
        const cell = result.cells.find((c) => c.frozenLayers === depth && c.learningRate === rate);
        if (!cell) return '';
        const gain =
          cell.gainOverScratch === null
            ? ''
            : ` ${cell.gainOverScratch >= 0 ? '+' : ''}${formatNumber(cell.gainOverScratch)}`;
        return `${stat(cell.mean, cell.std, cell.runCount, cell.totalRuns)}${gain}`;
      }),
    ]);
    const direction = result.lowerIsBetter ? 'lower is better' : 'higher is better';
    io.stdout(
      `${experiment.name}: ${result.metric}, ${result.summary.toLowerCase()} per run (${direction})\n`,
    );
    if (rows.length > 0)
      io.stdout(
        `${formatTable(['frozen \\ lr', ...rates.map((rate) => formatNumber(rate))], rows)}\n`,
      );
    else io.stdout('no fine-tuning runs\n');
    if (result.scratch) {
      const s = result.scratch;
      io.stdout(`scratch baseline: ${stat(s.mean, s.std, s.runCount, s.totalRuns)}\n`);
    }
  },
};

const runs: Command = {
  name: 'runs',
  summary: 'list the runs of an experiment with their hyperparameters and summary',
  help: `Usage: finetrack runs EXPERIMENT_ID [--format table|csv|json]

${FORMAT_HELP}
                            (the table shows the main columns; csv and json every field)`,
  options: { ...formatOption },
  positionals: [1, 1],
  async run(values, [experimentId], io) {
    const chosen = format(values);
    const list = await (await connect(io)).runs(experimentId);
    printRuns(io, chosen, list, list);
  },
};

const OPTIMIZERS: Optimizer[] = ['ADAM', 'SGD', 'MOMENTUM'];
const INITIALIZATIONS: Initialization[] = ['PRETRAINED', 'SCRATCH'];

const runCreate: Command = {
  name: 'run create',
  summary: 'add an external run (logged by your script) to an experiment; prints its id',
  help: `Usage: finetrack run create --experiment ID --frozen-layers K --learning-rate LR [options]

Creates a run that your own training script reports: it starts as running, is never queued for a
Finetrack worker, and appears in the experiment's grid and runs once it has metrics. Prints the
new run's id (or the run as JSON with --format json).

  --experiment ID           the experiment (see finetrack experiments)
  --frozen-layers K         weight-bearing layers frozen, counted from the input (integer ≥ 0)
  --learning-rate LR        > 0
  --epochs N                default 1
  --batch-size N            default 32
  --optimizer adam|sgd|momentum     default adam
  --seed N                  default 0
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
    const learningRate = parseMetricValue(required(values, 'learning-rate'));
    if (learningRate === undefined || learningRate <= 0)
      throw usageError(
        `--learning-rate must be a number > 0 (got "${String(values['learning-rate'])}")`,
      );
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
    const run = await (await connect(io)).createRun(input);
    io.stdout(output === 'json' ? `${JSON.stringify(run, null, 2)}\n` : `${run.id}\n`);
  },
};

const runFinish: Command = {
  name: 'run finish',
  summary: 'mark an external run succeeded (or failed, cancelled)',
  help: `Usage: finetrack run finish --run ID [--status succeeded|failed|cancelled] [--error TEXT]
                           [--format table|csv|json]

Ends the run. Summary fields your script did not set (best and last val_accuracy and val_loss,
bestEpoch, wallSeconds) are filled from the metrics it logged. Finishing again changes nothing.

  --run ID                  the run (see finetrack run create)
  --status S                default succeeded
  --error TEXT              why it failed (with --status failed)
${FORMAT_HELP}`,
  options: {
    run: { type: 'string' },
    status: { type: 'string', default: 'succeeded' },
    error: { type: 'string' },
    ...formatOption,
  },
  positionals: [0, 0],
  async run(values, _positionals, io) {
    const chosen = format(values);
    const runId = required(values, 'run');
    const status = choiceOption<TerminalRunStatus>(values, 'status', [
      'SUCCEEDED',
      'FAILED',
      'CANCELLED',
    ])!;
    const error = values.error as string | undefined;
    const run = await (
      await connect(io)
    ).finishRun(runId, status, error === undefined ? {} : { errorMessage: error });
    printRuns(io, chosen, [run], run);
  },
};

const runShow: Command = {
  name: 'run show',
  summary: 'one run with its hyperparameters and summary',
  help: `Usage: finetrack run show RUN_ID [--format table|csv|json]

${FORMAT_HELP}`,
  options: { ...formatOption },
  positionals: [1, 1],
  async run(values, [runId], io) {
    const chosen = format(values);
    const run = await (await connect(io)).run(runId);
    printRuns(io, chosen, [run], run);
  },
};

const log: Command = {
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

export const COMMANDS: readonly Command[] = [
  login,
  logout,
  projects,
  experiments,
  grid,
  runs,
  runCreate,
  runFinish,
  runShow,
  log,
];
