'use client';

import Link from 'next/link';
import { useCallback, useMemo, useState } from 'react';
import { useMutation, useQuery } from 'urql';
import { errorMessage } from '@/lib/errors';
import { buildChart, type MetricSeriesData } from '../experiments/curves-model';
import { buildDriftChart, DRIFT_PREFIX } from '../experiments/drift-model';
import {
  CancelRunMutation,
  MetricsQuery,
  RetryRunMutation,
} from '../experiments/experiment.graphql';
import { LineChart } from '../experiments/line-chart';
import { CURVE_KEYS } from '../experiments/metric-options';
import { canWrite } from '../session/roles';
import { useSession } from '../session/session-context';
import { Empty, ErrorState, Loading, QueryState } from '../ui/states';
import { formatDate, formatDuration, formatNumber } from '../ui/format';
import { ConfusionMatrixView } from './confusion-matrix-view';
import { RunArtifacts } from './run-artifacts';
import { RunExperimentQuery, RunQuery } from './run.graphql';
import { useLiveRun } from './use-live-run';
import { describeAugmentation, featureCacheNote } from './augmentation-format';
import { queueStateLabel } from './queue-state';

export function RunPage({ id }: { id: string }) {
  const [result, reexecute] = useQuery({ query: RunQuery, variables: { id } });
  const run = result.data?.run;
  const [experimentResult] = useQuery({
    query: RunExperimentQuery,
    variables: { id: run?.experimentId ?? '' },
    // A pretraining run belongs to no experiment.
    pause: !run?.experimentId,
  });
  const experiment = experimentResult.data?.experiment;
  const { roleIn } = useSession();
  const writable = canWrite(roleIn(run?.teamId));
  const [cancelState, cancelRun] = useMutation(CancelRunMutation);
  const [retryState, retryRun] = useMutation(RetryRunMutation);
  const statusError = cancelState.error ?? retryState.error;
  const [logY, setLogY] = useState(false);

  const runs = useMemo(() => new Map(run ? [[run.id, run]] : []), [run]);
  const [curvesResult, refetchCurves] = useQuery({
    query: MetricsQuery,
    variables: { runIds: [id], keys: [...CURVE_KEYS], maxPoints: 1000 },
  });
  const refresh = useCallback(() => {
    reexecute({ requestPolicy: 'network-only' });
    refetchCurves({ requestPolicy: 'network-only' });
  }, [reexecute, refetchCurves]);
  useLiveRun(run?.status, refresh);
  const curveModels = useMemo(() => {
    const series = curvesResult.data?.metrics ?? [];
    // One run: each line is one metric key, labelled by it.
    const chart = (keys: MetricSeriesData[], log: boolean) => {
      const model = buildChart(keys, runs, 'step', 'none', log);
      model.lines.forEach((line, index) => (line.label = keys[index].key));
      return model;
    };
    return {
      accuracy: chart(
        series.filter((s) => s.key.endsWith('accuracy')),
        false,
      ),
      loss: chart(
        series.filter((s) => s.key.endsWith('loss')),
        logY,
      ),
    };
  }, [curvesResult.data, runs, logY]);

  const weightLayers = useMemo(
    () =>
      (experiment?.sourceModel?.layers ?? [])
        .filter((layer) => layer.weightBearing)
        .map((layer) => layer.name),
    [experiment],
  );
  const [driftResult] = useQuery({
    query: MetricsQuery,
    variables: {
      runIds: [id],
      keys: weightLayers.slice(0, 50).map((name) => `${DRIFT_PREFIX}${name}`),
      maxPoints: 500,
    },
    pause: weightLayers.length === 0,
  });
  const driftModel = useMemo(
    () => buildDriftChart((driftResult.data?.metrics ?? []) as MetricSeriesData[], weightLayers),
    [driftResult.data, weightLayers],
  );

  return (
    <main>
      <QueryState
        fetching={result.fetching}
        error={result.error}
        hasData={!!run}
        retry={() => reexecute({ requestPolicy: 'network-only' })}
      >
        {run ? (
          <>
            <p>
              {experiment ? (
                <>
                  <Link prefetch={false} href={`/projects/${experiment.project.id}`}>
                    {experiment.project.name}
                  </Link>{' '}
                  /{' '}
                  <Link prefetch={false} href={`/experiments/${experiment.id}`}>
                    {experiment.name}
                  </Link>{' '}
                  /
                </>
              ) : run.kind === 'PRETRAIN' && run.modelId ? (
                <>
                  <Link prefetch={false} href="/models">
                    Models
                  </Link>{' '}
                  /{' '}
                  <Link prefetch={false} href={`/models/${run.modelId}`}>
                    the source model this run pretrains
                  </Link>{' '}
                  /
                </>
              ) : run.experimentId ? (
                <Link prefetch={false} href={`/experiments/${run.experimentId}`}>
                  Experiment
                </Link>
              ) : null}
            </p>
            <h1>
              {run.kind === 'PRETRAIN' ? 'Pretraining run' : 'Run'} {run.id.slice(0, 8)}{' '}
              <span className={`badge ${run.status}`}>{run.status.toLowerCase()}</span>
            </h1>
            {run.queueState ? (
              <p className="muted" data-testid="queue-state" title={run.queueState.message}>
                {queueStateLabel(run.queueState)}: {run.queueState.message}
              </p>
            ) : null}
            {writable ? (
              <div className="toolbar">
                {run.status === 'QUEUED' || run.status === 'RUNNING' ? (
                  <button type="button" className="danger" onClick={() => void cancelRun({ id })}>
                    Cancel run
                  </button>
                ) : null}
                {run.status === 'FAILED' || run.status === 'CANCELLED' ? (
                  <button type="button" onClick={() => void retryRun({ id })}>
                    Retry run
                  </button>
                ) : null}
                {statusError ? <span role="alert">{errorMessage(statusError)}</span> : null}
              </div>
            ) : null}
            <div className="panels">
              <section aria-label="Hyperparameters">
                <h2>Hyperparameters</h2>
                <dl className="facts" data-testid="run-hyperparameters">
                  <dt>Initialization</dt>
                  <dd>{run.initialization.toLowerCase()}</dd>
                  <dt>Frozen layers</dt>
                  <dd>
                    {run.frozenLayers}
                    {run.frozenLayers > 0 && weightLayers[run.frozenLayers - 1]
                      ? ` (up to ${weightLayers[run.frozenLayers - 1]})`
                      : ''}
                  </dd>
                  <dt>Learning rate</dt>
                  <dd>{run.learningRate}</dd>
                  <dt>Seed</dt>
                  <dd>{run.seed}</dd>
                  <dt>Epochs</dt>
                  <dd>{run.epochs}</dd>
                  <dt>Batch size</dt>
                  <dd>{run.batchSize}</dd>
                  <dt>Optimizer</dt>
                  <dd>{run.optimizer.toLowerCase()}</dd>
                  <dt>Augmentation</dt>
                  <dd data-testid="run-augmentation">{describeAugmentation(run.augmentation)}</dd>
                </dl>
              </section>
              <section aria-label="Summary and timings">
                <h2>Summary and timings</h2>
                <dl className="facts">
                  <dt>Best val accuracy</dt>
                  <dd>
                    {formatNumber(run.bestValAccuracy)}
                    {run.bestEpoch !== null ? ` (epoch ${run.bestEpoch})` : ''}
                  </dd>
                  <dt>Last val accuracy</dt>
                  <dd>{formatNumber(run.lastValAccuracy)}</dd>
                  <dt>Best / last val loss</dt>
                  <dd>
                    {formatNumber(run.bestValLoss)} / {formatNumber(run.lastValLoss)}
                  </dd>
                  <dt>Queued</dt>
                  <dd>{formatDate(run.queuedAt)}</dd>
                  <dt>Started</dt>
                  <dd>{formatDate(run.startedAt)}</dd>
                  <dt>Finished</dt>
                  <dd>{formatDate(run.finishedAt)}</dd>
                  <dt>Wall time</dt>
                  <dd>{formatDuration(run.wallSeconds)}</dd>
                  <dt>Samples/s</dt>
                  <dd>{formatNumber(run.samplesPerSecond)}</dd>
                  <dt>Backend</dt>
                  <dd>
                    {run.backend ?? '—'}
                    {run.device ? ` on ${run.device}` : ''}
                  </dd>
                  <dt>Feature cache</dt>
                  <dd data-testid="run-feature-cache">{featureCacheNote(run.featureCache)}</dd>
                  <dt>Attempts</dt>
                  <dd>{run.attempts}</dd>
                  <dt>Origin</dt>
                  <dd>
                    {run.external
                      ? 'logged by an outside script'
                      : `Finetrack worker ${run.workerId ?? ''}`}
                  </dd>
                </dl>
              </section>
            </div>
            {run.errorMessage ? (
              <section aria-label="Error">
                <h2>Error</h2>
                <pre className="error-text">{run.errorMessage}</pre>
              </section>
            ) : null}
            <h2>Curves</h2>
            <label>
              <input type="checkbox" checked={logY} onChange={(e) => setLogY(e.target.checked)} />{' '}
              Log scale for loss
            </label>
            {curvesResult.error ? (
              <ErrorState error={curvesResult.error} />
            ) : curvesResult.fetching && !curvesResult.data ? (
              <Loading label="Loading curves…" />
            ) : curveModels.accuracy.lines.length + curveModels.loss.lines.length === 0 ? (
              <Empty>No points logged yet.</Empty>
            ) : (
              <div className="panels">
                {curveModels.accuracy.lines.length ? (
                  <LineChart
                    model={curveModels.accuracy}
                    title="Accuracy"
                    xLabel="Step"
                    yLabel="accuracy"
                    testId="run-accuracy"
                  />
                ) : null}
                {curveModels.loss.lines.length ? (
                  <LineChart
                    model={curveModels.loss}
                    title="Loss"
                    xLabel="Step"
                    yLabel="loss"
                    logY={logY}
                    testId="run-loss"
                  />
                ) : null}
              </div>
            )}
            <h2>Weight drift per layer</h2>
            {driftModel.lines.length === 0 ? (
              <Empty>No drift logged for this run.</Empty>
            ) : (
              <LineChart
                model={driftModel}
                title="‖W − W₀‖ / ‖W₀‖"
                xLabel="Epoch"
                yLabel="drift"
                testId="run-drift"
              />
            )}
            {run.confusionMatrix ? <ConfusionMatrixView matrix={run.confusionMatrix} /> : null}
            <RunArtifacts artifacts={run.artifacts} />
          </>
        ) : null}
      </QueryState>
    </main>
  );
}
