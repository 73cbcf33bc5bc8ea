import { determinant, inverse, Matrix } from 'ml-matrix';
import { describe, expect, it } from 'vitest';
import { argmaxRows, leep, logMe, logMeEvidence, nce, rowMatrix } from './index.js';

/** The log evidence of the LogME paper's Eq. 2, evaluated with explicit matrices. */
function directEvidence(f: number[][], y: number[], alpha: number, beta: number): number {
  const F = new Matrix(f);
  const Y = Matrix.columnVector(y);
  const n = f.length;
  const d = f[0]!.length;
  const A = Matrix.eye(d).mul(alpha).add(F.transpose().mmul(F).mul(beta));
  const m = inverse(A).mmul(F.transpose()).mmul(Y).mul(beta);
  const residual = F.mmul(m).sub(Y).norm() ** 2;
  const m2 = m.norm() ** 2;
  return (
    (n / 2) * Math.log(beta) +
    (d / 2) * Math.log(alpha) -
    (n / 2) * Math.log(2 * Math.PI) -
    (beta / 2) * residual -
    (alpha / 2) * m2 -
    Math.log(determinant(A)) / 2
  );
}

const FEATURES = [
  [1.0, 0.2, -0.3],
  [0.9, -0.1, 0.4],
  [-0.8, 1.1, 0.2],
  [-1.2, 0.7, -0.5],
  [0.3, -0.9, 1.3],
  [0.1, -1.4, 0.8],
  [1.1, 0.4, 0.1],
];
const LABELS = [0, 0, 1, 1, 2, 2, 0];

describe('LogME', () => {
  it('equals the paper’s evidence, computed with explicit matrices, at its optimum (n > D)', () => {
    const result = logMe(rowMatrix(FEATURES), LABELS, 3);
    result.classes.forEach(({ alpha, beta, evidence }, c) => {
      const y = LABELS.map((label) => (label === c ? 1 : 0));
      expect(evidence).toBeCloseTo(directEvidence(FEATURES, y, alpha, beta) / FEATURES.length, 9);
    });
    expect(result.score).toBeCloseTo(
      result.classes.reduce((sum, c) => sum + c.evidence, 0) / 3,
      12,
    );
  });

  it('finds a maximum: nudging α or β either way lowers the explicit evidence', () => {
    const { classes } = logMe(rowMatrix(FEATURES), LABELS, 3);
    classes.forEach(({ alpha, beta }, c) => {
      const y = LABELS.map((label) => (label === c ? 1 : 0));
      const best = directEvidence(FEATURES, y, alpha, beta);
      for (const factor of [0.9, 1.1]) {
        expect(directEvidence(FEATURES, y, alpha * factor, beta)).toBeLessThan(best);
        expect(directEvidence(FEATURES, y, alpha, beta * factor)).toBeLessThan(best);
      }
    });
  });

  it('decomposes F Fᵀ when there are fewer samples than features, with the same evidence', () => {
    const wide = FEATURES.slice(0, 4).map((row, i) => [...row, row[0]! * row[1]!, i % 2, 0.5 - i]);
    const labels = [0, 0, 1, 1];
    // With n < D every y is fitted exactly as β grows, so the optimum runs to the clamp where the
    // explicit determinant is meaningless; compare the evidence at fixed α and β instead.
    for (const [alpha, beta] of [
      [0.7, 2.3],
      [3, 0.4],
    ] as const)
      for (const c of [0, 1]) {
        const y = labels.map((label) => (label === c ? 1 : 0));
        expect(logMeEvidence(rowMatrix(wide), labels, c, alpha, beta)).toBeCloseTo(
          directEvidence(wide, y, alpha, beta) / wide.length,
          10,
        );
      }
    expect(Number.isFinite(logMe(rowMatrix(wide), labels, 2).score)).toBe(true);
  });

  it('takes a Gram matrix computed elsewhere, in float32, to the same score', () => {
    const wide = FEATURES.slice(0, 4).map((row, i) => [...row, row[0]! * row[1]!, i % 2, 0.5 - i]);
    const labels = [0, 1, 1, 0];
    // F Fᵀ rounded to float32, as the tfjs backend computes it for wide features.
    const gram = Float32Array.from(
      wide.flatMap((a) => wide.map((b) => a.reduce((sum, value, j) => sum + value * b[j]!, 0))),
    );
    const exact = logMe(rowMatrix(wide), labels, 2).score;
    expect(logMe(rowMatrix(wide), labels, 2, { gram }).score).toBeCloseTo(exact, 5);
    expect(() => logMe(rowMatrix(wide), labels, 2, { gram: gram.subarray(1) })).toThrow(
      /not 4 × 4/,
    );
  });

  it('scores features that separate the classes above features that do not', () => {
    const noise = FEATURES.map((_, i) => [
      Math.sin(i * 7.1),
      Math.cos(i * 3.3),
      Math.sin(i * 1.7 + 2),
    ]);
    const separating = LABELS.map((label, i) => [
      label === 0 ? 1 : 0,
      label === 1 ? 1 : 0,
      0.01 * i,
    ]);
    expect(logMe(rowMatrix(separating), LABELS, 3).score).toBeGreaterThan(
      logMe(rowMatrix(noise), LABELS, 3).score,
    );
  });

  it('refuses labels that do not fit', () => {
    expect(() => logMe(rowMatrix(FEATURES), LABELS.slice(1), 3)).toThrow(/one per row/);
    expect(() => logMe(rowMatrix(FEATURES), LABELS, 2)).toThrow(/label 4 is 2/);
  });
});

describe('LEEP', () => {
  it('matches the value worked out by hand from Eq. 1–3', () => {
    // P̂(y,z) = [[0.5, 1/6], [1/15, 4/15]], P̂(z) = [17/30, 13/30], so
    // P̂(y|z) = [[15/17, 5/13], [2/17, 8/13]] and the three expected predictions are
    // 0.9·15/17 + 0.1·5/13, 0.2·2/17 + 0.8·8/13 and 0.6·15/17 + 0.4·5/13.
    const theta = rowMatrix([
      [0.9, 0.1],
      [0.2, 0.8],
      [0.6, 0.4],
    ]);
    const expected =
      (Math.log(0.9 * (15 / 17) + 0.1 * (5 / 13)) +
        Math.log(0.2 * (2 / 17) + 0.8 * (8 / 13)) +
        Math.log(0.6 * (15 / 17) + 0.4 * (5 / 13))) /
      3;
    expect(leep(theta, [0, 1, 0], 2)).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(-0.40868, 4);
  });

  it('is 0 when the source prediction determines the target label, below 0 when it does not', () => {
    const theta = rowMatrix([
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
      [1, 0, 0],
    ]);
    expect(leep(theta, [0, 1, 1, 1], 2)).toBeLessThan(0);
    expect(leep(theta, [0, 1, 1, 0], 2)).toBeCloseTo(0, 12);
  });
});

describe('NCE', () => {
  it('matches −H(Y|Z) worked out by hand', () => {
    // Counts (y,z): (0,0) 2, (1,0) 1, (1,1) 1; P̂(z) = [3/4, 1/4].
    const expected = 0.5 * Math.log(2 / 3) + 0.25 * Math.log(1 / 3) + 0.25 * Math.log(1);
    expect(nce([0, 1, 0, 0], [0, 1, 1, 0], 2, 2)).toBeCloseTo(expected, 12);
    expect(expected).toBeCloseTo(-0.477386, 6);
  });

  it('takes hard predictions from the source head’s probabilities', () => {
    expect(Array.from(argmaxRows(Float64Array.from([0.1, 0.7, 0.2, 0.5, 0.3, 0.2]), 2, 3))).toEqual(
      [1, 0],
    );
  });
});
