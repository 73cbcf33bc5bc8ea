import * as tf from '@tensorflow/tfjs';
import { RunKind } from '@finetrack/shared';
import type { ClaimedJob } from './worker-api.js';
import { describe, expect, it } from 'vitest';
import type { LoadedDataset } from '../data/dataset.js';
import type { JobResult } from '../job/job-spec.js';
import { completedModel, jobSpecFromClaim } from './claim-job.js';

const hyperparameters = {
  frozenLayers: 2,
  learningRate: 0.0001,
  epochs: 3,
  batchSize: 16,
  optimizer: 'adam',
  seed: 7,
  initialization: 'pretrained',
  trainSamples: null,
} as const;
const dataset = { inputShape: [28, 28, 1] } as unknown as LoadedDataset;
const spec = {
  name: 'mnist',
  classes: [5, 6, 7, 8, 9],
} as unknown as ClaimedJob['dataset']['spec'];

function aClaim(overrides: Partial<ClaimedJob>): ClaimedJob {
  return {
    runId: 'run-1',
    kind: RunKind.FINETUNE,
    hyperparameters,
    architecture: null,
    dataset: { id: 'dataset-1', name: 'digits 5–9', spec, classNames: [] },
    sourceModel: {
      id: 'model-1',
      name: 'source',
      architecture: 'small-cnn',
      inputShape: [28, 28, 1],
      artifacts: [],
    },
    resume: null,
    targetModelName: 'target',
    ...overrides,
  } as ClaimedJob;
}

describe('jobSpecFromClaim', () => {
  it('turns a FINETUNE claim into a fine-tune job that saves only the validation metrics', () => {
    const source = tf.sequential();
    const sut = jobSpecFromClaim(aClaim({}), { source, dataset }, { modelDir: '/runs/1/model' });
    expect(sut).toMatchObject({
      kind: 'finetune',
      source: {
        model: source,
        architecture: 'small-cnn',
        record: { directory: 'model:model-1', weightsSha256: null },
      },
      frozenLayers: 2,
      initialization: 'pretrained',
      dataset,
      datasetSpec: spec,
      training: { epochs: 3, batchSize: 16, learningRate: 0.0001, optimizer: 'adam', seed: 7 },
      save: { directory: '/runs/1/model', metrics: 'validation' },
    });
  });

  it('trains a run of a size sweep on the first trainSamples samples of the split', () => {
    const full = {
      name: 'digits',
      inputShape: [2, 2, 1],
      classNames: ['a', 'b'],
      train: { images: new Float32Array(40), labels: new Int32Array(10), count: 10 },
      validation: { images: new Float32Array(8), labels: new Int32Array(2), count: 2 },
      hash: 'h',
      warnings: [],
    } satisfies LoadedDataset as LoadedDataset;
    const claim = aClaim({ hyperparameters: { ...hyperparameters, trainSamples: 4 } });
    const sut = jobSpecFromClaim(
      claim,
      { source: tf.sequential(), dataset: full },
      { modelDir: 'm' },
    );
    expect(sut.dataset.train.count).toBe(4);
    expect(sut.dataset.train.images).toHaveLength(16);
    expect(sut.dataset.validation).toBe(full.validation);
  });

  it('hands the run’s augmentation to the job', () => {
    const augmentation = { flip: true, crop: 0.2, rotation: 12 };
    const sut = jobSpecFromClaim(
      aClaim({ hyperparameters: { ...hyperparameters, augmentation } }),
      { source: tf.sequential(), dataset },
      { modelDir: 'm' },
    );
    expect(sut.training.augmentation).toEqual(augmentation);
  });

  it('hands the source model’s preprocessing to the job, and none for unit scaling', () => {
    const source = tf.sequential();
    const claim = (preprocessing: string) =>
      aClaim({ sourceModel: { ...aClaim({}).sourceModel!, preprocessing } as never });
    expect(
      jobSpecFromClaim(claim('SYMMETRIC'), { source, dataset }, { modelDir: 'm' }),
    ).toMatchObject({ preprocessing: 'symmetric' });
    expect(
      jobSpecFromClaim(claim('UNIT'), { source, dataset }, { modelDir: 'm' }),
    ).not.toHaveProperty('preprocessing');
  });

  it('turns a PRETRAIN claim into a pretrain job of its architecture', () => {
    const claim = aClaim({ kind: RunKind.PRETRAIN, architecture: 'vgg-mini', sourceModel: null });
    expect(jobSpecFromClaim(claim, { dataset }, { modelDir: 'm' })).toMatchObject({
      kind: 'pretrain',
      architecture: 'vgg-mini',
      training: { epochs: 3 },
    });
  });
});

describe('completedModel', () => {
  const result = (kind: 'source' | 'target') =>
    ({
      model: {
        kind,
        architecture: 'small-cnn',
        inputShape: [28, 28, 1],
        layers: [
          {
            name: 'head',
            type: 'Dense',
            outputShape: [null, 5],
            params: 85,
            weightBearing: true,
            weightIndex: 0,
            trainable: true,
          },
        ],
        totalParams: 85,
        trainableParams: 85,
        nonTrainableParams: 0,
        surgery:
          kind === 'target'
            ? {
                cutLayer: 'flatten',
                headUnits: 5,
                frozenLayers: 2,
                frozenLayerNames: ['c1', 'c2'],
                learningRate: 0.0001,
                initialization: 'scratch',
              }
            : null,
      },
      saved: { weightsSha256: 'abc' },
    }) as unknown as JobResult;

  it('records a target with its parent and surgery (enum in upper case)', () => {
    expect(completedModel(aClaim({}), result('target'), ['a1', 'a2'])).toMatchObject({
      name: 'target',
      kind: 'TARGET',
      layers: [expect.objectContaining({ name: 'head', outputShape: [-1, 5] })],
      totalParams: 85,
      weightsSha256: 'abc',
      datasetId: 'dataset-1',
      parentModelId: 'model-1',
      surgery: expect.objectContaining({ initialization: 'SCRATCH' }),
      artifactIds: ['a1', 'a2'],
    });
  });

  it('records a source without parent or surgery', () => {
    const claim = aClaim({ kind: RunKind.PRETRAIN, sourceModel: null });
    expect(completedModel(claim, result('source'), [])).toMatchObject({
      kind: 'SOURCE',
      parentModelId: null,
      surgery: null,
    });
  });
});
