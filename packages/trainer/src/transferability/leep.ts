import { checkLabels, type RowMatrix } from './label-matrix.js';

/**
 * LEEP, the Log Expected Empirical Prediction of Nguyen, Hassner, Seeger and Archambeau
 * (ICML 2020). `sourceProbabilities` holds θ(x_i), the source head's softmax over its Z source
 * classes for every target sample x_i; `labels` the target labels y_i.
 *
 * - Eq. (1): the empirical joint P̂(y, z) = (1/n) Σ_{i: y_i = y} θ(x_i)_z,
 *   and the marginal P̂(z) = Σ_y P̂(y, z).
 * - Eq. (2): the conditional P̂(y | z) = P̂(y, z) / P̂(z).
 * - Eq. (3): T = (1/n) Σ_i log Σ_z P̂(y_i | z) θ(x_i)_z.
 *
 * T ≤ 0; closer to 0 predicts better transfer. A source class that no sample puts mass on
 * (P̂(z) = 0) contributes nothing to the inner sum, which is where its θ(x_i)_z is 0 too.
 */
export function leep(
  sourceProbabilities: RowMatrix,
  labels: ArrayLike<number>,
  classes: number,
): number {
  const { rows: n, columns: z, values } = sourceProbabilities;
  checkLabels(labels, n, classes);
  const joint = new Float64Array(classes * z);
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    for (let k = 0; k < z; k++) joint[y * z + k]! += values[i * z + k]! / n;
  }
  const marginal = new Float64Array(z);
  for (let y = 0; y < classes; y++) for (let k = 0; k < z; k++) marginal[k]! += joint[y * z + k]!;
  let total = 0;
  for (let i = 0; i < n; i++) {
    const y = labels[i]!;
    let expected = 0;
    for (let k = 0; k < z; k++) {
      if (marginal[k]! <= 0) continue;
      expected += (joint[y * z + k]! / marginal[k]!) * values[i * z + k]!;
    }
    // The sample's own mass is in the joint, so `expected` is positive unless θ(x_i) is all zeros.
    total += Math.log(Math.max(expected, Number.MIN_VALUE));
  }
  return total / n;
}
