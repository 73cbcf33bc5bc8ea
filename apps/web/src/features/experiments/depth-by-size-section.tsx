import { useQuery } from 'urql';
import { formatNumber } from '../ui/format';
import { ErrorState, Loading } from '../ui/states';
import { DepthBySizeQuery } from './experiment.graphql';
import type { MetricOption } from './metric-options';

/**
 * For sweeps over training-set sizes: per size, the frozen depth that measured best beside the
 * depth the suggestion engine advises for that much data, so a reviewer sees the best depth move
 * with the size and where the advice and the measurement part ways.
 */
export function DepthBySizeSection({
  experimentId,
  metric,
}: {
  experimentId: string;
  metric: MetricOption;
}) {
  const curve = metric.source === 'curve';
  const [result, reexecute] = useQuery({
    query: DepthBySizeQuery,
    variables: {
      id: experimentId,
      metric: curve ? metric.key : 'val_accuracy',
      summary: curve ? metric.summary : 'BEST',
    },
  });
  const rows = result.data?.experiment.depthBySize;
  return (
    <section aria-labelledby="depth-by-size">
      <h2 id="depth-by-size">Best frozen depth per training-set size</h2>
      {result.error ? (
        <ErrorState
          error={result.error}
          retry={() => reexecute({ requestPolicy: 'network-only' })}
        />
      ) : !rows ? (
        <Loading label="Comparing sizes…" />
      ) : (
        <table data-testid="depth-by-size">
          <thead>
            <tr>
              <th scope="col">Training samples</th>
              <th scope="col">Best frozen depth</th>
              <th scope="col">Its {curve ? metric.label : 'best val accuracy'}</th>
              <th scope="col">Scratch</th>
              <th scope="col">Advised depth</th>
              <th scope="col">Agree?</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.trainSamples} className={row.agrees === false ? 'disagrees' : undefined}>
                <td>{row.trainSamples.toLocaleString('en')}</td>
                <td>{row.bestFrozenLayers ?? '—'}</td>
                <td>{row.bestMean === null ? '—' : formatNumber(row.bestMean)}</td>
                <td>{row.scratchMean === null ? '—' : formatNumber(row.scratchMean)}</td>
                <td title={row.suggestionReason}>{row.suggestedFrozenLayers}</td>
                <td>
                  {row.agrees === null
                    ? 'not measured yet'
                    : row.agrees
                      ? 'yes'
                      : 'no: measurement and advice differ'}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
