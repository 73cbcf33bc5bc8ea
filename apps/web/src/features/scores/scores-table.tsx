import { formatNumber } from '../ui/format';
import type { ScoreRow } from './scores-model';

const STATUS_LABELS: Record<ScoreRow['status'], string> = {
  QUEUED: 'queued',
  RUNNING: 'scoring…',
  SUCCEEDED: 'done',
  FAILED: 'failed',
};

/**
 * Source models ranked by LogME for one dataset, with LEEP and NCE beside it (dashes where the
 * source has no classifier) and each job's state; `highlight` marks an experiment's own source.
 */
export function ScoresTable({
  scores,
  highlight,
  showAccuracy = false,
}: {
  scores: readonly ScoreRow[];
  highlight?: string | null;
  /** Add the best fine-tuned accuracy each source reached (the experiment page). */
  showAccuracy?: boolean;
}) {
  return (
    <table data-testid="source-scores">
      <thead>
        <tr>
          <th scope="col">#</th>
          <th scope="col">Source model</th>
          <th scope="col" title="Log marginal evidence of the frozen features; higher is better">
            LogME
          </th>
          <th scope="col" title="Log expected empirical prediction of the source head; ≤ 0">
            LEEP
          </th>
          <th scope="col" title="Negative conditional entropy of the head's labels; ≤ 0">
            NCE
          </th>
          {showAccuracy ? <th scope="col">Best fine-tuned accuracy</th> : null}
          <th scope="col">State</th>
        </tr>
      </thead>
      <tbody>
        {scores.map((score, index) => (
          <tr
            key={score.id}
            data-status={score.status}
            className={score.modelId === highlight ? 'highlight' : undefined}
          >
            <td>{score.logMe === null ? '' : index + 1}</td>
            <td>{score.model?.name ?? 'deleted model'}</td>
            <td>{formatNumber(score.logMe)}</td>
            <td>{formatNumber(score.leep)}</td>
            <td>{formatNumber(score.nce)}</td>
            {showAccuracy ? <td>{formatNumber(score.bestFineTunedAccuracy)}</td> : null}
            <td title={score.errorMessage ?? undefined}>
              {STATUS_LABELS[score.status]}
              {score.status === 'FAILED' && score.errorMessage ? `: ${score.errorMessage}` : ''}
            </td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
