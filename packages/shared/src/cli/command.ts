import type { ParseArgsConfig } from 'node:util';

/** What commands read and write: the process in production, buffers in tests. */
export interface CliIo {
  env: NodeJS.ProcessEnv;
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Promise<string>;
}

export type Options = NonNullable<ParseArgsConfig['options']>;
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
