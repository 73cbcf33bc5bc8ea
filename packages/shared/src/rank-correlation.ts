/**
 * Kendall's τ-b between two paired lists (Kendall 1945): (concordant − discordant) /
 * √((n₀ − n₁)(n₀ − n₂)), where n₀ = n(n−1)/2 and n₁, n₂ count the pairs tied in the first and
 * in the second list. τ-b stays in [−1, 1] with ties, which estimator scores and accuracies
 * averaged over few seeds have. Null when fewer than two pairs, or when either list is constant
 * (no ranking to agree with).
 */
export function kendallTauB(first: readonly number[], second: readonly number[]): number | null {
  if (first.length !== second.length)
    throw new RangeError(`paired lists differ in length: ${first.length} and ${second.length}`);
  const n = first.length;
  let concordant = 0;
  let discordant = 0;
  let tiedFirst = 0;
  let tiedSecond = 0;
  // O(n²) is fine: the pairs are source models or grid cells, tens at most.
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) {
      const a = Math.sign(first[i]! - first[j]!);
      const b = Math.sign(second[i]! - second[j]!);
      if (a === 0) tiedFirst++;
      if (b === 0) tiedSecond++;
      if (a !== 0 && b !== 0) {
        if (a === b) concordant++;
        else discordant++;
      }
    }
  const pairs = (n * (n - 1)) / 2;
  const denominator = Math.sqrt((pairs - tiedFirst) * (pairs - tiedSecond));
  return denominator === 0 ? null : (concordant - discordant) / denominator;
}
