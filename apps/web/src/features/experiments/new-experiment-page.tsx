'use client';

import Link from 'next/link';
import { useRouter } from 'next/navigation';
import { useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorMessage } from '@/lib/errors';
import { SourceScoresPanel } from '../scores/source-scores-panel';
import { canWrite } from '../session/roles';
import { useSession } from '../session/session-context';
import { Empty, Loading, QueryState } from '../ui/states';
import {
  CreateExperimentMutation,
  NewExperimentOptionsQuery,
  SourceModelLayersQuery,
} from './experiment.graphql';
import { NewExperimentForm } from './new-experiment-form';

export function NewExperimentPage({ projectId }: { projectId: string }) {
  const { team } = useSession();
  if (!team) return <Loading />;
  return <NewExperiment projectId={projectId} teamId={team.id} />;
}

function NewExperiment({ projectId, teamId }: { projectId: string; teamId: string }) {
  const [result, reexecute] = useQuery({
    query: NewExperimentOptionsQuery,
    variables: { projectId, teamId },
  });
  const [state, createExperiment] = useMutation(CreateExperimentMutation);
  const { roleIn } = useSession();
  const router = useRouter();
  const project = result.data?.project;
  const datasets = result.data?.datasets.nodes ?? [];
  const [chosenId, setChosenId] = useState<string | undefined>();
  const chosen = chosenId ?? result.data?.models.nodes[0]?.id;
  const [chosenDatasetId, setChosenDatasetId] = useState<string | undefined>();
  const datasetId = chosenDatasetId ?? datasets[0]?.id;
  const [layers] = useQuery({
    query: SourceModelLayersQuery,
    variables: { id: chosen ?? '' },
    pause: !chosen,
  });
  // Only the chosen model's layers are fetched; the others get theirs when chosen.
  const models = (result.data?.models.nodes ?? []).map((model) => ({
    ...model,
    layers: model.id === chosen && layers.data?.model.id === chosen ? layers.data.model.layers : [],
  }));

  return (
    <main>
      <QueryState
        fetching={result.fetching}
        error={result.error}
        hasData={!!result.data}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        <p>
          <Link prefetch={false} href={`/projects/${projectId}`}>
            {project?.name}
          </Link>{' '}
          /
        </p>
        <h1>New experiment</h1>
        {!canWrite(roleIn(project?.teamId)) ? (
          <Empty>Viewers cannot create experiments.</Empty>
        ) : project && project.teamId !== teamId ? (
          <Empty>Switch to this project&apos;s team to create an experiment in it.</Empty>
        ) : models.length === 0 || datasets.length === 0 ? (
          <Empty>
            This team needs at least one source model and one dataset first:{' '}
            <Link prefetch={false} href="/datasets">
              add a dataset
            </Link>
            {models.length === 0 ? (
              <>
                , then{' '}
                <Link prefetch={false} href="/models/pretrain">
                  pretrain a source model
                </Link>
              </>
            ) : null}
            .
          </Empty>
        ) : (
          <>
            <NewExperimentForm
              projectId={projectId}
              models={models}
              datasets={datasets}
              onModelChange={setChosenId}
              onDatasetChange={setChosenDatasetId}
              submitting={state.fetching}
              error={state.error ? errorMessage(state.error) : undefined}
              onSubmit={async (input) => {
                const created = await createExperiment({ input });
                if (created.data) router.push(`/experiments/${created.data.createExperiment.id}`);
              }}
            />
            {datasetId ? (
              <SourceScoresPanel datasetId={datasetId} candidates={models} canScore />
            ) : null}
          </>
        )}
      </QueryState>
    </main>
  );
}
