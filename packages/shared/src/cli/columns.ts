import type { Run } from '../client/finetrack-client.js';
import type { CliIo } from './command.js';
import { formatCsv, formatTable, type Cell, type OutputFormat } from './output.js';

/** Prints rows as the chosen format; JSON prints `json` (the API's objects) instead. */
export function print(
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
  ['queue', (run) => queueCell(run)],
];

/**
 * Why a queued run waits: its place in line ("#2"), or the reason no worker takes it ("no worker
 * connected"); empty for runs that are not queued.
 */
function queueCell(run: Run): Cell {
  const state = run.queueState;
  if (!state) return null;
  if (state.reason === 'WAITING_FOR_TURN' && state.position) return `#${state.position}`;
  return state.reason.toLowerCase().replaceAll('_', ' ');
}
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
  'queue',
];

export function printRuns(io: CliIo, chosen: OutputFormat, runs: Run[], json: unknown): void {
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
