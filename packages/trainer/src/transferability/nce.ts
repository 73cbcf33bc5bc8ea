import { checkLabels } from './label-matrix.js';

/**
 * NCE, the Negative Conditional Entropy of Tran, Nguyen and Hassner ("Transferability and
 * hardness of supervised classification tasks", ICCV 2019), between the source head's hard
 * predictions z_i = argmax θ(x_i) (`sourceLabels`, in 0..sourceClasses-1) and the target labels.
 *
 * - Eq. (2): the empirical joint P̂(y, z) = |{i : y_i = y, z_i = z}| / n.
 * - Eq. (3)–(4): NCE(Y | Z) = −H(Y | Z) = Σ_{y,z} P̂(y, z) log (P̂(y, z) / P̂(z)).
 *
 * NCE ≤ 0; 0 means the source prediction determines the target label.
 */
export function nce(
  sourceLabels: ArrayLike<number>,
  labels: ArrayLike<number>,
  classes: number,
  sourceClasses: number,
): number {
  const n = labels.length;
  checkLabels(labels, n, classes);
  if (sourceLabels.length !== n)
    throw new RangeError(`${sourceLabels.length} source predictions for ${n} labels`);
  const counts = new Float64Array(classes * sourceClasses);
  const marginal = new Float64Array(sourceClasses);
  for (let i = 0; i < n; i++) {
    const z = sourceLabels[i]!;
    if (!(Number.isInteger(z) && z >= 0 && z < sourceClasses))
      throw new RangeError(
        `source prediction ${i} is ${z}, not an integer in [0, ${sourceClasses})`,
      );
    counts[labels[i]! * sourceClasses + z]! += 1;
    marginal[z]! += 1;
  }
  let total = 0;
  for (let y = 0; y < classes; y++)
    for (let z = 0; z < sourceClasses; z++) {
      const count = counts[y * sourceClasses + z]!;
      if (count > 0) total += (count / n) * Math.log(count / marginal[z]!);
    }
  return total;
}

/** The index of each row's largest value: the source head's hard prediction. */
export function argmaxRows(values: Float64Array, rows: number, columns: number): Int32Array {
  const result = new Int32Array(rows);
  for (let i = 0; i < rows; i++) {
    let best = 0;
    for (let k = 1; k < columns; k++)
      if (values[i * columns + k]! > values[i * columns + best]!) best = k;
    result[i] = best;
  }
  return result;
}
