'use client';

import Link from 'next/link';
import { useQuery } from 'urql';
import { Empty, QueryState } from '../ui/states';
import { formatNumber } from '../ui/format';
import { ModelQuery } from './catalogue.graphql';

export function ModelPage({ id }: { id: string }) {
  const [result, reexecute] = useQuery({ query: ModelQuery, variables: { id } });
  const model = result.data?.model;
  const frozenNames = new Set(model?.surgery?.frozenLayerNames ?? []);
  return (
    <main>
      <QueryState
        fetching={result.fetching}
        error={result.error}
        hasData={!!model}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        {model ? (
          <>
            <p>
              <Link prefetch={false} href="/models">
                Models
              </Link>{' '}
              /
            </p>
            <h1>{model.name}</h1>
            <p>
              <a data-testid="model-download" href={`/models/${model.id}/download`} download>
                Download (model.json, weights, finetrack.json as a zip)
              </a>
            </p>
            <dl className="facts">
              <dt>Kind</dt>
              <dd>{model.kind.toLowerCase()}</dd>
              <dt>Architecture</dt>
              <dd>{model.architecture}</dd>
              <dt>Input shape</dt>
              <dd>{model.inputShape.join(' × ')}</dd>
              <dt>Preprocessing</dt>
              <dd>{model.preprocessing.toLowerCase()}</dd>
              <dt>Parameters</dt>
              <dd>
                {model.totalParams.toLocaleString('en')} total,{' '}
                {model.trainableParams.toLocaleString('en')} trainable
              </dd>
              <dt>Trained on</dt>
              <dd>{model.dataset?.name ?? '—'}</dd>
              {model.parent ? (
                <>
                  <dt>Source model</dt>
                  <dd>
                    <Link prefetch={false} href={`/models/${model.parent.id}`}>
                      {model.parent.name}
                    </Link>
                  </dd>
                </>
              ) : null}
              {model.kind === 'TARGET' && !model.parent && !model.surgery ? (
                <>
                  <dt>Initialisation</dt>
                  <dd>
                    trained from scratch on the target (a baseline: random weights, nothing taken
                    from a source model)
                  </dd>
                </>
              ) : null}
              {model.surgery ? (
                <>
                  <dt>Surgery</dt>
                  <dd>
                    cut at <code>{model.surgery.cutLayer}</code>, new head of{' '}
                    {model.surgery.headUnits} units, {model.surgery.frozenLayers} layers frozen, LR{' '}
                    {model.surgery.learningRate}, {model.surgery.initialization.toLowerCase()}
                  </dd>
                </>
              ) : null}
              <dt>Weights sha256</dt>
              <dd>
                <code>{model.weightsSha256 ?? '—'}</code>
              </dd>
            </dl>
            <h2>Layers</h2>
            <table className="data" aria-label="Layers">
              <thead>
                <tr>
                  <th scope="col">#</th>
                  <th scope="col">Name</th>
                  <th scope="col">Type</th>
                  <th scope="col">Output shape</th>
                  <th scope="col" className="num">
                    Parameters
                  </th>
                  <th scope="col">Weights</th>
                  <th scope="col">State</th>
                </tr>
              </thead>
              <tbody>
                {model.layers.map((layer, index) => {
                  const frozen =
                    frozenNames.has(layer.name) || (layer.weightBearing && !layer.trainable);
                  return (
                    <tr
                      key={layer.name}
                      className={frozen ? 'frozen' : undefined}
                      data-frozen={frozen || undefined}
                    >
                      <td>{index}</td>
                      <td>
                        <code>{layer.name}</code>
                      </td>
                      <td>{layer.type}</td>
                      <td>
                        ({layer.outputShape.map((d) => (d === null ? 'batch' : d)).join(', ')})
                      </td>
                      <td className="num">{formatNumber(layer.params, 6)}</td>
                      <td>{layer.weightBearing ? `#${(layer.weightIndex ?? 0) + 1}` : '—'}</td>
                      <td>{frozen ? '🔒 frozen' : layer.weightBearing ? 'trainable' : ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
            <h2>Target models made from it</h2>
            {model.children.nodes.length === 0 ? (
              <Empty>None yet.</Empty>
            ) : (
              <ul className="lineage">
                {model.children.nodes.map((child) => (
                  <li key={child.id}>
                    <Link prefetch={false} href={`/models/${child.id}`}>
                      {child.name}
                    </Link>{' '}
                    <span className="edge">
                      {child.surgery
                        ? `cut at ${child.surgery.cutLayer}, ${child.surgery.frozenLayers} frozen, LR ${child.surgery.learningRate}, head ${child.surgery.headUnits}`
                        : ''}
                    </span>
                  </li>
                ))}
              </ul>
            )}
          </>
        ) : null}
      </QueryState>
    </main>
  );
}
