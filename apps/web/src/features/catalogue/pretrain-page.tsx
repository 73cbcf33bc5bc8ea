'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useMutation, useQuery } from 'urql';
import { errorMessage } from '@/lib/errors';
import { canWrite } from '../session/roles';
import { useSession } from '../session/session-context';
import { Empty, Loading, QueryState } from '../ui/states';
import { DatasetsQuery, PretrainModelMutation } from './catalogue.graphql';
import { PretrainForm } from './pretrain-form';

export function PretrainPage() {
  const { team } = useSession();
  if (!team) return <Loading />;
  return <TeamPretrain teamId={team.id} />;
}

function TeamPretrain({ teamId }: { teamId: string }) {
  const [result, reexecute] = useQuery({ query: DatasetsQuery, variables: { teamId } });
  const [state, pretrainModel] = useMutation(PretrainModelMutation);
  const { roleIn } = useSession();
  const router = useRouter();
  const datasets = result.data?.datasets.nodes;
  return (
    <main>
      <p>
        <Link prefetch={false} href="/models">
          Models
        </Link>{' '}
        /
      </p>
      <h1>Pretrain a source model</h1>
      <p className="muted">
        A worker trains the architecture from scratch on the source dataset and registers the result
        as a source model of this team; experiments then fine-tune it on a target dataset.
      </p>
      <QueryState
        fetching={result.fetching}
        error={result.error}
        hasData={!!datasets}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        {!canWrite(roleIn(teamId)) ? (
          <Empty>Viewers cannot pretrain models.</Empty>
        ) : datasets?.length === 0 ? (
          <Empty>
            This team has no dataset to pretrain on yet:{' '}
            <Link prefetch={false} href="/datasets">
              add one
            </Link>
            .
          </Empty>
        ) : datasets ? (
          <PretrainForm
            teamId={teamId}
            datasets={datasets}
            submitting={state.fetching}
            error={state.error ? errorMessage(state.error) : undefined}
            onSubmit={async (input) => {
              const queued = await pretrainModel(
                { input },
                // The pending source model joins the catalogue now.
                { additionalTypenames: ['Model'] },
              );
              if (queued.data) router.push(`/runs/${queued.data.pretrainModel.id}`);
            }}
          />
        ) : null}
      </QueryState>
    </main>
  );
}
