/**
 * The seed's claims on MNIST 5–9 with a small-cnn pretrained on MNIST 0–4: the accuracy gain of
 * the grid's best cell over scratch at 100 training samples, and the wall-seconds speed-up to
 * scratch's target (95 % of its best) at 1,000 samples, each over seeds (mean ± std).
 */
import type * as tf from '@tensorflow/tfjs';
import { computeToTarget, DEFAULT_TARGET_FRACTION_OF_SCRATCH, meanStd } from '@finetrack/shared';
import type { LoadedDataset } from '../data/dataset.js';
import { loadDataset } from '../data/load-dataset.js';
import { firstTrainSamples } from '../data/train-subset.js';
import type { EpochRecord } from '../train/types.js';
import {
  digits,
  fineTune,
  log,
  mean,
  pm,
  SCRATCH_LEARNING_RATE,
  SIZE,
  weightBearing,
  type Tuned,
} from './transfer-setup.js';

/** The demo's budget at every size (DEMO_SWEEP.epochs): a size sweep gives each size the same. */
const SMALL_EPOCHS = 3;
/** Long enough for scratch to plateau at 1,000 samples, so its target is its real best. */
const LARGE_EPOCHS = 7;
const SMALL_RATES = [3e-3, 1e-3];
const LARGE_RATES = [3e-3, 1e-3, 3e-4];

interface Cell {
  label: string;
  values: number[];
}

const rateLabel = (rate: number) => rate.toExponential(0);

/** One run per seed, one after another (each run has the machine's one thread to itself). */
async function overSeeds(train: (seed: number) => Promise<Tuned>): Promise<Tuned[]> {
  const runs: Tuned[] = [];
  for (const seed of SIZE.seeds) runs.push(await train(seed));
  return runs;
}

async function gainAt100(source: tf.LayersModel, full: LoadedDataset, depths: number[]) {
  const small = firstTrainSamples(full, 100);
  const epochs = SMALL_EPOCHS;
  const scratchCells: Cell[] = [];
  for (const learningRate of SMALL_RATES) {
    const runs = await overSeeds((seed) =>
      fineTune(source, small, { frozenLayers: 0, seed, epochs, learningRate, scratch: true }),
    );
    scratchCells.push({
      label: `scratch, LR ${rateLabel(learningRate)}`,
      values: runs.map((run) => run.best),
    });
  }
  const scratch = scratchCells[SMALL_RATES.indexOf(SCRATCH_LEARNING_RATE)]!;
  const cells: Cell[] = [];
  for (const frozenLayers of depths)
    for (const learningRate of SMALL_RATES) {
      const runs = await overSeeds((seed) =>
        fineTune(source, small, { frozenLayers, seed, epochs, learningRate }),
      );
      cells.push({
        label: `frozen ${frozenLayers}, LR ${rateLabel(learningRate)}`,
        values: runs.map((run) => run.best),
      });
    }
  log(
    `\nAt 100 samples, ${epochs} epochs (best validation accuracy over seeds ${SIZE.seeds.join(', ')})`,
  );
  for (const cell of [...scratchCells, ...cells])
    log(`  ${cell.label.padEnd(24)} ${pm(cell.values)}`);
  const byMean = (a: Cell, b: Cell) => mean(b.values) - mean(a.values);
  const best = [...cells].sort(byMean)[0]!;
  const tunedScratch = [...scratchCells].sort(byMean)[0]!;
  const paired = (baseline: Cell) => best.values.map((value, i) => value - baseline.values[i]!);
  const gains = paired(scratch);
  const gainsOverTuned = paired(tunedScratch);
  log(
    `  best cell (${best.label}) over scratch at Adam's usual ${rateLabel(SCRATCH_LEARNING_RATE)}: ${pm(gains)}; over scratch's best rate (${tunedScratch.label}): ${pm(gainsOverTuned)}`,
  );
  return { gains, gainsOverTuned, bestCell: best.label, epochs };
}

/** Cumulative cost per epoch, as the API's compute-to-target reads a run's curve. */
const costCurve = (history: EpochRecord[], trainCount: number) => {
  let seconds = 0;
  return history.map((record) => {
    seconds += record.wallSeconds;
    return {
      epoch: record.epoch,
      valAccuracy: record.valAccuracy,
      samples: record.epoch * trainCount,
      seconds,
      flops: null,
    };
  });
};

async function speedupAt1000(source: tf.LayersModel, full: LoadedDataset, depths: number[]) {
  const epochs = LARGE_EPOCHS;
  const secondsTo = (run: Tuned, target: number) =>
    computeToTarget(costCurve(run.history, full.train.count), target)?.seconds ?? null;
  const scratch = await overSeeds((seed) =>
    fineTune(source, full, { frozenLayers: 0, seed, epochs, scratch: true }),
  );
  const target = DEFAULT_TARGET_FRACTION_OF_SCRATCH * Math.max(...scratch.map((run) => run.best));
  const scratchSeconds = scratch.map((run) => secondsTo(run, target));
  log(
    `\nAt ${full.train.count} samples, ${epochs} epochs: scratch best ${pm(scratch.map((run) => run.best))}, target ${(target * 100).toFixed(1)} %, scratch reaches it in ${scratchSeconds.map((s) => (s === null ? 'never' : `${s.toFixed(1)} s`)).join(', ')}`,
  );
  let best: { label: string; speedups: number[] } | null = null;
  for (const frozenLayers of depths)
    for (const learningRate of LARGE_RATES) {
      const label = `frozen ${frozenLayers}, LR ${rateLabel(learningRate)}`;
      const cell = await overSeeds((seed) =>
        fineTune(source, full, { frozenLayers, seed, epochs, learningRate }),
      );
      // Paired by seed: scratch's seconds to the target over the cell's, where both reach it.
      const speedups = cell.flatMap((run, i) => {
        const seconds = secondsTo(run, target);
        const baseline = scratchSeconds[i];
        return seconds !== null && baseline != null ? [baseline / seconds] : [];
      });
      const reachedAll = speedups.length === cell.length;
      log(
        `  ${label.padEnd(24)} best ${pm(cell.map((run) => run.best))}, speed-up ${speedups.length ? `${pm(speedups, 2)}×` : 'never reached'}${reachedAll || !speedups.length ? '' : ` (${speedups.length} of ${cell.length} seeds)`}`,
      );
      if (reachedAll && (best === null || mean(speedups) > mean(best.speedups)))
        best = { label, speedups };
    }
  log(
    `  fastest cell reaching the target on every seed: ${best ? `${best.label}, ${pm(best.speedups, 2)}×` : 'none'}`,
  );
  return { target, epochs, bestCell: best?.label ?? null, speedups: best?.speedups ?? [] };
}

/** Both claims with `source` (small-cnn pretrained on MNIST 0–4) on MNIST 5–9. */
export async function seedClaims(source: tf.LayersModel) {
  const full = await loadDataset(digits([5, 6, 7, 8, 9], SIZE.large));
  const depths = [0, 2, weightBearing(source) - 1];
  const gain = await gainAt100(source, full, depths);
  const speedup = await speedupAt1000(source, full, depths);
  return {
    gainOverScratchAt100: { ...meanStd(gain.gains), bestCell: gain.bestCell, epochs: gain.epochs },
    gainOverTunedScratchAt100: meanStd(gain.gainsOverTuned),
    speedupToTargetAt1000:
      speedup.speedups.length > 0
        ? {
            ...meanStd(speedup.speedups),
            runs: speedup.speedups.length,
            bestCell: speedup.bestCell,
            target: speedup.target,
            epochs: speedup.epochs,
          }
        : null,
  };
}
