import { readFile } from 'node:fs/promises';
import type { CliIo, Options, Values } from './command.js';
import { usageError } from './exit-codes.js';
import { OUTPUT_FORMATS, type OutputFormat } from './output.js';

// Option readers shared by the commands: each throws a usage error (exit 2) naming the option.

export const formatOption = { format: { type: 'string', default: 'table' } } satisfies Options;
export const FORMAT_HELP = '  --format table|csv|json   output format (default table)';

export function format(values: Values): OutputFormat {
  const value = values.format as string;
  if (!(OUTPUT_FORMATS as readonly string[]).includes(value))
    throw usageError(`--format must be one of ${OUTPUT_FORMATS.join(', ')} (got "${value}")`);
  return value as OutputFormat;
}

export function required(values: Values, name: string): string {
  const value = values[name];
  if (typeof value !== 'string' || value === '') throw usageError(`--${name} is required`);
  return value;
}

export function integerOption(values: Values, name: string, minimum: number): number | undefined {
  const text = values[name];
  if (text === undefined) return undefined;
  const value = typeof text === 'string' && /^[+-]?\d+$/.test(text) ? Number(text) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < minimum)
    throw usageError(`--${name} must be an integer ≥ ${minimum} (got "${String(text)}")`);
  return value;
}

export function choiceOption<T extends string>(
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

/** A file's text, or stdin for "-". */
export async function readText(path: string, io: CliIo): Promise<string> {
  if (path === '-') return io.readStdin();
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw usageError(`cannot read ${path}${code ? ` (${code})` : ''}`);
  }
}
