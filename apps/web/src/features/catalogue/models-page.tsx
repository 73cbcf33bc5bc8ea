'use client';

import Link from 'next/link';
import { useQuery } from 'urql';
import type { ModelsQuery as ModelsResult } from '@/gql/graphql';
import { useSession } from '../session/session-context';
import { Empty, Loading, QueryState } from '../ui/states';
import { ModelsQuery } from './catalogue.graphql';
import { ModelImportForm } from './model-import-form';

type ModelNode = ModelsResult['models']['nodes'][number];

export function surgeryLabel(surgery: ModelNode['surgery']): string {
  if (!surgery) return 'no surgery recorded';
  return `cut at ${surgery.cutLayer}, ${surgery.frozenLayers} frozen, LR ${surgery.learningRate}, head ${surgery.headUnits}`;
}

function Lineage({ model, children }: { model: ModelNode; children: Map<string, ModelNode[]> }) {
  const targets = children.get(model.id) ?? [];
  return (
    <li>
      <Link prefetch={false} href={`/models/${model.id}`}>
        {model.name}
      </Link>{' '}
      <span className="muted">
        {model.kind.toLowerCase()} · {model.architecture} · {model.totalParams.toLocaleString('en')}{' '}
        params
        {model.dataset ? ` · trained on ${model.dataset.name}` : ''}
        {model.kind === 'TARGET' && !model.surgery ? ' · from scratch (a baseline)' : ''}
      </span>
      {targets.length > 0 ? (
        <ul>
          {targets.map((target) => (
            <li key={target.id} className="lineage-edge">
              <span className="edge">→ {surgeryLabel(target.surgery)}</span>
              <ul>
                <Lineage model={target} children={children} />
              </ul>
            </li>
          ))}
        </ul>
      ) : null}
    </li>
  );
}

export function ModelsPage() {
  const { team } = useSession();
  if (!team) return <Loading />;
  return <TeamModels teamId={team.id} />;
}

function TeamModels({ teamId }: { teamId: string }) {
  const [result, reexecute] = useQuery({ query: ModelsQuery, variables: { teamId } });
  const models = result.data?.models.nodes;
  const byId = new Set(models?.map((model) => model.id));
  const children = new Map<string, ModelNode[]>();
  for (const model of models ?? [])
    if (model.parentModelId)
      children.set(model.parentModelId, [...(children.get(model.parentModelId) ?? []), model]);
  // Roots: source models, and targets whose source is not in this page.
  const roots = (models ?? []).filter(
    (model) => !model.parentModelId || !byId.has(model.parentModelId),
  );
  return (
    <main>
      <h1>Models and lineage</h1>
      <p>
        <Link prefetch={false} href="/models/pretrain">
          Pretrain a source model
        </Link>
      </p>
      {/* A new model shows up in the list below without a reload: the list is fetched again. */}
      <ModelImportForm
        teamId={teamId}
        onImported={() => reexecute({ requestPolicy: 'network-only' })}
      />
      <QueryState
        fetching={result.fetching}
        error={result.error}
        hasData={!!models}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        {models?.length === 0 ? (
          <Empty>No models in this team yet. Import one above, or pretrain a source model.</Empty>
        ) : (
          <ul className="lineage" aria-label="Model lineage">
            {roots.map((model) => (
              <Lineage key={model.id} model={model} children={children} />
            ))}
          </ul>
        )}
      </QueryState>
    </main>
  );
}
