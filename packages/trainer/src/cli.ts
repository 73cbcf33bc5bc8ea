import { pathToFileURL } from 'node:url';
import { ARCHITECTURES, ExitCode, PREPROCESSINGS } from '@finetrack/shared';
import { Command, CommanderError, Option } from 'commander';
import type { BackendName } from './backend/select-backend.js';
import {
  addTrainingOptions,
  backendName,
  frozenLayersValue,
  shape,
  type FinetuneCliOptions,
  type PretrainCliOptions,
} from './cli/arguments.js';
import { runInspect } from './cli/inspect-command.js';
import type { CliStreams } from './cli/progress-reporter.js';
import { runFinetune, runPretrain } from './cli/train-commands.js';
import { trainerErrorKind } from './job/trainer-errors.js';

export type { CliStreams } from './cli/progress-reporter.js';

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
    .addOption(
      new Option(
        '--preprocessing <mode>',
        'how the source expects pixels: unit [0,1], symmetric [-1,1], caffe, torch (default: as loaded, [0,1])',
      ).choices([...PREPROCESSINGS]),
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
 * ExitCode.Ok, ExitCode.Usage for bad input (message on stderr), ExitCode.Failure otherwise.
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
    // Every trainer error blames the input (arguments, data, model files): no stack trace.
    if (trainerErrorKind(error) !== undefined) {
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
