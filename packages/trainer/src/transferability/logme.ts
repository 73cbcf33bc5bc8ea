import { EigenvalueDecomposition, Matrix } from 'ml-matrix';
import { checkLabels, type RowMatrix } from './label-matrix.js';

/** Stop the fixed-point iteration once α/β moves by less than this fraction. */
const TOLERANCE = 1e-6;
const MAX_ITERATIONS = 200;
/** Eigenvalues below this fraction of the largest are treated as zero (rank deficiency). */
const RANK_EPSILON = 1e-10;

/** Per-class results: the evidence-maximising prior and noise precisions and the evidence. */
export interface LogMeClass {
  alpha: number;
  beta: number;
  /** log p(y_c | F, α, β) / n at the optimum. */
  evidence: number;
  iterations: number;
}

export interface LogMeResult {
  /** Mean over classes of the per-sample log evidence: higher predicts better transfer. */
  score: number;
  classes: LogMeClass[];
}

/**
 * The spectrum of FᵀF and, for a target vector y, its coordinates in the left singular basis:
 * with F = U Σ Vᵀ, `s` holds σ_i² and `project(y)` returns p = Uᵀ y. Whichever of FᵀF (D × D) and
 * F Fᵀ (n × n) is smaller is decomposed; both have the same non-zero eigenvalues.
 */
interface Spectrum {
  s: Float64Array;
  project(labelOf: ArrayLike<number>, target: number): Float64Array;
}

/**
 * FᵀF (D × D) when D ≤ n, else F Fᵀ (n × n), from the row-major values in typed-array loops over
 * the upper triangle (ml-matrix's generic product is several times slower on wide features; FᵀF
 * skips the zeros ReLU features are full of).
 */
function gram({ rows: n, columns: d, values }: RowMatrix): Float64Array {
  const size = Math.min(n, d);
  const g = new Float64Array(size * size);
  if (d <= n) {
    for (let i = 0; i < n; i++) {
      const base = i * d;
      for (let j = 0; j < d; j++) {
        const v = values[base + j]!;
        if (v === 0) continue;
        const row = j * d;
        for (let k = j; k < d; k++) g[row + k]! += v * values[base + k]!;
      }
    }
  } else {
    for (let i = 0; i < n; i++)
      for (let k = i; k < n; k++) {
        let dot = 0;
        for (let j = 0, a = i * d, b = k * d; j < d; j++) dot += values[a + j]! * values[b + j]!;
        g[i * n + k] = dot;
      }
  }
  for (let i = 0; i < size; i++)
    for (let k = i + 1; k < size; k++) g[k * size + i] = g[i * size + k]!;
  return g;
}

/** A Gram matrix's row-major values as a Matrix, checked to be min(n, D) square. */
function gramMatrix(values: ArrayLike<number>, size: number): Matrix {
  if (values.length !== size * size)
    throw new RangeError(`the Gram matrix has ${values.length} values, not ${size} × ${size}`);
  const matrix = new Matrix(size, size);
  for (let i = 0; i < size; i++)
    for (let k = 0; k < size; k++) matrix.set(i, k, values[i * size + k]!);
  return matrix;
}

function spectrum(features: RowMatrix, precomputed?: ArrayLike<number>): Spectrum {
  const { rows: n, columns: d, values } = features;
  const g = gramMatrix(precomputed ?? gram(features), Math.min(n, d));
  const eig = new EigenvalueDecomposition(g, { assumeSymmetric: true });
  const s = Float64Array.from(eig.realEigenvalues, (value) => Math.max(value, 0));
  const largest = s.reduce((a, b) => Math.max(a, b), 0);
  const vectors = eig.eigenvectorMatrix;
  const r = s.length;
  return {
    s,
    project(labelOf, target) {
      const p = new Float64Array(r);
      if (d <= n) {
        // Fᵀy sums the feature rows of the target class; p_i = v_iᵀ Fᵀ y / σ_i.
        const fty = new Float64Array(d);
        for (let i = 0; i < n; i++)
          if (labelOf[i] === target) for (let j = 0; j < d; j++) fty[j]! += values[i * d + j]!;
        for (let k = 0; k < r; k++) {
          if (s[k]! <= RANK_EPSILON * largest) continue;
          let dot = 0;
          for (let j = 0; j < d; j++) dot += vectors.get(j, k) * fty[j]!;
          p[k] = dot / Math.sqrt(s[k]!);
        }
      } else {
        // The eigenvectors of F Fᵀ are U itself: p_k = u_kᵀ y sums u_k over the class's rows.
        for (let k = 0; k < r; k++) {
          if (s[k]! <= RANK_EPSILON * largest) continue;
          let dot = 0;
          for (let i = 0; i < n; i++) if (labelOf[i] === target) dot += vectors.get(i, k);
          p[k] = dot;
        }
      }
      return p;
    },
  };
}

/**
 * The log evidence of Bayesian linear regression y = F w + ε, w ~ N(0, α⁻¹ I), ε ~ N(0, β⁻¹ I),
 * in the spectral form of You et al. ("LogME", ICML 2021, Eq. 2 with A = αI + β FᵀF,
 * m = β A⁻¹ Fᵀ y):
 *
 *   L = n/2 log β + D/2 log α − n/2 log 2π − β/2 ‖F m − y‖² − α/2 ‖m‖² − 1/2 log |A|
 *
 * where, with p = Uᵀ y and σ_i² = s_i, ‖m‖² = Σ β² s_i p_i² / (α + β s_i)², the residual is
 * ‖F m − y‖² = Σ p_i² (α / (α + β s_i))² + (‖y‖² − ‖p‖²), and log |A| = Σ log(α + β s_i) over
 * all D eigenvalues (the D − r beyond the rank contribute log α each). Writing the residual this
 * way keeps it non-negative and exact where ‖y‖² − 2 mᵀFᵀy + mᵀFᵀF m would cancel digits.
 */
function evidenceTerms(
  s: Float64Array,
  p: Float64Array,
  yNorm2: number,
  n: number,
  d: number,
  alpha: number,
  beta: number,
) {
  let gamma = 0;
  let m2 = 0;
  let residual = yNorm2;
  let logDet = (d - s.length) * Math.log(alpha);
  for (let i = 0; i < s.length; i++) {
    const denominator = alpha + beta * s[i]!;
    const pi2 = p[i]! * p[i]!;
    gamma += (beta * s[i]!) / denominator;
    m2 += (beta * beta * s[i]! * pi2) / (denominator * denominator);
    residual += pi2 * ((alpha * alpha) / (denominator * denominator) - 1);
    logDet += Math.log(denominator);
  }
  residual = Math.max(residual, 0);
  const evidence =
    (n / 2) * Math.log(beta) +
    (d / 2) * Math.log(alpha) -
    (n / 2) * Math.log(2 * Math.PI) -
    (beta / 2) * residual -
    (alpha / 2) * m2 -
    logDet / 2;
  return { gamma, m2, residual, evidence };
}

/**
 * The log evidence / n for the one-hot column of class `target` at given α and β (what the
 * fixed point below maximises); exposed so that it can be checked against the explicit formula.
 */
export function logMeEvidence(
  features: RowMatrix,
  labels: ArrayLike<number>,
  target: number,
  alpha: number,
  beta: number,
): number {
  const { s, project } = spectrum(features);
  let yNorm2 = 0;
  for (let i = 0; i < features.rows; i++) if (labels[i] === target) yNorm2 += 1;
  const p = project(labels, target);
  return (
    evidenceTerms(s, p, yNorm2, features.rows, features.columns, alpha, beta).evidence /
    features.rows
  );
}

/**
 * LogME (You, Liu, Wang and Long, ICML 2021): for each target class c, the maximum over α, β of
 * the log evidence of regressing the class's one-hot column y_c on the frozen features F, found
 * by MacKay's fixed point (the paper's Algorithm 1): γ = Σ β s_i / (α + β s_i),
 * α ← γ / ‖m‖², β ← (n − γ) / ‖F m − y‖². The score is the mean over classes of L / n.
 *
 * `gram`, when given, is FᵀF (D ≤ n) or F Fᵀ (D > n), row-major, computed elsewhere (scoring
 * computes F Fᵀ of wide features on the tfjs backend): the cost of LogME on wide features is
 * mostly that product.
 */
export function logMe(
  features: RowMatrix,
  labels: ArrayLike<number>,
  classes: number,
  options: { gram?: ArrayLike<number> } = {},
): LogMeResult {
  const { rows: n, columns: d } = features;
  checkLabels(labels, n, classes);
  if (d === 0) throw new RangeError('LogME needs at least one feature');
  const { s, project } = spectrum(features, options.gram);
  const results: LogMeClass[] = [];
  for (let c = 0; c < classes; c++) {
    const p = project(labels, c);
    let yNorm2 = 0;
    for (let i = 0; i < n; i++) if (labels[i] === c) yNorm2 += 1;
    let alpha = 1;
    let beta = 1;
    let iterations = 0;
    for (; iterations < MAX_ITERATIONS; iterations++) {
      const { gamma, m2, residual } = evidenceTerms(s, p, yNorm2, n, d, alpha, beta);
      const nextAlpha = gamma / Math.max(m2, Number.MIN_VALUE);
      const nextBeta = (n - gamma) / Math.max(residual, Number.MIN_VALUE);
      const before = alpha / beta;
      alpha = Math.min(Math.max(nextAlpha, 1e-12), 1e12);
      beta = Math.min(Math.max(nextBeta, 1e-12), 1e12);
      if (Math.abs(alpha / beta - before) / before < TOLERANCE) break;
    }
    const { evidence } = evidenceTerms(s, p, yNorm2, n, d, alpha, beta);
    results.push({ alpha, beta, evidence: evidence / n, iterations: iterations + 1 });
  }
  return { score: results.reduce((sum, r) => sum + r.evidence, 0) / classes, classes: results };
}
