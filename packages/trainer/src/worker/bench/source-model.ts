import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { loadDataset } from '../../data/load-dataset.js';
import { saveModel } from '../../io/save-model.js';
import { pretrain } from '../../train/pretrain.js';
import { describeModel } from '../../model/surgery.js';
import type { LayerInfo } from '@finetrack/shared';

/** Digits 5–9, small enough that a run takes seconds on one wasm thread. */
export const TARGET_DATASET = {
  kind: 'mnist' as const,
  classes: [5, 6, 7, 8, 9],
  trainSamples: 320,
  validationSamples: 64,
  seed: 1,
};

export interface SourceModelFiles {
  directory: string;
  layers: LayerInfo[];
  trainableParams: number;
  totalParams: number;
  files: { kind: 'model-json' | 'weights' | 'model-metadata'; fileName: string; bytes: Buffer }[];
}

/** A small-cnn pretrained for one short epoch on digits 0–4, saved as Finetrack model files. */
export async function makeSourceModel(directory: string): Promise<SourceModelFiles> {
  const dataset = await loadDataset({
    kind: 'mnist',
    classes: [0, 1, 2, 3, 4],
    trainSamples: 256,
    validationSamples: 64,
    seed: 1,
  });
  const { model, summary } = await pretrain({
    architecture: 'small-cnn',
    dataset,
    epochs: 1,
    batchSize: 32,
    learningRate: 0.001,
    optimizer: 'adam',
    seed: 1,
    backend: 'wasm',
  });
  await saveModel(model, directory, {
    kind: 'source',
    architecture: 'small-cnn',
    inputShape: dataset.inputShape,
    dataset: null,
    metrics: { valAccuracy: summary.valAccuracy },
    trainableParams: summary.trainableParams,
    nonTrainableParams: summary.nonTrainableParams,
  });
  const layers = describeModel(model);
  model.dispose();
  const files = [
    { kind: 'model-json' as const, fileName: 'model.json' },
    { kind: 'weights' as const, fileName: 'weights.bin' },
    { kind: 'model-metadata' as const, fileName: 'finetrack.json' },
  ];
  return {
    directory,
    layers,
    trainableParams: summary.trainableParams,
    totalParams: summary.trainableParams + summary.nonTrainableParams,
    files: await Promise.all(
      files.map(async (file) => ({
        ...file,
        bytes: await readFile(join(directory, file.fileName)),
      })),
    ),
  };
}
