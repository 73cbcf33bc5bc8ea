/**
 * Scoring source models for a target dataset before any fine-tuning (issue 15, "which source
 * model"): one scoring job per (dataset version, source model, training-set size), run by a
 * worker, which reports LogME, LEEP and NCE (see the trainer's transferability module).
 */

/** A scoring job's state, stored values (keys are the GraphQL names). */
export const ScoreStatus = {
  QUEUED: 'queued',
  RUNNING: 'running',
  SUCCEEDED: 'succeeded',
  FAILED: 'failed',
} as const;
export type ScoreStatus = (typeof ScoreStatus)[keyof typeof ScoreStatus];

/** Most source models one `scoreSourceModels` call may name. */
export const MAX_SCORED_MODELS = 20;

/** Longest `error` `failScoreJob` takes (a sentence for the page, no stack). */
export const MAX_SCORE_ERROR_LENGTH = 4000;

/** A score as far as ranking needs it. */
export interface RankableScore {
  modelId: string;
  logMe: number | null;
}

/**
 * The source model LogME ranks first among scores that have a value, or null when none has:
 * the one a "LogME suggests" line names.
 */
export function logMeSuggestion<T extends RankableScore>(scores: readonly T[]): T | null {
  let best: T | null = null;
  for (const score of scores)
    if (
      score.logMe !== null &&
      Number.isFinite(score.logMe) &&
      (!best || score.logMe > best.logMe!)
    )
      best = score;
  return best;
}

/**
 * A scoring job's lease (seconds). Scoring is one bounded forward pass, so the worker sends no
 * heartbeats: a later claim takes a job over only once this has passed since it was claimed.
 */
export const SCORE_LEASE_SECONDS = 15 * 60;

/** Claims a scoring job gets before an expired lease fails it instead of handing it out again. */
export const MAX_SCORE_ATTEMPTS = 3;

/** Fewest training samples a score is computed on (LogME needs two to fit anything). */
export const MIN_SCORE_SAMPLES = 2;

/**
 * Most samples a score reads of its training subset (its first ones). LogME's cost grows with
 * n · min(n, D) · D and min(n, D)³ for n samples of D features, and the features scored are the
 * convolutional body's (4,608 for small-cnn, 25,088 for VGG16): 500 keeps one score within
 * seconds on a CPU worker, where LogME's ranking has settled (the transfer benchmark scores 300).
 * LEEP and NCE read the same samples, so the three describe one set.
 */
export const MAX_SCORE_SAMPLES = 500;
