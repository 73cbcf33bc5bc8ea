/**
 * Mean and sample standard deviation (n − 1; null under two values) over seeds, as the API's
 * grid computes them in SQL (avg, stddev_samp): the web's grid cells and the trainer's
 * benchmarks print the same "mean ± std".
 */
export function meanStd(values: readonly number[]): { mean: number | null; std: number | null } {
  if (values.length === 0) return { mean: null, std: null };
  const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
  if (values.length < 2) return { mean, std: null };
  const variance =
    values.reduce((sum, value) => sum + (value - mean) ** 2, 0) / (values.length - 1);
  return { mean, std: Math.sqrt(variance) };
}
