import type { RuleProblem } from '../rules/hyperparameters.js';
import { usageError } from './exit-codes.js';

/** `learningRate` → `learning-rate`: the flag that carries a hyperparameter. */
function flagFor(field: string): string {
  return field.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * Turns the rule book's first problem into a usage error (exit code 2) that names the flag,
 * e.g. "--epochs must be an integer from 1 to 1000 (got 5000)".
 */
export function rejectRuleProblems(problems: readonly RuleProblem[], values: object): void {
  const [first] = problems;
  if (!first) return;
  const flag = `--${flagFor(first.field)}`;
  const reason = first.message.startsWith(first.field)
    ? first.message.slice(first.field.length)
    : `: ${first.message}`;
  const given = (values as Record<string, unknown>)[first.field];
  throw usageError(`${flag}${reason} (got ${String(given)})`);
}
