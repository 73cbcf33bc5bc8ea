/**
 * Reference result: the Keras mnist transfer example's protocol, run with this trainer.
 * Keras (examples/mnist_transfer_cnn.py) pretrains its small CNN on digits 0–4 for 5 epochs,
 * then trains on digits 5–9 with the feature (conv) layers frozen for 5 epochs, and reports
 * 99.8 % and 99.2 % test accuracy. We run the same phases on the real MNIST files, add a
 * from-scratch run on 5–9 to show the transfer gain, and print our numbers and times beside
 * Keras'. Accuracies are on the MNIST test images of the phase's digits.
 *
 * Usage: node dist/bench/reference.js [--epochs 5] [--train-samples N] [--validation-samples N]
 *        [--batch-size 128] [--backend wasm] [--seed 1] [--out DIR] [--json]
 * Without caps this is the full protocol (≈30k training images per phase). With caps it is a
 * reduced run and says so in its output.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { parseBackendName, selectBackend } from '../backend/select-backend.js';
import { loadDataset } from '../data/load-dataset.js';
import { saveModel } from '../io/save-model.js';
import { finetune, pretrain, type TrainSummary } from '../train/index.js';

const KERAS = { source: 0.998, transfer: 0.992 };

const { values } = parseArgs({
  options: {
    epochs: { type: 'string', default: '5' },
    'train-samples': { type: 'string' },
    'validation-samples': { type: 'string' },
    'batch-size': { type: 'string', default: '128' },
    'learning-rate': { type: 'string', default: '0.001' },
    backend: { type: 'string' },
    seed: { type: 'string', default: '1' },
    out: { type: 'string' },
    json: { type: 'boolean', default: false },
  },
});

function positive(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const value = Number(text);
  if (!(value > 0) || !Number.isFinite(value)) throw new Error(`--${name} must be a number > 0`);
  return value;
}

const epochs = positive('epochs', values.epochs)!;
const trainSamples = positive('train-samples', values['train-samples']);
const validationSamples = positive('validation-samples', values['validation-samples']);
const batchSize = positive('batch-size', values['batch-size'])!;
const learningRate = positive('learning-rate', values['learning-rate'])!;
const seed = Number(values.seed);
const reduced = trainSamples !== undefined || validationSamples !== undefined || epochs !== 5;
const log = (line: string) => (values.json ? process.stderr : process.stdout).write(`${line}\n`);

interface PhaseResult {
  phase: string;
  digits: string;
  valAccuracy: number;
  valLoss: number;
  keras: number | null;
  trainSeconds: number;
  samplesPerSecond: number;
  trainSamples: number;
  validationSamples: number;
  frozenLayerNames: string[];
  featureCacheUsed: boolean;
}

function phaseResult(
  phase: string,
  digits: string,
  keras: number | null,
  summary: TrainSummary,
): PhaseResult {
  return {
    phase,
    digits,
    valAccuracy: summary.valAccuracy,
    valLoss: summary.valLoss,
    keras,
    trainSeconds: summary.trainSeconds,
    samplesPerSecond: summary.samplesPerSecond,
    trainSamples: summary.trainSamples,
    validationSamples: summary.validationSamples,
    frozenLayerNames: summary.frozenLayerNames,
    featureCacheUsed: summary.featureCacheUsed,
  };
}

const onEpochEnd =
  (label: string) => (record: { epoch: number; valAccuracy: number; wallSeconds: number }) => {
    log(
      `  ${label} epoch ${record.epoch}/${epochs}: val_accuracy ${record.valAccuracy.toFixed(4)} (${record.wallSeconds.toFixed(1)} s)`,
    );
  };

const backendName = values.backend === undefined ? undefined : parseBackendName(values.backend);
const started = performance.now();
const backend = await selectBackend(backendName);
log(
  `Keras mnist transfer protocol on ${backend.backend} (${backend.device}): ${epochs} epochs per phase, batch ${batchSize}, adam ${learningRate}` +
    (reduced
      ? ` — REDUCED run (train cap ${trainSamples ?? 'none'}, validation cap ${validationSamples ?? 'none'})`
      : ' — full protocol'),
);
const common = { trainSamples, validationSamples, seed };
const lower = await loadDataset({ kind: 'mnist', classes: [0, 1, 2, 3, 4], ...common });
const upper = await loadDataset({ kind: 'mnist', classes: [5, 6, 7, 8, 9], ...common });
const training = {
  epochs,
  batchSize,
  learningRate,
  optimizer: 'adam' as const,
  seed,
  backend: backendName,
};

log(
  `pretrain small-cnn on digits 0–4 (${lower.train.count} train / ${lower.validation.count} test)`,
);
const source = await pretrain({
  architecture: 'small-cnn',
  dataset: lower,
  ...training,
  onEpochEnd: onEpochEnd('pretrain'),
});
log(
  `transfer to digits 5–9 with the conv layers frozen (${upper.train.count} train / ${upper.validation.count} test)`,
);
const transfer = await finetune({
  source: source.model,
  dataset: upper,
  frozenLayers: 2,
  initialization: 'pretrained',
  ...training,
  onEpochEnd: onEpochEnd('transfer'),
});
log('from scratch on digits 5–9 (same target architecture, every weight random)');
const scratch = await finetune({
  source: source.model,
  dataset: upper,
  frozenLayers: 0,
  initialization: 'scratch',
  ...training,
  onEpochEnd: onEpochEnd('scratch'),
});

if (values.out) {
  for (const [name, { model, summary }, dataset, kind] of [
    ['source', source, lower, 'source'],
    ['transfer', transfer, upper, 'target'],
    ['scratch', scratch, upper, 'target'],
  ] as const)
    await saveModel(model, path.join(values.out, name), {
      kind,
      architecture: 'small-cnn',
      inputShape: dataset.inputShape,
      dataset: {
        name: dataset.name,
        hash: dataset.hash,
        classNames: dataset.classNames,
        trainSamples: dataset.train.count,
        validationSamples: dataset.validation.count,
      },
      metrics: { valAccuracy: summary.valAccuracy, valLoss: summary.valLoss },
      trainableParams: summary.trainableParams,
      nonTrainableParams: summary.nonTrainableParams,
      backend: backend.backend,
    });
}

const phases = [
  phaseResult('pretrain', '0–4', KERAS.source, source.summary),
  phaseResult('transfer (convs frozen)', '5–9', KERAS.transfer, transfer.summary),
  phaseResult('from scratch', '5–9', null, scratch.summary),
];
const totalSeconds = (performance.now() - started) / 1000;
const percent = (value: number | null) => (value === null ? '—' : `${(value * 100).toFixed(2)} %`);
log('');
log(
  `${'phase'.padEnd(26)}${'digits'.padEnd(8)}${'ours'.padStart(10)}${'Keras'.padStart(10)}${'train s'.padStart(10)}${'samples/s'.padStart(11)}`,
);
for (const phase of phases)
  log(
    `${phase.phase.padEnd(26)}${phase.digits.padEnd(8)}${percent(phase.valAccuracy).padStart(10)}${percent(phase.keras).padStart(10)}` +
      `${phase.trainSeconds.toFixed(1).padStart(10)}${Math.round(phase.samplesPerSecond).toString().padStart(11)}`,
  );
const transferGain = transfer.summary.valAccuracy - scratch.summary.valAccuracy;
log(
  `transfer gain over scratch on 5–9: ${(transferGain * 100).toFixed(2)} points; total ${totalSeconds.toFixed(0)} s`,
);

const result = {
  protocol: 'keras-mnist-transfer-cnn',
  reduced,
  backend: backend.backend,
  device: backend.device,
  epochs,
  batchSize,
  learningRate,
  optimizer: 'adam',
  seed,
  trainSamplesCap: trainSamples ?? null,
  validationSamplesCap: validationSamples ?? null,
  phases,
  transferGain,
  totalSeconds,
  finishedAt: new Date().toISOString(),
};
await mkdir('bench-results', { recursive: true });
await writeFile(
  path.join('bench-results', 'reference.json'),
  `${JSON.stringify(result, null, 2)}\n`,
);
if (values.json) process.stdout.write(`${JSON.stringify(result)}\n`);
