/**
 * Trainer benchmark: small-cnn samples/s on wasm and cpu for batch 32/64 and K = 0, 2, all;
 * the wasm goals (K=0 step ≤ 4× K=all step uncached; K=0 ≥ 30 % of wasm matMul GFLOP/s; cached
 * K=all epochs ≥ 10× faster), each wasm row next to its PyTorch peer (bench/peer_torch.py: same
 * layers, optimizer, batch, one thread); then MobileNetV2 at 224×224 (peer-sections.ts). Peak
 * memory per configuration. Prints a table; with --json the last line is one JSON object.
 * Results are also written to bench-results/ (gitignored). `--only small-cnn|mobilenet` runs
 * one part (for iterating on kernels; `--only mobilenet` prints its own JSON and writes no file).
 */
import {
  benchDatasetCache,
  DATASET_CACHE_SPEEDUP_GOAL,
  datasetCacheRows,
} from './dataset-cache.bench.js';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { selectBackend, type BackendChoice } from '../backend/select-backend.js';
import { buildArchitecture } from '../model/architectures.js';
import { performSurgery } from '../model/surgery.js';
import { makeSyntheticDataset } from '../train/synthetic-dataset.js';
import { runTrainingLoop } from '../train/training-loop.js';
import { describeTorch, mobileNetV2Section, torchPeerAvailable } from './peer-sections.js';
import { formatMemory, PeakMemoryTracker, type PeakMemory } from './peak-memory.js';
import { runTorch, type TorchResult } from './torch-peer.js';
import { cpuMilliseconds, matMulGflops, median, trainingFlopsPerSample } from './measurement.js';

const INPUT: [number, number, number] = [28, 28, 1];
const CLASSES = 10;
const json = process.argv.includes('--json');
/** `--only mobilenet` runs the MobileNetV2 rows alone, `--only small-cnn` all but them. */
const onlyIndex = process.argv.indexOf('--only');
const only = onlyIndex >= 0 ? process.argv[onlyIndex + 1] : undefined;
if (only !== undefined && only !== 'small-cnn' && only !== 'mobilenet') {
  throw new Error(`--only takes small-cnn or mobilenet, not ${String(only)}`);
}
const log = (line: string) => {
  if (!json) {
    console.log(line);
  } else {
    console.error(line);
  }
};

interface Configuration {
  backend: string;
  batchSize: number;
  frozenLayers: number;
  label: string;
  cached: boolean;
  /** From the median wall time of a step (best repetition). */
  samplesPerSecond: number;
  stepMilliseconds: number;
  /** Median process CPU time of a step (best repetition): its cost without other processes' share. */
  stepCpuMilliseconds: number;
  /** Multiply-adds ×2 per training sample for this K (forward + the gradients actually needed). */
  flopsPerSample: number;
  gflops: number;
  memory: PeakMemory;
  /** The PyTorch peer's step with the same layers, optimizer and batch (wasm rows only). */
  torch: TorchResult | null;
}

interface Measurement {
  /** Wall milliseconds of each step after the first epoch (step boundaries from per-step metrics). */
  stepWall: number[];
  /** Process CPU milliseconds of the same steps (user + system; wasm runs on one thread). */
  stepCpu: number[];
  /** Wall seconds of every epoch's training (the loop's own timing; no validation split here). */
  epochWall: number[];
  flopsPerSample: number;
  memory: PeakMemory;
}

/**
 * Runs `epochs` epochs of small-cnn after surgery with `frozenLayers` frozen and times every
 * step through the loop's every-step metrics hook: this machine is shared, so wall time is
 * inflated by other processes while this process's CPU time measures the step's own cost.
 */
async function measure(
  backendChoice: BackendChoice,
  source: tf.LayersModel,
  batchSize: number,
  frozenLayers: number,
  batchesPerEpoch: number,
  epochs: number,
  featureCache: 'always' | 'never',
): Promise<Measurement> {
  const dataset = makeSyntheticDataset({
    trainCount: batchSize * batchesPerEpoch,
    validationCount: 0,
    classes: CLASSES,
    inputShape: INPUT,
    seed: 3,
  });
  const { model } = performSurgery(source, {
    numClasses: CLASSES,
    frozenLayers,
    seed: 2,
    initialization: 'pretrained',
  });
  const measurement: Measurement = {
    stepWall: [],
    stepCpu: [],
    epochWall: [],
    flopsPerSample: 0,
    memory: { rssBytes: 0, heapUsedBytes: 0, tensorBytes: 0, wasmHeapBytes: null },
  };
  const tracker = new PeakMemoryTracker();
  let last: { wall: number; cpu: number; epoch: number } | undefined;
  const { history } = await runTrainingLoop({
    model,
    backendChoice,
    dataset,
    epochs,
    batchSize,
    learningRate: 0.001,
    optimizer: 'adam',
    seed: 4,
    featureCache,
    logEverySteps: 1,
    onMetrics: (points) => {
      if (points[0]?.key !== 'batch_loss') {
        return;
      }
      tracker.sample();
      const now = { wall: performance.now(), cpu: cpuMilliseconds(), epoch: points[0].epoch };
      if (last !== undefined && last.epoch === now.epoch && now.epoch > 1) {
        measurement.stepWall.push(now.wall - last.wall);
        measurement.stepCpu.push(now.cpu - last.cpu);
      }
      last = now;
    },
  });
  measurement.epochWall = history.map((record) => dataset.train.count / record.samplesPerSecond);
  measurement.flopsPerSample = trainingFlopsPerSample(model);
  measurement.memory = tracker.result();
  model.dispose();
  return measurement;
}

async function main(): Promise<void> {
  const configurations: Configuration[] = [];
  const torch = await torchPeerAvailable(log);
  if (only === 'mobilenet') {
    const text = JSON.stringify({
      benchmark: 'trainer',
      only,
      date: new Date().toISOString(),
      node: process.version,
      ...(await mobileNetV2Section(torch, log)),
    });
    if (json) {
      console.log(text);
    }
    return;
  }
  const backends: { name: 'wasm' | 'cpu'; batches: number }[] = [
    { name: 'wasm', batches: 6 },
    // The cpu backend's forward convolutions are naive loops: keep it to a few batches.
    { name: 'cpu', batches: 2 },
  ];
  let wasmMatMul = Number.NaN;
  let wasmMatMulCpu = Number.NaN;
  let cpuMatMul = Number.NaN;
  let cacheSpeedup = Number.NaN;
  let cacheSpeedupCpu = Number.NaN;
  let cachedEpochSeconds = Number.NaN;
  let uncachedEpochSeconds = Number.NaN;
  let device = 'cpu';
  for (const { name, batches } of backends) {
    const backendChoice = await selectBackend(name);
    device = backendChoice.device;
    const { wall: matMul, cpu: matMulCpu } = matMulGflops(name === 'wasm' ? 1024 : 256, 5);
    if (name === 'wasm') {
      wasmMatMul = matMul;
      wasmMatMulCpu = matMulCpu;
    } else {
      cpuMatMul = matMul;
    }
    log(`${name}: matMul ${matMul.toFixed(1)} GFLOP/s`);
    const source = buildArchitecture('small-cnn', { inputShape: INPUT, numClasses: 5, seed: 1 });
    const all = performSurgery(source, {
      numClasses: CLASSES,
      frozenLayers: 0,
      seed: 1,
      initialization: 'pretrained',
    }).weightBearingLayerNames.length;
    const ks = [
      [0, 'K=0'],
      [2, 'K=2'],
      [all, 'K=all'],
    ] as const;
    // Interleaved repetitions, best of each: the machine is shared, so single runs are noisy.
    const repetitions = name === 'wasm' ? 5 : 1;
    for (const batchSize of [32, 64]) {
      const best = new Map<
        number,
        { wall: number; cpu: number; flopsPerSample: number; memory: PeakMemory }
      >();
      for (let repetition = 0; repetition < repetitions; repetition += 1) {
        for (const [frozenLayers] of ks) {
          // Two epochs; steps of the second are timed (the first warms kernels and allocations).
          const result = await measure(
            backendChoice,
            source,
            batchSize,
            frozenLayers,
            batches,
            2,
            'never',
          );
          const previous = best.get(frozenLayers);
          best.set(frozenLayers, {
            wall: Math.min(previous?.wall ?? Number.POSITIVE_INFINITY, median(result.stepWall)),
            cpu: Math.min(previous?.cpu ?? Number.POSITIVE_INFINITY, median(result.stepCpu)),
            flopsPerSample: result.flopsPerSample,
            memory: result.memory,
          });
        }
      }
      for (const [frozenLayers, label] of ks) {
        const { wall, cpu, flopsPerSample, memory } = best.get(frozenLayers)!;
        // The peer: same layers, optimizer, batch, one thread (small-cnn's K = all is its 3).
        const peer =
          torch && name === 'wasm'
            ? await runTorch({ model: 'small-cnn', batchSize, frozen: frozenLayers, steps: 8 })
            : null;
        const samplesPerSecond = (1000 * batchSize) / wall;
        const configuration: Configuration = {
          backend: name,
          batchSize,
          frozenLayers,
          label,
          cached: false,
          samplesPerSecond,
          stepMilliseconds: wall,
          stepCpuMilliseconds: cpu,
          flopsPerSample,
          gflops: (flopsPerSample * samplesPerSecond) / 1e9,
          memory,
          torch: peer,
        };
        configurations.push(configuration);
        log(
          `${name} batch ${batchSize} ${label}: ${samplesPerSecond.toFixed(0)} samples/s, ` +
            `${wall.toFixed(1)} ms/step (${cpu.toFixed(1)} ms CPU), ${configuration.gflops.toFixed(2)} GFLOP/s`,
        );
        log(`  peak memory: ${formatMemory(memory)}`);
        if (peer !== null) {
          log(
            `  PyTorch: ${describeTorch(peer)} → ours ${(wall / peer.stepMilliseconds).toFixed(2)}× its step time`,
          );
        }
      }
    }
    if (name === 'wasm') {
      // Cache: K = all, batch 64; epochs after the first, cached against uncached.
      const epochs = 3;
      const batchesPerEpoch = 16;
      const withCache = (mode: 'always' | 'never') =>
        measure(backendChoice, source, 64, all, batchesPerEpoch, epochs, mode);
      const cached = await withCache('always');
      const uncached = await withCache('never');
      const later = (seconds: number[]) =>
        seconds.slice(1).reduce((sum, value) => sum + value, 0) / (epochs - 1);
      cachedEpochSeconds = later(cached.epochWall);
      uncachedEpochSeconds = later(uncached.epochWall);
      cacheSpeedup = uncachedEpochSeconds / cachedEpochSeconds;
      // CPU time is only known per step: median uncached step over median cached step.
      cacheSpeedupCpu = median(uncached.stepCpu) / median(cached.stepCpu);
      configurations.push({
        backend: name,
        batchSize: 64,
        frozenLayers: all,
        label: 'K=all cached',
        cached: true,
        samplesPerSecond: (64 * batchesPerEpoch) / cachedEpochSeconds,
        stepMilliseconds: median(cached.stepWall),
        stepCpuMilliseconds: median(cached.stepCpu),
        flopsPerSample: Number.NaN,
        gflops: Number.NaN,
        memory: cached.memory,
        torch: null,
      });
      log(
        `wasm K=all cache: first epoch ${cached.epochWall[0].toFixed(2)} s, later ${cachedEpochSeconds.toFixed(3)} s ` +
          `vs uncached ${uncachedEpochSeconds.toFixed(3)} s → ${cacheSpeedup.toFixed(1)}× (CPU time ${cacheSpeedupCpu.toFixed(1)}×)`,
      );
    }
    source.dispose();
  }
  const mobileNetV2 = only === 'small-cnn' ? {} : await mobileNetV2Section(torch, log);

  const pick = (backend: string, batchSize: number, label: string) =>
    configurations.find(
      (c) => c.backend === backend && c.batchSize === batchSize && c.label === label,
    )!;
  const ratio = (batchSize: number) =>
    pick('wasm', batchSize, 'K=0').stepMilliseconds /
    pick('wasm', batchSize, 'K=all').stepMilliseconds;
  const fullVsHeadStepRatio = ratio(64);
  const fullVsHeadStepRatioCpu =
    pick('wasm', 64, 'K=0').stepCpuMilliseconds / pick('wasm', 64, 'K=all').stepCpuMilliseconds;
  const fullGflopsRatioVsMatMul = pick('wasm', 64, 'K=0').gflops / wasmMatMul;
  const full = pick('wasm', 64, 'K=0');
  const fullGflopsRatioVsMatMulCpu =
    (full.flopsPerSample * 64) / (full.stepCpuMilliseconds / 1000) / 1e9 / wasmMatMulCpu;
  const torchStep = (batchSize: number, label: string) => {
    const row = pick('wasm', batchSize, label);
    return row.torch === null ? null : row.stepMilliseconds / row.torch.stepMilliseconds;
  };
  const smallCnnFullStepRatioVsTorch = torchStep(64, 'K=0');
  // A worker's first use of an uploaded dataset (download + index) against the cached second use.
  const datasetCache = await benchDatasetCache();
  const goals = {
    fullVsHeadStepRatio: { value: fullVsHeadStepRatio, goal: '≤ 4', met: fullVsHeadStepRatio <= 4 },
    fullGflopsRatioVsMatMul: {
      value: fullGflopsRatioVsMatMul,
      goal: '≥ 0.30',
      met: fullGflopsRatioVsMatMul >= 0.3,
    },
    cacheSpeedup: { value: cacheSpeedup, goal: '≥ 10', met: cacheSpeedup >= 10 },
    datasetCacheSpeedup: {
      value: datasetCache.datasetCacheSpeedup,
      goal: `≥ ${DATASET_CACHE_SPEEDUP_GOAL}`,
      met: datasetCache.datasetCacheSpeedup >= DATASET_CACHE_SPEEDUP_GOAL,
    },
  };
  for (const row of datasetCacheRows(datasetCache)) log(row);

  log('');
  log('backend  batch  K             samples/s   ms/step   CPU ms/step   GFLOP/s');
  for (const c of configurations) {
    const gflops = Number.isNaN(c.gflops) ? '-' : c.gflops.toFixed(2);
    log(
      [
        c.backend.padEnd(8),
        String(c.batchSize).padStart(5),
        ` ${c.label.padEnd(12)}`,
        c.samplesPerSecond.toFixed(0).padStart(10),
        c.stepMilliseconds.toFixed(1).padStart(9),
        c.stepCpuMilliseconds.toFixed(1).padStart(13),
        gflops.padStart(9),
      ].join(' '),
    );
  }
  log(
    `by CPU time: fullVsHeadStepRatio ${fullVsHeadStepRatioCpu.toFixed(3)}, ` +
      `fullGflopsRatioVsMatMul ${fullGflopsRatioVsMatMulCpu.toFixed(3)} (matMul ${wasmMatMulCpu.toFixed(1)} GFLOP/s), ` +
      `cacheSpeedup ${cacheSpeedupCpu.toFixed(1)}`,
  );
  log(`matMul GFLOP/s: wasm ${wasmMatMul.toFixed(1)}, cpu ${cpuMatMul.toFixed(2)}`);
  log(
    `smallCnnFullStepRatioVsTorch (K=0, batch 64): ${smallCnnFullStepRatioVsTorch?.toFixed(2) ?? '- (no PyTorch)'} (goal ≤ 1.3)`,
  );
  for (const [name, goal] of Object.entries(goals)) {
    log(`${name}: ${goal.value.toFixed(3)} (goal ${goal.goal}) ${goal.met ? 'met' : 'MISSED'}`);
  }

  const result = {
    benchmark: 'trainer',
    date: new Date().toISOString(),
    device,
    node: process.version,
    fullVsHeadStepRatio,
    fullVsHeadStepRatioBatch32: ratio(32),
    fullVsHeadStepRatioCpu,
    fullGflopsRatioVsMatMulCpu,
    matMulGflopsByCpuTime: wasmMatMulCpu,
    cacheSpeedupCpu,
    fullGflopsRatioVsMatMul,
    cacheSpeedup,
    datasetCacheSpeedup: datasetCache.datasetCacheSpeedup,
    datasetCache,
    cachedEpochSeconds,
    uncachedEpochSeconds,
    matMulGflops: { wasm: wasmMatMul, cpu: cpuMatMul },
    goals,
    samplesPerSecond: Object.fromEntries(
      configurations.map((c) => [
        `${c.backend}/batch${c.batchSize}/${c.label.replace(' ', '-')}`,
        c.samplesPerSecond,
      ]),
    ),
    smallCnnFullStepRatioVsTorch,
    smallCnnStepRatioVsTorch: Object.fromEntries(
      [32, 64].flatMap((batchSize) =>
        ['K=0', 'K=2', 'K=all'].map((label) => [
          `batch${batchSize}/${label}`,
          torchStep(batchSize, label),
        ]),
      ),
    ),
    ...mobileNetV2,
    configurations,
  };
  const directory = join(process.cwd(), 'bench-results');
  await mkdir(directory, { recursive: true });
  const text = JSON.stringify(result);
  await writeFile(
    join(directory, `trainer-${result.date.replace(/[:.]/g, '-')}.json`),
    `${text}\n`,
  );
  await writeFile(join(directory, 'trainer-latest.json'), `${text}\n`);
  if (json) {
    console.log(text);
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
