/**
 * A run's confusion matrix on its validation set: `counts[actual][predicted]`. The worker builds
 * it from the final evaluation, the API stores it on the run, the web draws it.
 */
export interface ConfusionMatrix {
  classNames: string[];
  counts: number[][];
}

/** Counts each (actual, predicted) pair; labels and predictions are class indices. */
export function confusionMatrix(
  classNames: readonly string[],
  actual: ArrayLike<number>,
  predicted: ArrayLike<number>,
): ConfusionMatrix {
  if (actual.length !== predicted.length)
    throw new RangeError(`${actual.length} labels but ${predicted.length} predictions`);
  const k = classNames.length;
  const counts = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  for (let i = 0; i < actual.length; i++) {
    const a = actual[i]!;
    const p = predicted[i]!;
    if (!(Number.isInteger(a) && a >= 0 && a < k && Number.isInteger(p) && p >= 0 && p < k))
      throw new RangeError(`sample ${i}: class ${a} predicted as ${p}, outside 0..${k - 1}`);
    counts[a]![p]! += 1;
  }
  return { classNames: [...classNames], counts };
}

/** Per class: the share of its samples predicted as itself (recall); null for an empty class. */
export function perClassAccuracy(matrix: ConfusionMatrix): (number | null)[] {
  return matrix.counts.map((row, i) => {
    const total = row.reduce((sum, count) => sum + count, 0);
    return total === 0 ? null : row[i]! / total;
  });
}

/** The lowest per-class accuracy with its class, what the grid shows as "worst class". */
export function worstClass(
  matrix: ConfusionMatrix,
): { className: string; accuracy: number } | null {
  let worst: { className: string; accuracy: number } | null = null;
  perClassAccuracy(matrix).forEach((accuracy, i) => {
    if (accuracy !== null && (worst === null || accuracy < worst.accuracy))
      worst = { className: matrix.classNames[i]!, accuracy };
  });
  return worst;
}
