'use client';

import { Empty, ErrorState, Loading } from '../ui/states';
import { logMeAgreement, suggestion, type Agreement } from './scores-model';
import { ScoresTable } from './scores-table';
import { useSourceScores } from './use-source-scores';

/**
 * Beside an experiment's grid: the source models scored for its target dataset (its own source
 * highlighted) and how LogME's ranking agrees with the best accuracy fine-tuning reached from
 * each source (Kendall's τ-b over the team's experiments on this dataset).
 */
export function ExperimentScoresSection({
  datasetId,
  sourceModelId,
}: {
  datasetId: string;
  sourceModelId: string | null;
}) {
  const { scores, error, refresh } = useSourceScores(datasetId);
  const own = scores?.find((score) => score.modelId === sourceModelId);
  const best = scores ? suggestion(scores) : null;
  return (
    <section aria-labelledby="experiment-scores">
      <h2 id="experiment-scores">Source-model scores</h2>
      {error && !scores ? (
        <ErrorState error={error} retry={refresh} />
      ) : !scores ? (
        <Loading label="Loading scores…" />
      ) : scores.length === 0 ? (
        <Empty>
          No source model has been scored for this dataset; score them on the new-experiment page.
        </Empty>
      ) : (
        <>
          <p data-testid="own-score">
            {own
              ? own.logMe === null
                ? `This experiment's source model: ${own.status.toLowerCase()}.`
                : `This experiment's source model: LogME ${own.logMe.toFixed(4)}${
                    best && best.modelId !== own.modelId
                      ? `; LogME suggests ${best.model?.name ?? 'another model'}`
                      : best
                        ? ', the one LogME ranks first'
                        : ''
                  }.`
              : "This experiment's source model has not been scored for this dataset."}
          </p>
          <ScoresTable scores={scores} highlight={sourceModelId} showAccuracy />
          <p data-testid="logme-agreement">{agreementText(logMeAgreement(scores))}</p>
        </>
      )}
    </section>
  );
}

function agreementText(agreement: Agreement): string {
  switch (agreement.kind) {
    case 'tau':
      return `Kendall's τ between LogME and the best fine-tuned accuracy: ${agreement.tau.toFixed(2)} over ${agreement.pairs} source models (1: the same ranking, −1: reversed).`;
    case 'tied':
      return `Kendall's τ is undefined: the ${agreement.pairs} source models tie on LogME or on accuracy.`;
    case 'needs-two':
      return `Kendall's τ needs ≥ 2 source models with a score and a finished fine-tuning run on this dataset; ${
        agreement.pairs === 1 ? 'there is one' : 'there are none yet'
      }.`;
  }
}
