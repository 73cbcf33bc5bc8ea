import { kendallTauB, logMeSuggestion } from '@finetrack/shared';
import type { WebSourceModelScoresQuery } from '@/gql/graphql';

export type ScoreRow = WebSourceModelScoresQuery['sourceModelScores'][number];

/** Whether a worker has still to finish one of the scores (the list is polled meanwhile). */
export function hasPending(scores: readonly ScoreRow[]): boolean {
  return scores.some((score) => score.status === 'QUEUED' || score.status === 'RUNNING');
}

/** The row "LogME suggests" names: the highest LogME among finished scores, or null. */
export function suggestion(scores: readonly ScoreRow[]): ScoreRow | null {
  return logMeSuggestion(scores.filter((score) => score.status === 'SUCCEEDED'));
}

/** How LogME's ranking of the source models agrees with what fine-tuning them measured. */
export type Agreement =
  | { kind: 'tau'; tau: number; pairs: number }
  /** Fewer than two source models have both a LogME and a finished fine-tuning run. */
  | { kind: 'needs-two'; pairs: number }
  /** Every LogME (or every accuracy) is the same: there is no ranking to compare. */
  | { kind: 'tied'; pairs: number };

/**
 * Kendall's τ-b between LogME and the best fine-tuned accuracy per source model (one pair per
 * model that has both). With one source model there is nothing to rank, and it says so.
 */
export function logMeAgreement(scores: readonly ScoreRow[]): Agreement {
  const pairs = scores.filter(
    (score) =>
      score.status === 'SUCCEEDED' &&
      score.logMe !== null &&
      score.bestFineTunedAccuracy !== null &&
      score.bestFineTunedAccuracy !== undefined,
  );
  if (pairs.length < 2) return { kind: 'needs-two', pairs: pairs.length };
  const tau = kendallTauB(
    pairs.map((score) => score.logMe!),
    pairs.map((score) => score.bestFineTunedAccuracy!),
  );
  return tau === null
    ? { kind: 'tied', pairs: pairs.length }
    : { kind: 'tau', tau, pairs: pairs.length };
}
