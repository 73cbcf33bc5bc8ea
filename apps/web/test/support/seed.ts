import { createHash } from 'node:crypto';
import { smallCnnLayers } from '@finetrack/shared/testing';
import type { ApiClient } from './api-client';

export const SOURCE_LAYERS = smallCnnLayers(10);
const WEIGHT_LAYERS = SOURCE_LAYERS.filter((layer) => layer.weightBearing).map(
  (layer) => layer.name,
);

export interface Catalogue {
  datasetId: string;
  sourceDatasetId: string;
  sourceModelId: string;
  targetModelId: string;
}

/** A source dataset and model, a target dataset, and one target model made from the source. */
export async function seedCatalogue(client: ApiClient, teamId: string): Promise<Catalogue> {
  const dataset = async (name: string, classes: number[], kind: string) =>
    (
      await client.gql<{ createDataset: { id: string } }>(
        'mutation($input: CreateDatasetInput!) { createDataset(input: $input) { id } }',
        {
          input: {
            teamId,
            name,
            classNames: classes.map(String),
            trainSamples: 6000 * classes.length,
            validationSamples: 1000 * classes.length,
            contentHash: createHash('sha256').update(name).digest('hex'),
            spec: { kind, classes },
          },
        },
      )
    ).createDataset.id;
  const sourceDatasetId = await dataset('MNIST digits 0–4', [0, 1, 2, 3, 4], 'mnist');
  const datasetId = await dataset('MNIST digits 5–9', [5, 6, 7, 8, 9], 'mnist');
  const createModel = async (input: Record<string, unknown>) =>
    (
      await client.gql<{ createModel: { id: string } }>(
        'mutation($input: CreateModelInput!) { createModel(input: $input) { id } }',
        {
          input: {
            teamId,
            architecture: 'small-cnn',
            inputShape: [28, 28, 1],
            totalParams: 56714,
            ...input,
          },
        },
      )
    ).createModel.id;
  const sourceModelId = await createModel({
    name: 'small-cnn on digits 0–4',
    kind: 'SOURCE',
    datasetId: sourceDatasetId,
    layers: SOURCE_LAYERS,
    trainableParams: 56714,
  });
  const targetModelId = await createModel({
    name: 'small-cnn → digits 5–9 (2 frozen)',
    kind: 'TARGET',
    datasetId,
    parentModelId: sourceModelId,
    layers: SOURCE_LAYERS.map((layer) => ({
      ...layer,
      trainable: !['conv1', 'conv2'].includes(layer.name),
    })),
    trainableParams: 51914,
    surgery: {
      cutLayer: 'dense1',
      frozenLayerNames: ['conv1', 'conv2'],
      frozenLayers: 2,
      headUnits: 5,
      learningRate: 0.0001,
    },
  });
  return { datasetId, sourceDatasetId, sourceModelId, targetModelId };
}

export interface RunSeed {
  id: string;
  frozenLayers: number;
  learningRate: number;
  seed: number;
  initialization: 'PRETRAINED' | 'SCRATCH';
}

/** A deterministic pseudo-random number in [0, 1) from integers. */
function noise(...values: number[]): number {
  let hash = 2166136261;
  for (const value of values) hash = Math.imul(hash ^ Math.round(value * 1e6), 16777619);
  return ((hash >>> 0) % 10_000) / 10_000;
}

function accuracyAt(run: RunSeed, fraction: number): number {
  const scratch = run.initialization === 'SCRATCH';
  const ceiling = scratch
    ? 0.9
    : 0.97 - 0.02 * Math.abs(run.frozenLayers - 1) - 3 * Math.abs(run.learningRate - 0.001);
  const speed = scratch ? 3 : 6 + run.frozenLayers;
  const base = ceiling * (1 - Math.exp(-speed * fraction));
  return Math.min(
    0.999,
    Math.max(
      0.05,
      base + (noise(run.seed, run.frozenLayers, run.learningRate, fraction) - 0.5) * 0.02,
    ),
  );
}

export interface ExperimentSeedOptions {
  projectId: string;
  sourceModelId: string;
  datasetId: string;
  name: string;
  frozenLayers: number[];
  learningRates: number[];
  seeds: number[];
  includeScratchBaseline: boolean;
  epochs: number;
  /** Points per curve (val_accuracy, val_loss; accuracy and loss get the same steps). */
  steps: number;
  /** Curve keys to log; all four by default. */
  keys?: string[];
  withDrift?: boolean;
  /** Leave this many runs failed, with an error message and no points. */
  failed?: number;
  /** Runs whose curves are logged (the rest only get summaries); all by default. */
  curveRuns?: number;
}

/**
 * Creates an experiment through the API (its sweep expands into queued runs), then reports every
 * run as a worker or script would: summaries through updateRun and curves through logMetrics.
 */
export async function seedExperiment(client: ApiClient, options: ExperimentSeedOptions) {
  const created = await client.gql<{ createExperiment: { id: string } }>(
    'mutation($input: CreateExperimentInput!) { createExperiment(input: $input) { id } }',
    {
      input: {
        projectId: options.projectId,
        sourceModelId: options.sourceModelId,
        targetDatasetId: options.datasetId,
        name: options.name,
        sweep: {
          frozenLayers: options.frozenLayers,
          learningRates: options.learningRates,
          seeds: options.seeds,
          includeScratchBaseline: options.includeScratchBaseline,
          epochs: options.epochs,
          batchSize: 64,
        },
      },
    },
  );
  const experimentId = created.createExperiment.id;
  const runs: RunSeed[] = [];
  let after: string | null = null;
  do {
    const page: {
      runs: { nodes: RunSeed[]; pageInfo: { hasNextPage: boolean; endCursor: string | null } };
    } = await client.gql(
      `query($id: ID!, $after: String) { runs(experimentId: $id, first: 500, after: $after) {
        nodes { id frozenLayers learningRate seed initialization } pageInfo { hasNextPage endCursor } } }`,
      { id: experimentId, after },
    );
    runs.push(...page.runs.nodes);
    after = page.runs.pageInfo.hasNextPage ? page.runs.pageInfo.endCursor : null;
  } while (after);

  const keys = options.keys ?? ['val_accuracy', 'val_loss', 'accuracy', 'loss'];
  const failed = new Set(runs.slice(0, options.failed ?? 0).map((run) => run.id));
  const curveRuns = new Set(runs.slice(0, options.curveRuns ?? runs.length).map((run) => run.id));
  const start = 1_780_000_000;
  const updateRun = 'mutation($input: UpdateRunInput!) { updateRun(input: $input) { id } }';
  const logMetrics =
    'mutation($runId: ID!, $points: [MetricPointInput!]!) { logMetrics(runId: $runId, points: $points) { written } }';

  const report = async (run: RunSeed) => {
    await client.gql(updateRun, { input: { id: run.id, status: 'RUNNING', backend: 'wasm' } });
    if (failed.has(run.id)) {
      await client.gql(updateRun, {
        input: {
          id: run.id,
          status: 'FAILED',
          errorMessage: 'Error: out of memory while allocating conv2 gradients',
        },
      });
      return;
    }
    const points: { key: string; step: number; value: number; wallTime: number }[] = [];
    let best = 0;
    let bestStep = 0;
    let last = 0;
    if (curveRuns.has(run.id)) {
      for (let step = 1; step <= options.steps; step++) {
        const fraction = step / options.steps;
        const accuracy = accuracyAt(run, fraction);
        if (accuracy > best) {
          best = accuracy;
          bestStep = step;
        }
        last = accuracy;
        const wallTime = start + step * (0.5 + run.frozenLayers * 0.05);
        const values: Record<string, number> = {
          val_accuracy: accuracy,
          val_loss: -Math.log(accuracy),
          accuracy: Math.min(0.999, accuracy + 0.01),
          loss: -Math.log(Math.min(0.999, accuracy + 0.01)),
        };
        for (const key of keys) points.push({ key, step, value: values[key], wallTime });
      }
      if (options.withDrift)
        for (let epoch = 1; epoch <= options.epochs; epoch++)
          WEIGHT_LAYERS.forEach((layer, index) => {
            const frozen = run.initialization === 'PRETRAINED' && index < run.frozenLayers;
            const drift = frozen
              ? 0
              : (epoch / options.epochs) * (0.05 + index * 0.04) * (run.learningRate * 1000) ** 0.5;
            points.push({
              key: `drift/${layer}`,
              step: epoch,
              value: drift,
              wallTime: start + epoch,
            });
          });
      for (let offset = 0; offset < points.length; offset += 10_000)
        await client.gql(logMetrics, {
          runId: run.id,
          points: points.slice(offset, offset + 10_000),
        });
    }
    const epochOf = (step: number) =>
      Math.max(1, Math.round((step / options.steps) * options.epochs));
    await client.gql(updateRun, {
      input: {
        id: run.id,
        status: 'SUCCEEDED',
        bestValAccuracy: best || null,
        lastValAccuracy: last || null,
        bestValLoss: best ? -Math.log(best) : null,
        lastValLoss: last ? -Math.log(last) : null,
        bestEpoch: best ? epochOf(bestStep) : null,
        wallSeconds: 30 + run.frozenLayers * 2 + noise(run.seed) * 3,
        samplesPerSecond: 1500 + run.frozenLayers * 300,
      },
    });
  };

  // A few reporters at once, as several workers would.
  const queue = [...runs];
  await Promise.all(
    Array.from({ length: 6 }, async () => {
      for (let run = queue.shift(); run; run = queue.shift()) await report(run);
    }),
  );
  return { experimentId, runs, failedRunIds: [...failed] };
}
