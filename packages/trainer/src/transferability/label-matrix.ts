/**
 * The inputs the transferability estimators share: n rows of features or source-head
 * probabilities, each with a target label in 0..classes-1. Row-major, float64 so that the sums
 * over thousands of samples do not lose digits.
 */
export interface RowMatrix {
  rows: number;
  columns: number;
  /** rows × columns values, row-major. */
  values: Float64Array;
}

/** A RowMatrix from nested arrays (tests and small callers). */
export function rowMatrix(data: readonly (readonly number[])[]): RowMatrix {
  const rows = data.length;
  const columns = rows === 0 ? 0 : data[0]!.length;
  const values = new Float64Array(rows * columns);
  data.forEach((row, i) => {
    if (row.length !== columns)
      throw new RangeError(`row ${i} has ${row.length} values, not ${columns}`);
    values.set(row, i * columns);
  });
  return { rows, columns, values };
}

/** Checks that there is one label per row, each an integer in [0, classes). */
export function checkLabels(labels: ArrayLike<number>, rows: number, classes: number): void {
  if (labels.length !== rows)
    throw new RangeError(`${labels.length} labels for ${rows} rows: there must be one per row`);
  if (!(Number.isInteger(classes) && classes >= 2))
    throw new RangeError(`a target task needs at least 2 classes, got ${classes}`);
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i]!;
    if (!(Number.isInteger(label) && label >= 0 && label < classes))
      throw new RangeError(`label ${i} is ${label}, not an integer in [0, ${classes})`);
  }
}
