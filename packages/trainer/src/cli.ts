import path from 'node:path';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import {
  ARCHITECTURES,
  ExitCode,
  OPTIMIZERS,
  type Architecture,
  type Optimizer,
} from '@finetrack/shared';
import cliProgress from 'cli-progress';
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { parseBackendName, selectBackend, type BackendName } from './backend/select-backend.js';
import { datasetSpecFromArgument, loadDataset, parseClassList } from './data/index.js';
import {
  datasetRecord,
  loadModelDirectory,
  saveModel,
  type FinetrackModelMetadata,
  type LoadedModel,
} from './io/index.js';
import { ModelGraphError } from './model/graph.js';
import { describeModel, parameterCounts } from './model/surgery.js';
import {
  DEFAULT_SCRATCH_LEARNING_RATE,
  finetune,
  pretrain,
  type EpochRecord,
  type MetricPoint,
  type TrainSummary,
} from './train/index.js';

/** Where the CLI writes; tests pass their own to capture output. */
export interface CliStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

/** Errors that mean "the input was wrong", reported without a stack trace and exit code 2. */
const BAD_INPUT_ERRORS = new Set([
  'DatasetError',
  'ModelFileError',
  'SurgeryError',
  'TrainingOptionsError',
  'BackendError',
  'ArchitectureError',
  'CheckpointError',
  'ModelGraphError',
  'CliInputError',
]);

class CliInputError extends Error {
  override readonly name = 'CliInputError';
}

function positiveInteger(value: string): number {
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed) || parsed < 1)
    throw new InvalidArgumentError('expected a positive integer');
  return parsed;
}

function integer(value: string): number {
  const parsed = Number(value);
  if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed))
    throw new InvalidArgumentError('expected an integer');
  return parsed;
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (value.trim() === '' || !Number.isFinite(parsed) || parsed <= 0)
    throw new InvalidArgumentError('expected a number > 0');
  return parsed;
}

function classList(value: string): number[] {
  try {
    return parseClassList(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

function backendName(value: string): BackendName {
  try {
    return parseBackendName(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/** `28x28x1` → [28, 28, 1]. */
function shape(value: string): [number, number, number] {
  const match = /^(\d+)x(\d+)x(1|3)$/.exec(value.trim());
  if (!match)
    throw new InvalidArgumentError('expected HEIGHTxWIDTHxCHANNELS, e.g. 28x28x1 or 64x64x3');
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

function frozenLayersValue(value: string): number | 'all' {
  if (value.trim() === 'all') return 'all';
  const parsed = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(parsed))
    throw new InvalidArgumentError('expected an integer ≥ 0 or "all"');
  return parsed;
}

interface SharedOptions {
  dataset: string;
  classes?: number[];
  epochs: number;
  batchSize: number;
  learningRate?: number;
  optimizer: Optimizer;
  trainSamples?: number;
  validationSamples?: number;
  seed: number;
  out?: string;
  backend?: BackendName;
  json?: boolean;
  patience?: number;
  checkpointDir?: string;
  resume?: string;
}

interface PretrainCliOptions extends SharedOptions {
  architecture: Architecture;
  inputShape?: [number, number, number];
}

interface FinetuneCliOptions extends SharedOptions {
  source: string;
  frozenLayers: number | 'all';
  scratch?: boolean;
  cutLayer?: string;
  featureCache: 'auto' | 'always' | 'never';
}

/** Adds the flags pretrain and finetune share. */
function addTrainingOptions(command: Command, defaultEpochs: number): Command {
  return command
    .requiredOption(
      '--dataset <dataset>',
      'mnist, fashion-mnist or folder:PATH (PATH inside FINETRACK_DATA_ROOT)',
    )
    .option(
      '--classes <list>',
      'classes to keep, relabelled 0..n-1 in this order, e.g. 0-4 or 5,6,7 (MNIST-like sets)',
      classList,
    )
    .option('--epochs <n>', 'training epochs', positiveInteger, defaultEpochs)
    .option('--batch-size <n>', 'samples per optimizer step', positiveInteger, 32)
    .option(
      '--learning-rate <rate>',
      'optimizer learning rate (default: see the command description)',
      positiveNumber,
    )
    .addOption(
      new Option('--optimizer <name>', 'optimizer').choices([...OPTIMIZERS]).default('adam'),
    )
    .option(
      '--train-samples <n>',
      'cap on training samples (after a seeded shuffle)',
      positiveInteger,
    )
    .option(
      '--validation-samples <n>',
      'cap on validation samples (MNIST-like sets)',
      positiveInteger,
    )
    .option('--seed <n>', 'seed for weights, shuffles and dropout', integer, 0)
    .option('--out <dir>', 'write the model there: model.json + weights.bin + finetrack.json')
    .option(
      '--backend <name>',
      'tensorflow-gpu | tensorflow | wasm | cpu (default: FINETRACK_BACKEND, else the best available)',
      backendName,
    )
    .option(
      '--patience <n>',
      'stop early after this many epochs without a better val_loss',
      positiveInteger,
    )
    .option('--checkpoint-dir <dir>', 'write a resumable checkpoint there after every epoch')
    .option(
      '--resume <dir>',
      'continue from a checkpoint folder written by --checkpoint-dir (same command and flags)',
    )
    .option('--json', 'print one JSON object as the last line of stdout (progress goes to stderr)');
}

/** Progress: a bar on a terminal, one plain line per epoch otherwise. */
class ProgressReporter {
  private bar: cliProgress.SingleBar | undefined;
  private readonly lines: { write(text: string): unknown };

  constructor(
    private readonly streams: CliStreams,
    private readonly json: boolean,
  ) {
    this.lines = json ? streams.stderr : streams.stdout;
  }

  get usesBar(): boolean {
    return this.streams.stderr.isTTY === true;
  }

  start(label: string, epochs: number, trainSamples: number, batchSize: number): void {
    this.info(`${label}: ${epochs} epoch(s) of ${trainSamples} samples, batch ${batchSize}`);
    if (!this.usesBar) return;
    const stepsPerEpoch = Math.ceil(trainSamples / batchSize);
    this.bar = new cliProgress.SingleBar(
      {
        stream: this.streams.stderr as NodeJS.WritableStream,
        format: `${label} [{bar}] {percentage}% | epoch {epoch}/${epochs} | loss {loss} | {value}/{total} steps | eta {eta}s`,
        hideCursor: true,
        clearOnComplete: true,
      },
      cliProgress.Presets.shades_classic,
    );
    this.bar.start(stepsPerEpoch * epochs, 0, { epoch: 1, loss: '-' });
  }

  onMetrics = (points: MetricPoint[]): void => {
    if (!this.bar) return;
    const loss = points.find((point) => point.key === 'batch_loss');
    if (loss) this.bar.update(loss.step, { epoch: loss.epoch, loss: loss.value.toFixed(4) });
  };

  onEpochEnd = (record: EpochRecord, epochs: number): void => {
    const line =
      `epoch ${record.epoch}/${epochs} loss ${record.loss.toFixed(4)} accuracy ${record.accuracy.toFixed(4)} ` +
      `val_loss ${record.valLoss.toFixed(4)} val_accuracy ${record.valAccuracy.toFixed(4)} ` +
      `${Math.round(record.samplesPerSecond)} samples/s ${record.wallSeconds.toFixed(1)} s${record.cached ? ' (cached features)' : ''}`;
    if (this.bar) this.streams.stderr.write(`\r\x1b[2K${line}\n`);
    else this.lines.write(`${line}\n`);
  };

  info(text: string): void {
    if (this.bar) this.streams.stderr.write(`\r\x1b[2K${text}\n`);
    else this.lines.write(`${text}\n`);
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
  }
}

/** Summary fields that fit finetrack.json's flat `metrics` record. */
function flatMetrics(summary: TrainSummary): FinetrackModelMetadata['metrics'] {
  const metrics: FinetrackModelMetadata['metrics'] = {};
  for (const [key, value] of Object.entries(summary))
    if (value === null || ['number', 'string', 'boolean'].includes(typeof value))
      metrics[key] = value as number | string | boolean | null;
  return metrics;
}

async function loadDatasetFor(
  options: SharedOptions,
  inputShape: [number, number, number] | undefined,
  streams: CliStreams,
  reporter: ProgressReporter,
) {
  const spec = datasetSpecFromArgument(options.dataset, {
    classes: options.classes,
    trainSamples: options.trainSamples,
    validationSamples: options.validationSamples,
    seed: options.seed,
    inputShape,
  });
  const dataset = await loadDataset(spec, { inputShape });
  for (const warning of dataset.warnings) streams.stderr.write(`warning: ${warning}\n`);
  if (dataset.validation.count === 0)
    throw new CliInputError(`${dataset.name} has no validation samples`);
  reporter.info(
    `dataset ${dataset.name}: ${dataset.train.count} train / ${dataset.validation.count} validation, ` +
      `classes ${dataset.classNames.join(', ')}, sha256 ${dataset.hash.slice(0, 12)}`,
  );
  return { spec, dataset };
}

function finish(
  streams: CliStreams,
  json: boolean | undefined,
  result: Record<string, unknown>,
): void {
  if (json) streams.stdout.write(`${JSON.stringify(result)}\n`);
  else {
    const summary = result as unknown as TrainSummary & { out?: string };
    streams.stdout.write(
      `done: val_accuracy ${summary.valAccuracy.toFixed(4)} val_loss ${summary.valLoss.toFixed(4)} ` +
        `in ${summary.trainSeconds.toFixed(1)} s (${Math.round(summary.samplesPerSecond)} samples/s) on ${summary.backend}` +
        `${summary.out ? `; model written to ${summary.out}` : ''}\n`,
    );
  }
}

/** The training options `pretrain` and `finetune` take alike, from the shared command-line flags. */
function trainingOptions(options: SharedOptions, reporter: ProgressReporter, learningRate: number) {
  return {
    epochs: options.epochs,
    batchSize: options.batchSize,
    learningRate,
    optimizer: options.optimizer,
    seed: options.seed,
    backend: options.backend,
    logEverySteps: reporter.usesBar ? 1 : undefined,
    onMetrics: reporter.onMetrics,
    onEpochEnd: (record: EpochRecord) => reporter.onEpochEnd(record, options.epochs),
    earlyStopping: options.patience ? { patience: options.patience } : undefined,
    checkpointDir: options.checkpointDir,
    resumeFrom: options.resume,
  };
}

async function runPretrain(options: PretrainCliOptions, streams: CliStreams): Promise<void> {
  const reporter = new ProgressReporter(streams, options.json === true);
  const backend = await selectBackend(options.backend);
  const { spec, dataset } = await loadDatasetFor(options, options.inputShape, streams, reporter);
  const learningRate = options.learningRate ?? DEFAULT_SCRATCH_LEARNING_RATE[options.optimizer];
  reporter.start(
    `pretrain ${options.architecture}`,
    options.epochs,
    dataset.train.count,
    options.batchSize,
  );
  let result;
  try {
    result = await pretrain({
      architecture: options.architecture,
      dataset,
      ...trainingOptions(options, reporter, learningRate),
    });
  } finally {
    reporter.stop();
  }
  const { model, history, summary } = result;
  let saved: FinetrackModelMetadata | undefined;
  if (options.out)
    saved = await saveModel(model, options.out, {
      kind: 'source',
      architecture: options.architecture,
      inputShape: dataset.inputShape,
      dataset: datasetRecord(dataset, spec),
      metrics: flatMetrics(summary),
      trainableParams: summary.trainableParams,
      nonTrainableParams: summary.nonTrainableParams,
      backend: backend.backend,
    });
  model.dispose();
  finish(streams, options.json, {
    command: 'pretrain',
    ...summary,
    learningRate,
    batchSize: options.batchSize,
    optimizer: options.optimizer,
    seed: options.seed,
    architecture: options.architecture,
    dataset: { name: dataset.name, hash: dataset.hash, classNames: dataset.classNames },
    warnings: dataset.warnings,
    history,
    out: options.out ? path.resolve(options.out) : undefined,
    weightsSha256: saved?.weightsSha256,
  });
}

/**
 * Weight-bearing layers up to the cut in topological order: what `--frozen-layers all` means, and
 * an upper bound checked before the dataset loads (surgery checks the exact range again).
 */
function weightBearingBelowCut(source: tf.LayersModel, cutLayer: string | undefined): number {
  const rows = describeModel(source);
  const cutIndex =
    cutLayer === undefined ? rows.length - 2 : rows.findIndex((row) => row.name === cutLayer);
  if (cutIndex < 0)
    throw new CliInputError(
      `Unknown layer '${cutLayer}'; layers are: ${rows.map((row) => row.name).join(', ')}`,
    );
  return rows.slice(0, cutIndex + 1).filter((row) => row.weightBearing).length;
}

async function runFinetune(options: FinetuneCliOptions, streams: CliStreams): Promise<void> {
  const reporter = new ProgressReporter(streams, options.json === true);
  const backend = await selectBackend(options.backend);
  const source = await loadModelDirectory(options.source);
  const sourceShape = source.model.inputs[0].shape.slice(1);
  if (sourceShape.length !== 3 || sourceShape.some((size) => size === null))
    throw new CliInputError(
      `the source model's input [${sourceShape.join(', ')}] is not an image of fixed size`,
    );
  // Check K before loading data, so a typo fails in a second rather than after the dataset loads.
  const available = weightBearingBelowCut(source.model, options.cutLayer);
  const frozenLayers = options.frozenLayers === 'all' ? available : options.frozenLayers;
  if (frozenLayers > available)
    throw new CliInputError(
      `--frozen-layers must be from 0 to ${available} (the weight-bearing layers up to the cut), got ${frozenLayers}`,
    );
  const { spec, dataset } = await loadDatasetFor(
    options,
    sourceShape as [number, number, number],
    streams,
    reporter,
  );
  const initialization = options.scratch ? 'scratch' : 'pretrained';
  const scratchRate = DEFAULT_SCRATCH_LEARNING_RATE[options.optimizer];
  // Fine-tuning defaults to a tenth of the from-scratch rate, so pretrained weights move slowly.
  const learningRate = options.learningRate ?? (options.scratch ? scratchRate : scratchRate / 10);
  if (options.scratch && frozenLayers > 0)
    streams.stderr.write('warning: --scratch with frozen layers freezes random weights\n');
  reporter.start(
    `finetune (${initialization}, ${frozenLayers} frozen)`,
    options.epochs,
    dataset.train.count,
    options.batchSize,
  );
  let result;
  try {
    result = await finetune({
      source: source.model,
      dataset,
      frozenLayers,
      initialization,
      cutLayer: options.cutLayer,
      featureCache: options.featureCache,
      ...trainingOptions(options, reporter, learningRate),
    });
  } finally {
    reporter.stop();
  }
  const { model, history, summary, surgery } = result;
  let saved: FinetrackModelMetadata | undefined;
  if (options.out)
    saved = await saveModel(model, options.out, {
      kind: 'target',
      architecture: source.metadata?.architecture ?? 'imported',
      inputShape: dataset.inputShape,
      dataset: datasetRecord(dataset, spec),
      metrics: flatMetrics(summary),
      trainableParams: summary.trainableParams,
      nonTrainableParams: summary.nonTrainableParams,
      surgery: surgery.record,
      source: { directory: source.directory, weightsSha256: source.weightsSha256 },
      backend: backend.backend,
    });
  model.dispose();
  source.model.dispose();
  finish(streams, options.json, {
    command: 'finetune',
    ...summary,
    initialization,
    learningRate,
    frozenLayers,
    batchSize: options.batchSize,
    optimizer: options.optimizer,
    seed: options.seed,
    surgery: surgery.record,
    source: { directory: source.directory, weightsSha256: source.weightsSha256 },
    dataset: { name: dataset.name, hash: dataset.hash, classNames: dataset.classNames },
    warnings: dataset.warnings,
    history,
    out: options.out ? path.resolve(options.out) : undefined,
    weightsSha256: saved?.weightsSha256,
  });
}

/** Layer rows for inspect; graphs the trainer cannot run still get a plain per-layer listing. */
function layerRows(model: tf.LayersModel) {
  try {
    return describeModel(model);
  } catch (error) {
    if (!(error instanceof ModelGraphError)) throw error;
    let weightIndex = 0;
    return model.layers.map((layer) => {
      const weightBearing = layer.weights.length > 0;
      const outputShape = layer.outputShape;
      return {
        name: layer.name,
        type: layer.getClassName(),
        outputShape: (Array.isArray(outputShape[0]) ? outputShape[0] : outputShape) as (
          number | null
        )[],
        params: layer.countParams(),
        weightBearing,
        weightIndex: weightBearing ? weightIndex++ : null,
        trainable: weightBearing && layer.trainable,
      };
    });
  }
}

async function runInspect(
  directory: string,
  options: { json?: boolean; backend?: BackendName },
  streams: CliStreams,
): Promise<void> {
  // Through selectBackend like the other commands: it caches its choice, so setting a backend
  // behind its back would leave later runs in the same process on the wrong one.
  await selectBackend(options.backend);
  const loaded: LoadedModel = await loadModelDirectory(directory);
  const layers = layerRows(loaded.model);
  const counts = parameterCounts(loaded.model);
  const report = {
    directory: loaded.directory,
    inputShape: loaded.model.inputs[0].shape.slice(1),
    layers,
    weightBearingLayers: layers.filter((layer) => layer.weightBearing).length,
    ...counts,
    parameterCount: loaded.parameterCount,
    weightsSha256: loaded.weightsSha256,
    metadata: loaded.metadata,
  };
  loaded.model.dispose();
  if (options.json) {
    streams.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const write = (text: string) => streams.stdout.write(`${text}\n`);
  const metadata = report.metadata;
  write(`model ${report.directory}`);
  if (metadata) {
    write(
      `  ${metadata.kind} model, architecture ${metadata.architecture}, created ${metadata.createdAt}`,
    );
    if (metadata.dataset)
      write(
        `  dataset ${metadata.dataset.name} (classes ${metadata.dataset.classNames.join(', ')}), sha256 ${metadata.dataset.hash.slice(0, 12)}`,
      );
    const accuracy = metadata.metrics.valAccuracy;
    if (typeof accuracy === 'number') write(`  val_accuracy ${accuracy.toFixed(4)}`);
    if (metadata.surgery)
      write(
        `  surgery: cut at ${metadata.surgery.cutLayer}, ${metadata.surgery.frozenLayers} frozen (${metadata.surgery.frozenLayerNames.join(', ') || 'none'}), ${metadata.surgery.initialization}`,
      );
  } else {
    write('  no finetrack.json: imported model');
  }
  write(
    `  input ${report.inputShape.join('×')}, ${report.trainableParams} trainable + ${report.nonTrainableParams} non-trainable parameters, weights sha256 ${report.weightsSha256.slice(0, 12)}`,
  );
  const header = ['#', 'name', 'type', 'output shape', 'params', 'weight index', 'frozen'];
  const rows = layers.map((layer, index) => [
    String(index),
    layer.name,
    layer.type,
    `[${layer.outputShape.map((size) => (size === null ? 'batch' : size)).join(', ')}]`,
    String(layer.params),
    layer.weightIndex === null ? '-' : String(layer.weightIndex),
    layer.weightBearing ? (layer.trainable ? 'no' : 'yes') : '-',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  for (const row of [header, ...rows])
    write(`  ${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}`);
}

/** The `finetrack-train` program; each call builds a fresh one so tests can run it repeatedly. */
export function createProgram(streams: CliStreams): Command {
  const program = new Command('finetrack-train')
    .description('Pretrain, fine-tune and inspect TensorFlow.js models for Finetrack')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => void streams.stdout.write(text),
      writeErr: (text) => void streams.stderr.write(text),
    })
    .showHelpAfterError('(run with --help for usage)');

  addTrainingOptions(
    program
      .command('pretrain')
      .description(
        "Train a source model from random weights. Learning rate defaults to the optimizer's usual from-scratch rate (adam 0.001, sgd/momentum 0.01).",
      ),
    5,
  )
    .addOption(
      new Option('--architecture <name>', 'model architecture')
        .choices([...ARCHITECTURES])
        .default('small-cnn'),
    )
    .option('--input-shape <HxWxC>', 'image size for folder datasets (default 64x64x3)', shape)
    .action(async (options: PretrainCliOptions) => runPretrain(options, streams));

  addTrainingOptions(
    program
      .command('finetune')
      .description(
        'Transfer from a source model: cut below its output (or at --cut-layer), attach a new softmax head, freeze the first K weight-bearing layers, train the rest. Learning rate defaults to a tenth of the from-scratch rate (the from-scratch rate with --scratch).',
      ),
    5,
  )
    .requiredOption(
      '--source <dir>',
      'source model: a folder written by pretrain, or tfjs converter output (model.json + shards)',
    )
    .option(
      '--frozen-layers <K>',
      'weight-bearing layers frozen from the input: 0 (all train) … all (only the head trains)',
      frozenLayersValue,
      0,
    )
    .option('--scratch', 'baseline: same target architecture, every weight random')
    .option('--cut-layer <name>', 'last source layer kept (default: the layer below the output)')
    .addOption(
      new Option('--feature-cache <mode>', 'reuse frozen-prefix outputs')
        .choices(['auto', 'always', 'never'])
        .default('auto'),
    )
    .action(async (options: FinetuneCliOptions) => runFinetune(options, streams));

  program
    .command('inspect')
    .description(
      "List a model's layers: type, output shape, parameters, weight-bearing index, frozen or not",
    )
    .argument('<dir>', 'model folder (or model.json)')
    .option('--json', 'print the report as one JSON object')
    .option('--backend <name>', 'tensorflow-gpu | tensorflow | wasm | cpu', backendName)
    .action(async (directory: string, options: { json?: boolean; backend?: BackendName }) =>
      runInspect(directory, options, streams),
    );

  return program;
}

/**
 * Runs the CLI with `argv` (without `node` and the script) and resolves to the exit code:
 * 0 success, 2 bad input (message on stderr), 1 anything unexpected.
 */
export async function main(
  argv: string[],
  streams: CliStreams = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const program = createProgram(streams);
  try {
    if (argv.length === 0) {
      program.outputHelp();
      return ExitCode.Usage;
    }
    await program.parseAsync(argv, { from: 'user' });
    return ExitCode.Ok;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Commander already printed the message (or the help text).
      return error.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
    }
    const name = (error as Error)?.name;
    if (BAD_INPUT_ERRORS.has(name)) {
      streams.stderr.write(`error: ${(error as Error).message}\n`);
      return ExitCode.Usage;
    }
    streams.stderr.write(`error: ${(error as Error)?.stack ?? String(error)}\n`);
    return ExitCode.Failure;
  }
}

// Run when executed directly (`node dist/cli.js …`); the bin shim imports `main` instead.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main(process.argv.slice(2));
}
