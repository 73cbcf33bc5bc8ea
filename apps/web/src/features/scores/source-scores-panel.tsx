'use client';

import { MAX_SCORED_MODELS } from '@finetrack/shared';
import { useMutation } from 'urql';
import { Empty, ErrorState, FormError, Loading } from '../ui/states';
import { hasPending, suggestion } from './scores-model';
import { ScoresTable } from './scores-table';
import { ScoreSourceModelsMutation } from './scores.graphql';
import { useSourceScores } from './use-source-scores';

/**
 * "Which source model?" before an experiment: scores the team's source models against the
 * chosen dataset (a scoring job each, run by a worker) and ranks them by LogME as they finish.
 */
export function SourceScoresPanel({
  datasetId,
  candidates,
  canScore,
}: {
  datasetId: string;
  /** The team's source models, in the order they are offered. */
  candidates: readonly { id: string; name: string }[];
  canScore: boolean;
}) {
  const { scores, error, refresh } = useSourceScores(datasetId);
  const [state, score] = useMutation(ScoreSourceModelsMutation);
  const scored = candidates.slice(0, MAX_SCORED_MODELS);
  const best = scores ? suggestion(scores) : null;
  const pending = scores ? hasPending(scores) : false;

  async function scoreAll() {
    const result = await score({
      input: { datasetId, modelIds: scored.map((model) => model.id) },
    });
    if (result.data) refresh();
  }

  return (
    <section aria-labelledby="source-scores">
      <h2 id="source-scores">Which source model?</h2>
      <p>
        LogME, LEEP and NCE predict from one pass of frozen features how well each source model
        transfers to this dataset, before any fine-tuning.
      </p>
      {canScore ? (
        <p>
          <button
            type="button"
            onClick={() => void scoreAll()}
            disabled={state.fetching || scored.length === 0}
          >
            Score source models
          </button>{' '}
          {candidates.length > MAX_SCORED_MODELS
            ? `(the first ${MAX_SCORED_MODELS} of ${candidates.length})`
            : null}
        </p>
      ) : null}
      <FormError error={state.error} />
      {error && !scores ? (
        <ErrorState error={error} retry={refresh} />
      ) : !scores ? (
        <Loading label="Loading scores…" />
      ) : scores.length === 0 ? (
        <Empty>No source model has been scored for this dataset yet.</Empty>
      ) : (
        <>
          <p data-testid="logme-suggestion" aria-live="polite">
            {best ? (
              <>
                LogME suggests: <strong>{best.model?.name ?? 'a deleted model'}</strong>
              </>
            ) : pending ? (
              'Waiting for a worker to score them…'
            ) : (
              'No score finished; see the errors below.'
            )}
            {best && pending ? ' (more scores to come)' : null}
          </p>
          <ScoresTable scores={scores} />
        </>
      )}
    </section>
  );
}
