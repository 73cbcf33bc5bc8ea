import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from './cli.js';
import { saveModel } from './io/index.js';
import { buildArchitecture } from './model/architectures.js';

const packageRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
let sandbox: string;
let untrainedSource: string;

/** Runs the CLI in this process and captures what it prints (stderr posing as a terminal or not). */
async function runWith(isTTY: boolean, argv: string[]) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: { write: (text: string) => (stdout += text) },
    stderr: { write: (text: string) => (stderr += text), isTTY },
  });
  return { code, stdout, stderr };
}

const run = (...argv: string[]) => runWith(false, argv);

function lastJsonLine(stdout: string) {
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]);
}

beforeAll(async () => {
  sandbox = await mkdtemp(path.join(tmpdir(), 'finetrack-cli-'));
  // An untrained small-cnn is enough for the failure cases: they stop before any training.
  untrainedSource = path.join(sandbox, 'untrained');
  const model = buildArchitecture('small-cnn', { inputShape: [28, 28, 1], numClasses: 5, seed: 1 });
  await saveModel(model, untrainedSource, {
    kind: 'source',
    architecture: 'small-cnn',
    inputShape: [28, 28, 1],
    dataset: null,
    metrics: {},
    trainableParams: 0,
    nonTrainableParams: 0,
  });
  model.dispose();
});

afterAll(async () => {
  await rm(sandbox, { recursive: true, force: true });
});

describe('finetrack-train --help', () => {
  it.each([
    [[], /Commands:/],
    [['--help'], /pretrain[\s\S]*finetune[\s\S]*inspect/],
    [['pretrain', '--help'], /--train-samples[\s\S]*--architecture <name>/],
    [['finetune', '--help'], /--source <dir>[\s\S]*--frozen-layers <K>[\s\S]*--scratch/],
    [['inspect', '--help'], /Usage: finetrack-train inspect \[options\] <dir>/],
  ])('%j prints usage', async (argv, pattern) => {
    const { code, stdout } = await run(...argv);
    expect(code).toBe(argv.length === 0 ? 2 : 0);
    expect(stdout).toMatch(pattern);
  });

  // turbo builds the package before its tests (packages/trainer/turbo.json), so the shim has a dist to load.
  it('runs through the bin shim of the build', () => {
    const result = spawnSync(
      process.execPath,
      [path.join(packageRoot, 'bin', 'finetrack-train.js'), 'finetune', '--help'],
      {
        encoding: 'utf8',
      },
    );
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/--frozen-layers/);
  });
});

describe('finetrack-train: bad input exits 2 with a message on stderr', () => {
  const finetune = (...extra: string[]) => [
    'finetune',
    '--source',
    untrainedSource,
    '--dataset',
    'mnist',
    '--classes',
    '5-9',
    '--train-samples',
    '64',
    '--validation-samples',
    '32',
    ...extra,
  ];
  it.each([
    [
      'an unknown dataset',
      () => ['pretrain', '--dataset', 'cifar10', '--classes', '0-4'],
      /unknown dataset "cifar10"/,
    ],
    [
      'a class out of range',
      () => ['pretrain', '--dataset', 'mnist', '--classes', '0-10'],
      /classes must be integers from 0 to 9/,
    ],
    [
      'an unreadable class list',
      () => ['pretrain', '--dataset', 'mnist', '--classes', 'five'],
      /cannot read class list/,
    ],
    [
      'an unknown architecture',
      () => ['pretrain', '--dataset', 'mnist', '--architecture', 'alexnet'],
      /Allowed choices are small-cnn/,
    ],
    [
      'zero epochs',
      () => ['pretrain', '--dataset', 'mnist', '--epochs', '0'],
      /expected a positive integer/,
    ],
    [
      '5,000 epochs (the shared rule book)',
      () => ['pretrain', '--dataset', 'mnist', '--epochs', '5000'],
      /epochs must be an integer from 1 to 1000/,
    ],
    [
      'a batch of 8,192',
      () => ['pretrain', '--dataset', 'mnist', '--batch-size', '8192'],
      /batchSize must be an integer from 1 to 4096/,
    ],
    [
      'a negative seed',
      () => ['pretrain', '--dataset', 'mnist', '--seed=-1'],
      /seed must be an integer from 0 to 2147483647/,
    ],
    [
      'a bad learning rate',
      () => ['pretrain', '--dataset', 'mnist', '--learning-rate', '-1'],
      /expected a number > 0/,
    ],
    [
      'an unknown backend',
      () => ['pretrain', '--dataset', 'mnist', '--backend', 'tpu'],
      /Unknown backend 'tpu'/,
    ],
    [
      'a missing --source',
      () => ['finetune', '--dataset', 'mnist', '--classes', '5-9'],
      /required option '--source <dir>'/,
    ],
    [
      'a missing --dataset',
      () => ['pretrain', '--classes', '0-4'],
      /required option '--dataset <dataset>'/,
    ],
    [
      'a source folder that does not exist',
      () => ['finetune', '--source', path.join(sandbox, 'nope'), '--dataset', 'mnist'],
      /does not exist/,
    ],
    [
      'K out of range',
      () => finetune('--frozen-layers', '9'),
      /--frozen-layers must be from 0 to 3 .*got 9/,
    ],
    ['an unknown cut layer', () => finetune('--cut-layer', 'conv9'), /Unknown layer 'conv9'/],
    [
      'a crop past the shared limit',
      () => finetune('--augment-crop', '0.9'),
      /crop must be a number from 0 to 0.5/,
    ],
    [
      'a rotation past the shared limit',
      () => finetune('--augment-rotation', '45'),
      /rotation must be a number from 0 to 30/,
    ],
    ['a crop that is no number', () => finetune('--augment-crop', 'some'), /expected a number/],
    [
      'an unknown preprocessing',
      () => finetune('--preprocessing', 'zscore'),
      /'--preprocessing <mode>' argument 'zscore' is invalid/,
    ],
    [
      'an ImageNet preprocessing for a grayscale source',
      () => finetune('--preprocessing', 'caffe'),
      /'caffe' preprocessing needs 3-channel \(RGB\) input/,
    ],
    [
      'a folder outside the data root',
      () => ['finetune', '--source', untrainedSource, '--dataset', 'folder:../../etc'],
      /outside the data root/,
    ],
    [
      'classes for a folder dataset',
      () => ['finetune', '--source', untrainedSource, '--dataset', 'folder:x', '--classes', '0-1'],
      /--classes does not apply to folder datasets/,
    ],
    ['an unknown command', () => ['train'], /unknown command 'train'/],
    [
      'inspect of a missing folder',
      () => ['inspect', path.join(sandbox, 'nope')],
      /does not exist/,
    ],
  ])('%s', async (_name, argv, message) => {
    const { code, stderr } = await run(...argv());
    expect(stderr).toMatch(message);
    expect(code).toBe(2);
  });
});

describe('finetrack-train finetune --augment-*', () => {
  const tune = (...extra: string[]) =>
    run(
      'finetune',
      '--source',
      untrainedSource,
      '--dataset',
      'mnist',
      '--classes',
      '5-9',
      '--train-samples',
      '64',
      '--validation-samples',
      '32',
      '--epochs',
      '1',
      '--frozen-layers',
      '2',
      '--backend',
      'wasm',
      ...extra,
    );

  it('prints that augmentation bypassed the feature cache, and that it is used without it', async () => {
    const augmented = await tune(
      '--augment-flip',
      '--augment-crop',
      '0.1',
      '--augment-rotation',
      '10',
    );
    expect(augmented.code).toBe(0);
    expect(augmented.stdout).toContain(
      'feature cache bypassed: augmentation; augmentation flip, crop 0.1, rotation 10°',
    );
    const plain = await tune('--json');
    expect(plain.code).toBe(0);
    expect(lastJsonLine(plain.stdout)).toMatchObject({
      featureCache: 'used',
      augmentation: { flip: false, crop: 0, rotation: 0 },
    });
  });
});

describe('finetrack-train: progress and imported models', () => {
  const quick = [
    '--dataset',
    'mnist',
    '--classes',
    '5-9',
    '--frozen-layers',
    'all',
    '--epochs',
    '1',
    '--train-samples',
    '96',
    '--validation-samples',
    '32',
  ];

  it('draws a progress bar when stderr is a terminal and plain epoch lines otherwise', async () => {
    const terminal = await runWith(true, ['finetune', '--source', untrainedSource, ...quick]);
    expect(terminal.code).toBe(0);
    expect(terminal.stderr).toMatch(/\| epoch 1\/1 \| loss [0-9.]+ \| 3\/3 steps/);
    expect(terminal.stdout).toMatch(/^done: val_accuracy/m);
    const piped = await run('finetune', '--source', untrainedSource, ...quick);
    expect(piped.code).toBe(0);
    expect(piped.stdout).toMatch(/^epoch 1\/1 loss [0-9.]+ accuracy [0-9.]+ val_loss/m);
    expect(piped.stdout + piped.stderr).not.toMatch(/steps/);
  });

  it('fine-tunes from and inspects tfjs converter output (sharded, no finetrack.json)', async () => {
    const converted = path.join(sandbox, 'converted');
    await mkdir(converted);
    const modelJson = JSON.parse(await readFile(path.join(untrainedSource, 'model.json'), 'utf8'));
    const weights = await readFile(path.join(untrainedSource, 'weights.bin'));
    const middle = 4 * 1000;
    await writeFile(path.join(converted, 'group1-shard1of2.bin'), weights.subarray(0, middle));
    await writeFile(path.join(converted, 'group1-shard2of2.bin'), weights.subarray(middle));
    modelJson.weightsManifest[0].paths = ['group1-shard1of2.bin', 'group1-shard2of2.bin'];
    modelJson.convertedBy = 'TensorFlow.js Converter v4.22.0';
    await writeFile(path.join(converted, 'model.json'), JSON.stringify(modelJson));

    const inspected = await run('inspect', converted);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toMatch(/no finetrack\.json: imported model/);
    // The classifier is replaced by fine-tuning, so it is not a frozen depth (the API agrees).
    expect(inspected.stdout).toMatch(
      /4 weight-bearing layers .*frozenLayers 0–3 \(below the classifier\)/,
    );
    const tuned = await run('finetune', '--source', converted, ...quick, '--json');
    expect(tuned.code).toBe(0);
    expect(lastJsonLine(tuned.stdout).frozenLayerNames).toEqual(['conv1', 'conv2', 'dense1']);
  });
});

describe('finetrack-train: image folders', () => {
  it('fine-tunes on a folder inside FINETRACK_DATA_ROOT, resized to the source input, skipping a corrupt file', async () => {
    const root = path.join(sandbox, 'data-root');
    for (const [name, colour] of [
      ['light', 230],
      ['dark', 20],
    ] as const) {
      await mkdir(path.join(root, 'shades', name), { recursive: true });
      for (let i = 0; i < 6; i++)
        await sharp({
          create: {
            width: 9,
            height: 7,
            channels: 3,
            background: { r: colour, g: colour + i, b: colour },
          },
        })
          .png()
          .toFile(path.join(root, 'shades', name, `${i}.png`));
    }
    await writeFile(path.join(root, 'shades', 'dark', 'broken.jpg'), 'not a jpeg');
    const previous = process.env.FINETRACK_DATA_ROOT;
    process.env.FINETRACK_DATA_ROOT = root;
    try {
      const { code, stdout, stderr } = await run(
        'finetune',
        '--source',
        untrainedSource,
        '--dataset',
        'folder:shades',
        '--frozen-layers',
        'all',
        '--epochs',
        '1',
        '--json',
      );
      expect(stderr).toMatch(/warning: skipped 1 unreadable image\(s\): dark\/broken\.jpg/);
      expect(code).toBe(0);
      const summary = lastJsonLine(stdout);
      expect(summary.dataset).toMatchObject({
        name: 'folder:shades',
        classNames: ['dark', 'light'],
      });
      expect(summary.frozenLayerNames).toEqual(['conv1', 'conv2', 'dense1']);
      expect(summary.trainSamples + summary.validationSamples).toBe(12);
    } finally {
      if (previous === undefined) delete process.env.FINETRACK_DATA_ROOT;
      else process.env.FINETRACK_DATA_ROOT = previous;
    }
  });
});

describe('finetrack-train: a short real run', () => {
  it('pretrains small-cnn on 2,000 digits 0–4, fine-tunes on 5–9 with the convs frozen to ≥ 0.9, and inspects', async () => {
    const source = path.join(sandbox, 'source');
    const target = path.join(sandbox, 'target');
    const common = [
      '--train-samples',
      '2000',
      '--validation-samples',
      '1000',
      '--seed',
      '1',
      '--json',
    ];
    const pretrained = await run(
      'pretrain',
      '--dataset',
      'mnist',
      '--classes',
      '0-4',
      '--architecture',
      'small-cnn',
      '--epochs',
      '1',
      '--out',
      source,
      ...common,
    );
    expect(pretrained.stderr).not.toMatch(/error/);
    expect(pretrained.code).toBe(0);
    const pretrainSummary = lastJsonLine(pretrained.stdout);
    expect(pretrainSummary).toMatchObject({
      command: 'pretrain',
      epochs: 1,
      frozenLayerNames: [],
      nonTrainableParams: 0,
    });
    expect(pretrainSummary.valAccuracy).toBeGreaterThan(0.9);

    const tuned = await run(
      'finetune',
      '--source',
      source,
      '--dataset',
      'mnist',
      '--classes',
      '5-9',
      '--frozen-layers',
      '2',
      '--learning-rate',
      '0.001',
      '--epochs',
      '2',
      '--out',
      target,
      ...common,
    );
    expect(tuned.code).toBe(0);
    const summary = lastJsonLine(tuned.stdout);
    for (const key of [
      'backend',
      'valAccuracy',
      'valLoss',
      'epochs',
      'trainSeconds',
      'samplesPerSecond',
      'frozenLayerNames',
      'trainableParams',
      'nonTrainableParams',
    ])
      expect(summary).toHaveProperty(key);
    expect(summary.frozenLayerNames).toEqual(['conv1', 'conv2']);
    expect(summary.nonTrainableParams).toBe(320 + 9248);
    expect(summary.epochs).toBe(2);
    expect(summary.valAccuracy).toBeGreaterThanOrEqual(0.9);
    // Progress lines went to stderr; stdout holds only the JSON object.
    expect(tuned.stdout.trim().split('\n')).toHaveLength(1);
    expect(tuned.stderr).toMatch(/epoch 2\/2 .*val_accuracy/);

    const record = JSON.parse(await readFile(path.join(target, 'finetrack.json'), 'utf8'));
    expect(record).toMatchObject({
      kind: 'target',
      architecture: 'small-cnn',
      dataset: { name: 'mnist[5,6,7,8,9]', classNames: ['5', '6', '7', '8', '9'] },
      surgery: {
        frozenLayers: 2,
        frozenLayerNames: ['conv1', 'conv2'],
        initialization: 'pretrained',
      },
    });
    expect(record.weightsSha256).toBe(summary.weightsSha256);

    const inspected = await run('inspect', target);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toMatch(/conv1\s+Conv2D\s+-\s+\[batch, 26, 26, 32\]\s+320\s+0\s+yes/);
    expect(inspected.stdout).toMatch(/dense1\s+Dense\s+-\s+\[batch, 128\]\s+589952\s+2\s+no/);
    const asJson = lastJsonLine((await run('inspect', target, '--json')).stdout);
    expect(
      asJson.layers.filter((layer: { weightBearing: boolean }) => layer.weightBearing),
    ).toHaveLength(4);
    expect(asJson.metadata.surgery.cutLayer).toBe('dropout2');
  }, 180_000);
});
