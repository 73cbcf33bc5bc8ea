/**
 * A run's confusion matrix on its validation set: `counts[actual][predicted]`. The worker builds
 * it from the final evaluation, the API stores it on the run, the web draws it.
 */
export interface ConfusionMatrix {
  classNames: string[];
  counts: number[][];
}

/**
 * Most classes a stored confusion matrix has (40,000 cells); a run on more classes stores none,
 * only its accuracies. One definition for the worker, the API's check and its cost model.
 */
export const MAX_CONFUSION_MATRIX_CLASSES = 200;
/** Largest count one cell may hold: more validation samples than any dataset Finetrack takes. */
const MAX_CELL_COUNT = 1_000_000_000;

/**
 * What is wrong with a confusion matrix a worker sends, or null: one row and one column per class
 * of the run's dataset (`classCount`), counts whole and non-negative.
 */
export function confusionMatrixProblem(
  matrix: { classNames: readonly string[]; counts: readonly (readonly number[])[] },
  classCount: number,
): string | null {
  const k = matrix.classNames.length;
  if (k > MAX_CONFUSION_MATRIX_CLASSES)
    return `a confusion matrix has at most ${MAX_CONFUSION_MATRIX_CLASSES} classes`;
  if (k !== classCount) return `the matrix has ${k} classes but the dataset has ${classCount}`;
  if (matrix.counts.length !== k || matrix.counts.some((row) => row.length !== k))
    return `counts must be ${k} rows of ${k} counts`;
  if (
    matrix.counts.some((row) =>
      row.some((count) => !(Number.isInteger(count) && count >= 0 && count <= MAX_CELL_COUNT)),
    )
  )
    return 'counts must be whole numbers ≥ 0';
  return null;
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
