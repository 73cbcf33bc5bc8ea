import { useEffect } from 'react';
import { useQuery } from 'urql';
import { hasPending } from './scores-model';
import { SourceModelScoresQuery } from './scores.graphql';

/** How often the scores are asked for again while a worker has some still to finish. */
export const SCORE_POLL_MS = 2000;

/** The dataset's source-model scores, polled while any is queued or running. */
export function useSourceScores(datasetId: string | undefined) {
  const [result, reexecute] = useQuery({
    query: SourceModelScoresQuery,
    variables: { datasetId: datasetId ?? '' },
    pause: !datasetId,
  });
  const scores = result.data?.sourceModelScores;
  const pending = scores ? hasPending(scores) : false;
  useEffect(() => {
    if (!pending) return;
    const timer = setInterval(() => reexecute({ requestPolicy: 'network-only' }), SCORE_POLL_MS);
    return () => clearInterval(timer);
  }, [pending, reexecute]);
  return {
    scores,
    fetching: result.fetching,
    error: result.error,
    refresh: () => reexecute({ requestPolicy: 'network-only' }),
  };
}
