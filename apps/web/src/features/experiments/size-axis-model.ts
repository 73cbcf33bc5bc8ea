import type { RunRow } from './grid-model';

/** The training-set sizes a sweep varies, ascending; empty when it varies none. */
export function sweepSizes(sweep: Record<string, unknown> | undefined): number[] {
  const sizes = sweep?.trainSamples;
  if (!Array.isArray(sizes)) return [];
  return [...new Set(sizes.filter((size): size is number => Number.isInteger(size)))].sort(
    (a, b) => a - b,
  );
}

/** The size the grid shows: the one asked for when the sweep has it, else the largest. */
export function activeSize(sizes: readonly number[], asked: number | null): number | null {
  if (sizes.length === 0) return null;
  return asked !== null && sizes.includes(asked) ? asked : sizes[sizes.length - 1]!;
}

/** The runs of one size (all runs when the sweep varies no size). */
export function runsOfSize(runs: readonly RunRow[], size: number | null): readonly RunRow[] {
  return size === null ? runs : runs.filter((run) => run.trainSamples === size);
}
