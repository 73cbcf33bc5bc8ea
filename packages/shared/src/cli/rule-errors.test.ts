import { describe, expect, it } from 'vitest';
import { hyperparameterProblems } from '../rules/hyperparameters.js';
import { ExitCode } from './exit-codes.js';
import { rejectRuleProblems } from './rule-errors.js';

describe('rejectRuleProblems', () => {
  it.each([
    [{ epochs: 5000 }, '--epochs must be an integer from 1 to 1000 (got 5000)'],
    [{ batchSize: 4097 }, '--batch-size must be an integer from 1 to 4096 (got 4097)'],
    [{ learningRate: 0 }, '--learning-rate must be finite and > 0 (got 0)'],
    [{ seed: 2 ** 31 }, '--seed must be an integer from 0 to 2147483647 (got 2147483648)'],
  ])('names the flag of %o', (values, message) => {
    expect(() => rejectRuleProblems(hyperparameterProblems(values), values)).toThrowError(
      expect.objectContaining({ message, exitCode: ExitCode.Usage }),
    );
  });

  it('passes when every rule holds', () => {
    const values = { epochs: 3, batchSize: 32, learningRate: 0.01, seed: 0, frozenLayers: 1 };
    expect(() => rejectRuleProblems(hyperparameterProblems(values), values)).not.toThrow();
  });
});
