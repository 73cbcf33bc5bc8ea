/**
 * What the transfer benchmark's two parts share: sizes, datasets, the fine-tuning budget and the
 * statistics they print.
 */
import type * as tf from '@tensorflow/tfjs';
import { meanStd, type Architecture, type DatasetSpec } from '@finetrack/shared';
import type { LoadedDataset } from '../data/dataset.js';
import { loadDataset } from '../data/load-dataset.js';
import { isWeightBearing, modelGraph } from '../model/graph.js';
import { finetune } from '../train/finetune.js';
import { pretrain } from '../train/pretrain.js';
import type { EpochRecord } from '../train/types.js';

export const json = process.argv.includes('--json');
export const quick = process.argv.includes('--quick');
/** With --json only the result goes to stdout; the table goes to stderr. */
export const log = (line: string) => (json ? console.error(line) : console.log(line));

export const SIZE = quick
  ? {
      pretrain: 1500,
      claimsPretrain: 3000,
      pretrainEpochs: 2,
      target: 300,
      epochs: 3,
      seeds: [0, 1],
      large: 600,
    }
  : {
      pretrain: 4000,
      claimsPretrain: 12000,
      pretrainEpochs: 3,
      target: 600,
      epochs: 5,
      seeds: [0, 1, 2],
      large: 1000,
    };

export const COMMON = { batchSize: 32, optimizer: 'adam' as const };
/** Adam's usual from-scratch rate, the demo's `scratchLearningRate`. */
export const SCRATCH_LEARNING_RATE = 1e-3;

export interface Source {
  name: string;
  model: tf.LayersModel;
}

const split = (
  kind: 'mnist' | 'fashion-mnist',
  classes: number[],
  trainSamples: number,
): DatasetSpec => ({
  kind,
  classes,
  trainSamples,
  validationSamples: 500,
  seed: 1,
});
export const digits = (classes: number[], trainSamples: number) =>
  split('mnist', classes, trainSamples);
export const garments = (classes: number[], trainSamples: number) =>
  split('fashion-mnist', classes, trainSamples);

export async function trainedSource(
  name: string,
  architecture: Architecture,
  spec: DatasetSpec,
): Promise<Source> {
  const dataset = await loadDataset(spec);
  const { model } = await pretrain({
    ...COMMON,
    learningRate: 1e-3,
    dataset,
    architecture,
    epochs: SIZE.pretrainEpochs,
    seed: 7,
  });
  return { name, model };
}

export const weightBearing = (model: tf.LayersModel) =>
  modelGraph(model).filter((node) => isWeightBearing(node.layer)).length;

export interface Tuned {
  best: number;
  history: EpochRecord[];
  seconds: number;
}

/**
 * One fine-tuning run: the first `frozenLayers` weight-bearing layers frozen, or (`scratch`) a
 * baseline of the same target architecture from random weights at Adam's usual rate.
 */
export async function fineTune(
  source: tf.LayersModel,
  dataset: LoadedDataset,
  options: {
    frozenLayers: number;
    seed: number;
    epochs: number;
    learningRate?: number;
    scratch?: boolean;
  },
): Promise<Tuned> {
  const started = performance.now();
  const result = await finetune({
    ...COMMON,
    learningRate: options.learningRate ?? SCRATCH_LEARNING_RATE,
    dataset,
    source,
    epochs: options.epochs,
    seed: options.seed,
    frozenLayers: options.scratch ? 0 : options.frozenLayers,
    initialization: options.scratch ? 'scratch' : 'pretrained',
  });
  result.model.dispose();
  return {
    best: result.summary.bestValAccuracy,
    history: result.history,
    seconds: (performance.now() - started) / 1000,
  };
}

/** The mean of a list the benchmark never leaves empty (seeds, targets). */
export const mean = (values: number[]) => meanStd(values).mean!;
/** "mean ± std" (std 0 for a single value). */
export const formatMeanStd = (
  { mean: m, std }: { mean: number | null; std: number | null },
  digitsAfter = 3,
) => `${m?.toFixed(digitsAfter) ?? '–'} ± ${(std ?? 0).toFixed(digitsAfter)}`;
/** "mean ± std" of a list over seeds (shared's sample std). */
export const pm = (values: number[], digitsAfter = 3) =>
  formatMeanStd(meanStd(values), digitsAfter);
