/**
 * "How much compute did a run need to reach a target accuracy", the measure behind the claim that
 * fine-tuning converges faster than training from scratch. One definition, used by the API's grid
 * and by any client that recomputes it from curves.
 */

/** By default a cell's target is this fraction of the scratch baseline's best accuracy. */
export const DEFAULT_TARGET_FRACTION_OF_SCRATCH = 0.95;

/** One epoch's end: its validation accuracy and the cumulative cost of training so far. */
export interface CostPoint {
  epoch: number;
  valAccuracy: number;
  /** Training samples seen since the run started, this epoch included. */
  samples: number;
  /** Training wall-clock seconds since the run started, this epoch included (null: unknown). */
  seconds: number | null;
  /** Estimated training FLOPs since the run started, this epoch included (null when unknown). */
  flops: number | null;
}

export interface ComputeToTarget {
  epochs: number;
  samples: number;
  seconds: number | null;
  flops: number | null;
}

/**
 * The cost at the first epoch whose validation accuracy reaches `target`, or null when the run
 * never reached it: "never reached" is an answer, not a zero. Points need not be sorted.
 */
export function computeToTarget(
  points: readonly CostPoint[],
  target: number,
): ComputeToTarget | null {
  const first = [...points]
    .sort((a, b) => a.epoch - b.epoch)
    .find((point) => Number.isFinite(point.valAccuracy) && point.valAccuracy >= target);
  return first
    ? { epochs: first.epoch, samples: first.samples, seconds: first.seconds, flops: first.flops }
    : null;
}

export interface Speedup {
  epochs: number | null;
  samples: number | null;
  seconds: number | null;
  flops: number | null;
}

const ratio = (scratch: number | null, cell: number | null): number | null =>
  scratch === null || cell === null || !(cell > 0) ? null : scratch / cell;

/**
 * Scratch's cost over the cell's cost in each unit (2 = the cell needed half): null in a unit
 * where either side never reached the target or the unit was not measured.
 */
export function speedupOverScratch(
  cell: ComputeToTarget | null,
  scratch: ComputeToTarget | null,
): Speedup {
  return {
    epochs: ratio(scratch?.epochs ?? null, cell?.epochs ?? null),
    samples: ratio(scratch?.samples ?? null, cell?.samples ?? null),
    seconds: ratio(scratch?.seconds ?? null, cell?.seconds ?? null),
    flops: ratio(scratch?.flops ?? null, cell?.flops ?? null),
  };
}
