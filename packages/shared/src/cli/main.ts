import { parseArgs } from 'node:util';
import type { CliIo, Command } from './command.js';
import { COMMANDS } from './commands/index.js';
import { describeFailure, ExitCode, usageError } from './exit-codes.js';

export { ExitCode } from './exit-codes.js';
export type { CliIo } from './command.js';

const width = Math.max(...COMMANDS.map((command) => command.name.length));

export const MAIN_HELP = `Usage: finetrack <command> [options]

Query Finetrack and log runs from any training script.

Commands:
${COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`).join('\n')}

Run "finetrack <command> --help" for a command's options.

Environment:
  FINETRACK_API, FINETRACK_TOKEN   the API and token; they win over what login stored
  FINETRACK_CONFIG_DIR             where login stores them (default $XDG_CONFIG_HOME/finetrack
                                   or ~/.config/finetrack)

Exit codes:
  0  success
  1  the API failed the operation or could not be reached (after retries)
  2  bad options or input: a malformed file or non-numeric value (then nothing is sent),
     or BAD_USER_INPUT from the API
  3  not logged in, or the token is invalid, expired or revoked, or lacks the right
  4  the project, experiment or run does not exist (or is not yours)

Data goes to stdout, messages and errors to stderr.`;

const isHelp = (argument: string | undefined) =>
  argument === '--help' || argument === '-h' || argument === 'help';

/** The command named by the first one or two arguments, and the arguments after its name. */
function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  const two = COMMANDS.find((command) => command.name === `${argv[0]} ${argv[1]}`);
  if (two) return { command: two, rest: argv.slice(2) };
  const one = COMMANDS.find((command) => command.name === argv[0]);
  return one ? { command: one, rest: argv.slice(1) } : undefined;
}

async function dispatch(argv: string[], io: CliIo): Promise<void> {
  if (argv.length === 0 || isHelp(argv[0])) {
    io.stdout(`${MAIN_HELP}\n`);
    return;
  }
  if (argv[0] === '--version') {
    io.stdout('0.1.0\n');
    return;
  }
  const found = findCommand(argv);
  if (!found) {
    const group = COMMANDS.filter((command) => command.name.startsWith(`${argv[0]} `));
    if (group.length > 0 && (argv.length === 1 || isHelp(argv[1]))) {
      io.stdout(
        `${group.map((command) => `finetrack ${command.name}: ${command.summary}`).join('\n')}\n`,
      );
      if (argv.length === 1) throw usageError(`"${argv[0]}" needs a sub-command`);
      return;
    }
    throw usageError(`unknown command "${argv.slice(0, group.length > 0 ? 2 : 1).join(' ')}"`);
  }
  const { command, rest } = found;
  if (rest.some((argument) => argument === '--help' || argument === '-h')) {
    io.stdout(`${command.help}\n`);
    return;
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: command.options,
      allowPositionals: command.positionals[1] > 0,
      strict: true,
    });
  } catch (error) {
    throw usageError((error as Error).message);
  }
  const [minimum, maximum] = command.positionals;
  if (parsed.positionals.length < minimum)
    throw usageError(`missing argument: ${command.help.split('\n')[0]}`);
  if (parsed.positionals.length > maximum)
    throw usageError(`unexpected argument "${parsed.positionals[maximum]}"`);
  await command.run(parsed.values, parsed.positionals, io);
}

/** Runs the command line and returns the exit code; never throws. */
export async function main(argv: string[], io: CliIo): Promise<number> {
  try {
    await dispatch(argv, io);
    return ExitCode.Ok;
  } catch (error) {
    const { exitCode, message } = describeFailure(error);
    io.stderr(`finetrack: ${message}\n`);
    if (exitCode === ExitCode.Usage && !(error instanceof Error && error.name === 'ApiError'))
      io.stderr('run "finetrack --help" for usage\n');
    return exitCode;
  }
}

/** `main` wired to this process's streams and environment. */
export function processIo(): CliIo {
  return {
    env: process.env,
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
    async readStdin() {
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    },
  };
}
