import {
  cumulativeTrainingFlops,
  DEFAULT_TARGET_FRACTION_OF_SCRATCH,
  speedupOverScratch,
  trainingFlopsPerSample,
  type ComputeToTarget,
  type LayerInfo,
} from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { ComputeToTargetStats, SpeedupOverScratch } from './grid.types.js';

/** The validation metric the target is on: the seed's claim is about accuracy. */
const TARGET_METRIC = 'val_accuracy';

interface HitRow {
  initialization: string;
  frozen_layers: number;
  learning_rate: number;
  train_samples: number | null;
  /** First epoch at or above the target, or null (never reached). */
  epoch: number | null;
  seconds: number | null;
}

export interface GridCompute {
  /** The validation accuracy every run is measured against; null without a scratch baseline. */
  target: number | null;
  /** By cell key `frozenLayers_learningRate`; stats are null when no run of the cell reached it. */
  cells: Map<string, { stats: ComputeToTargetStats | null; speedup: SpeedupOverScratch }>;
  scratch: ComputeToTargetStats | null;
}

export const cellKey = (frozenLayers: number, learningRate: number) =>
  `${frozenLayers}_${learningRate}`;

const mean = (values: (number | null)[]): number | null => {
  const known = values.filter((value): value is number => value !== null);
  return known.length === values.length && known.length > 0
    ? known.reduce((sum, value) => sum + value, 0) / known.length
    : null;
};

function aggregate(hits: ComputeToTarget[], totalRuns: number): ComputeToTargetStats | null {
  if (hits.length === 0) return null;
  return {
    epochs: mean(hits.map((hit) => hit.epochs))!,
    samples: mean(hits.map((hit) => hit.samples))!,
    seconds: mean(hits.map((hit) => hit.seconds)),
    flops: mean(hits.map((hit) => hit.flops)),
    reachedRuns: hits.length,
    totalRuns,
  };
}

/**
 * Compute to reach a target validation accuracy for every run of one grid (one training-set
 * size), aggregated per cell, with the speed-up over the scratch baseline in each unit. The
 * target is `target` when given, else DEFAULT_TARGET_FRACTION_OF_SCRATCH of the best accuracy
 * any scratch run of this size reached. The validation metric is logged once per epoch (workers
 * at the epoch's last global step, scripts usually at step = epoch), so the epoch of a point is
 * its rank in the curve; samples come from the run's training-set size
 * (or the dataset's), FLOPs from the source model's layer table (training-flops.ts), assuming the
 * frozen prefix is cached, as the trainer does for every fine-tuning run with frozen layers.
 */
export async function gridCompute(
  dataSource: DataSource,
  options: {
    experimentId: string;
    trainSamples: number | null;
    datasetTrainSamples: number;
    layers: readonly LayerInfo[];
    target?: number | null;
  },
): Promise<GridCompute> {
  const { experimentId, trainSamples } = options;
  let target = options.target ?? null;
  if (target === null) {
    const [row] = await dataSource.query(
      `SELECT max(c.high[1]) AS best FROM runs r
         JOIN metric_chunks c ON c.run_id = r.id AND c.key = $3
        WHERE r.experiment_id = $1 AND r.initialization = 'scratch'
          AND r.train_samples IS NOT DISTINCT FROM $2::int`,
      [experimentId, trainSamples, TARGET_METRIC],
    );
    target =
      row?.best === null || row?.best === undefined
        ? null
        : DEFAULT_TARGET_FRACTION_OF_SCRATCH * row.best;
  }
  if (target === null) return { target, cells: new Map(), scratch: null };
  const rows: HitRow[] = await dataSource.query(
    `SELECT r.initialization, r.frozen_layers, r.learning_rate, r.train_samples,
            CASE WHEN hit.step IS NOT NULL THEN
              (SELECT count(*)::int FROM metric_points q
                WHERE q.run_id = r.id AND q.key = $4 AND q.step <= hit.step) END AS epoch,
            hit.wall_time - extract(epoch FROM r.started_at) AS seconds
       FROM runs r
       LEFT JOIN LATERAL (
         SELECT p.step, p.wall_time FROM metric_points p
          WHERE p.run_id = r.id AND p.key = $4 AND p.value >= $3
          ORDER BY p.step LIMIT 1
       ) hit ON true
      WHERE r.experiment_id = $1 AND r.train_samples IS NOT DISTINCT FROM $2::int`,
    [experimentId, trainSamples, target, TARGET_METRIC],
  );
  const groups = new Map<string, { hits: ComputeToTarget[]; total: number }>();
  for (const row of rows) {
    const scratch = row.initialization === 'scratch';
    const key = scratch ? 'scratch' : cellKey(row.frozen_layers, row.learning_rate);
    const group = groups.get(key) ?? { hits: [], total: 0 };
    groups.set(key, group);
    group.total += 1;
    if (row.epoch === null) continue;
    const samplesPerEpoch = row.train_samples ?? options.datasetTrainSamples;
    const frozen = scratch ? 0 : row.frozen_layers;
    const perSample = trainingFlopsPerSample(options.layers, frozen);
    group.hits.push({
      epochs: row.epoch,
      samples: row.epoch * samplesPerEpoch,
      seconds: row.seconds === null ? null : Math.max(0, Number(row.seconds)),
      flops:
        options.layers.length === 0
          ? null
          : cumulativeTrainingFlops(perSample, samplesPerEpoch, row.epoch, frozen > 0),
    });
  }
  const scratchGroup = groups.get('scratch');
  const scratch = scratchGroup ? aggregate(scratchGroup.hits, scratchGroup.total) : null;
  const cells: GridCompute['cells'] = new Map();
  for (const [key, group] of groups) {
    if (key === 'scratch') continue;
    const stats = aggregate(group.hits, group.total);
    cells.set(key, { stats, speedup: speedupOverScratch(stats, scratch) });
  }
  return { target, cells, scratch };
}

const NO_SPEEDUP: SpeedupOverScratch = { epochs: null, samples: null, seconds: null, flops: null };

/**
 * A cell's speed-up fields: every unit, and the headline one (wall seconds, or samples seen where
 * seconds are unknown); all null when the grid has no target.
 */
export function speedups(
  target: number | null,
  cell: { speedup: SpeedupOverScratch } | undefined,
): { speedupOverScratch: number | null; speedupsOverScratch: SpeedupOverScratch | null } {
  if (target === null) return { speedupOverScratch: null, speedupsOverScratch: null };
  const units = cell?.speedup ?? NO_SPEEDUP;
  return { speedupOverScratch: units.seconds ?? units.samples, speedupsOverScratch: units };
}
