import { mkdtemp, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ApiError } from '@finetrack/shared/client';
import { describe, expect, it } from 'vitest';
import { DatasetError, DatasetErrorCode } from '../data/dataset-error.js';
import { ModelFileError, ModelFileErrorCode } from '../io/model-file-error.js';
import { SurgeryError, SurgeryErrorCode } from '../model/surgery.js';
import type { TrainSummary } from '../train/types.js';
import { checkHealth, HEARTBEAT_FILE, writeHeartbeat } from './health.js';
import { describeFailure, runSummary } from './run-outcome.js';
import { epochEndsWithin } from './run-stop.js';

describe('describeFailure', () => {
  it.each([
    [
      new ModelFileError(ModelFileErrorCode.SizeMismatch, 'weights.bin has 100 bytes'),
      "The source model's files are unusable (WEIGHT_SIZE_MISMATCH): weights.bin has 100 bytes",
    ],
    [
      new DatasetError(DatasetErrorCode.InvalidSpec, 'classes must list at least two classes'),
      'The dataset cannot be loaded (INVALID_DATASET_SPEC): classes must list at least two classes',
    ],
    [
      new SurgeryError(SurgeryErrorCode.FrozenLayersOutOfRange, 'frozenLayers must be 0–4'),
      'Model surgery failed (FROZEN_LAYERS_OUT_OF_RANGE): frozenLayers must be 0–4',
    ],
    [
      new ApiError('BAD_USER_INPUT', 'layers is empty'),
      'The API refused a worker call (BAD_USER_INPUT): layers is empty',
    ],
    [new RangeError('Invalid array length'), 'Training failed: RangeError: Invalid array length'],
  ])('%s', (error, text) => {
    expect(describeFailure(error)).toBe(text);
  });

  it('is one bounded line without a stack', () => {
    const text = describeFailure(new Error('x'.repeat(10_000)));
    expect(text.length).toBe(4000);
    expect(text).not.toMatch(/\n/);
  });
});

describe('epochEndsWithin', () => {
  it.each([
    [45, 50, 100, true], // 5 steps × 100 ms = 0.5 s ≤ 1 s
    [10, 50, 100, false], // 40 steps = 4 s
    [50, 50, 100, true], // exactly at the boundary
    [10, 50, undefined, false], // no rate yet
  ])('step %i of %i at %s ms/step', (step, stepsPerEpoch, msPerStep, expected) => {
    expect(epochEndsWithin(1000, step, stepsPerEpoch, msPerStep)).toBe(expected);
  });
});

describe('runSummary', () => {
  it('maps the trainer summary and sums wall time over resumed epochs; NaN becomes null', () => {
    const summary = {
      valAccuracy: 0.9,
      valLoss: Number.NaN,
      bestValAccuracy: 0.95,
      bestValLoss: 0.2,
      bestEpoch: 2,
      samplesPerSecond: 500,
      featureCache: 'bypassed: augmentation',
    } as TrainSummary;
    const history = [{ wallSeconds: 1.5 }, { wallSeconds: 2 }] as never;
    expect(runSummary(summary, history, { backend: 'wasm', device: 'cpu' })).toEqual({
      bestValAccuracy: 0.95,
      lastValAccuracy: 0.9,
      bestValLoss: 0.2,
      lastValLoss: null,
      bestEpoch: 2,
      wallSeconds: 3.5,
      samplesPerSecond: 500,
      backend: 'wasm',
      device: 'cpu',
      featureCache: 'BYPASSED_AUGMENTATION',
    });
  });
});

describe('healthcheck', () => {
  it('is healthy only with a recent heartbeat file', async () => {
    const directory = await mkdtemp(join(tmpdir(), 'health-'));
    try {
      expect((await checkHealth(directory, 60_000)).healthy).toBe(false);
      await writeHeartbeat(directory, {
        pid: 42,
        workerId: 'host:42:abc',
        state: 'running',
        runId: 'run-1',
        at: new Date().toISOString(),
      });
      expect(await checkHealth(directory, 60_000)).toMatchObject({
        healthy: true,
        message: expect.stringMatching(/pid 42, running run run-1/),
      });
      const old = new Date(Date.now() - 120_000);
      await utimes(join(directory, HEARTBEAT_FILE), old, old);
      expect((await checkHealth(directory, 60_000)).healthy).toBe(false);
    } finally {
      await rm(directory, { recursive: true, force: true });
    }
  });
});
