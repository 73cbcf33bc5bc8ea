import {
  expandSweep,
  freezableLayers,
  isAugmentationOn,
  sweepProblems,
  type SweepSpec,
} from '@finetrack/shared';
import { rejectProblems } from '../../common/hyperparameters.js';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { likePattern } from '../../common/like-pattern.js';
import { badInput, notFound } from '../../graphql/errors.js';
import {
  applyListPage,
  isUuid,
  listPage,
  type ListOrder,
  type Page,
} from '../../common/pagination.js';
import type { RunsService } from '../runs/runs.service.js';
import type { RunSchedulerService } from '../runs/run-scheduler.service.js';
import type { DatasetsService } from '../datasets/datasets.service.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import { Model, ModelKindEnum } from '../models/model.entity.js';
import { Experiment, ExperimentStatus } from './experiment.entity.js';
import type {
  CreateExperimentInput,
  ExperimentFilter,
  SweepInput,
  UpdateExperimentInput,
} from './experiments.inputs.js';
import { depthForSize } from './depth-by-size.js';
import { cellKey, gridCompute, speedups } from './grid-compute.js';
import { GridSummary, type DepthForSize, type Grid, type GridStats } from './grid.types.js';

export function toSweepSpec(input: SweepInput): SweepSpec {
  return {
    frozenLayers: input.frozenLayers,
    learningRates: input.learningRates,
    ...(input.seeds ? { seeds: input.seeds } : {}),
    ...(input.trainSamples ? { trainSamples: input.trainSamples } : {}),
    epochs: input.epochs,
    batchSize: input.batchSize,
    optimizer: input.optimizer,
    includeScratchBaseline: input.includeScratchBaseline,
    ...(input.scratchLearningRate !== undefined && input.scratchLearningRate !== null
      ? { scratchLearningRate: input.scratchLearningRate }
      : {}),
    // Stored only when something is on, so a sweep without augmentation reads as before.
    ...(isAugmentationOn(input.augmentation)
      ? {
          augmentation: {
            flip: input.augmentation!.flip,
            crop: input.augmentation!.crop,
            rotation: input.augmentation!.rotation,
          },
        }
      : {}),
  };
}

export const isLowerBetter = (metric: string) => /loss/i.test(metric);

/** The training-set sizes an experiment's sweep gave, ascending; empty when it gave none. */
export function trainSampleSizes(experiment: Experiment): number[] {
  const sizes = experiment.sweep?.trainSamples;
  return Array.isArray(sizes) ? [...new Set(sizes)].sort((a, b) => a - b) : [];
}

interface GridRow {
  initialization: string;
  frozen_layers: number;
  learning_rate: number;
  total_runs: number;
  run_count: number;
  mean: number | null;
  std: number | null;
  best: number | null;
  worst_class: number | null;
}

const stats = (row: GridRow | undefined): GridStats | null =>
  row
    ? {
        runCount: row.run_count,
        totalRuns: row.total_runs,
        mean: row.mean,
        std: row.std,
        best: row.best,
      }
    : null;

export class ExperimentsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly runs: RunsService,
    private readonly datasets: DatasetsService,
    private readonly scheduler: RunSchedulerService,
  ) {}

  private get repository() {
    return this.dataSource.getRepository(Experiment);
  }

  /**
   * Creates the experiment and every run of its sweep in one transaction, then queues one job
   * per run (now if the source model is ready, else when its pretraining completes; a crash in
   * between is repaired by startExperiment).
   */
  async create(actor: Actor, input: CreateExperimentInput): Promise<Experiment> {
    const teamId = await this.access.requireOwned(
      actor,
      'projects',
      input.projectId,
      TeamRole.MEMBER,
      'project',
    );
    const source = isUuid(input.sourceModelId)
      ? await this.dataSource.getRepository(Model).findOneBy({ id: input.sourceModelId, teamId })
      : null;
    if (!source) throw notFound('source model');
    if (source.kind !== ModelKindEnum.SOURCE)
      throw badInput('sourceModelId must name a source model', { field: 'sourceModelId' });
    const target = await this.datasets.findInTeam(input.targetDatasetId, teamId);
    if (!target) throw notFound('target dataset');

    const sweep = toSweepSpec(input.sweep);
    // The trainer cuts below the classifier, so that is the deepest freeze it can carry out.
    const freezable = freezableLayers(source.layers).length;
    const maxFrozenLayers = freezable > 0 ? freezable : undefined;
    rejectProblems(
      sweepProblems(sweep, {
        maxFrozenLayers,
        datasetTrainSamples: target.trainSamples > 0 ? target.trainSamples : null,
        path: 'sweep',
      }),
    );
    const runs = expandSweep(sweep);
    const { created, runIds } = await this.dataSource.transaction(async (manager) => {
      const experiment = await manager.save(
        manager.create(Experiment, {
          teamId,
          projectId: input.projectId,
          name: input.name?.trim() || `${source.name} → fine-tune`,
          sourceModelId: source.id,
          targetDatasetId: input.targetDatasetId,
          sweep,
          status: ExperimentStatus.ACTIVE,
        }),
      );
      const inserted = await this.runs.insertMany(manager, teamId, experiment.id, runs);
      return { created: experiment, runIds: inserted.map((run) => run.id) };
    });
    await this.scheduler.enqueueRuns(runIds);
    return created;
  }

  /** Queues every queued run of the experiment that has no job yet (repairs a crashed create). */
  async start(actor: Actor, id: string): Promise<Experiment> {
    await this.access.requireOwned(actor, 'experiments', id, TeamRole.MEMBER, 'experiment');
    await this.scheduler.enqueueExperiment(id);
    return this.repository.findOneByOrFail({ id });
  }

  /** An experiment by id without access checks (the worker path checked the run). */
  find(id: string): Promise<Experiment | null> {
    return this.repository.findOneBy({ id });
  }

  async get(actor: Actor, id: string): Promise<Experiment> {
    await this.access.requireOwned(actor, 'experiments', id, TeamRole.VIEWER, 'experiment');
    const experiment = await this.repository.findOneBy({ id });
    if (!experiment) throw notFound('experiment');
    return experiment;
  }

  async list(
    actor: Actor,
    projectId: string,
    args: { first?: number | null; after?: string | null; orderBy?: ListOrder | null },
    filter?: ExperimentFilter | null,
  ): Promise<Page<Experiment>> {
    await this.access.requireOwned(actor, 'projects', projectId, TeamRole.VIEWER, 'project');
    const qb = this.repository
      .createQueryBuilder('experiment')
      .where('experiment.projectId = :projectId', { projectId });
    if (filter?.search)
      qb.andWhere('experiment.name ILIKE :search', { search: likePattern(filter.search) });
    if (filter?.status) qb.andWhere('experiment.status = :status', { status: filter.status });
    if (filter?.sourceModelId && isUuid(filter.sourceModelId))
      qb.andWhere('experiment.sourceModelId = :sourceModelId', {
        sourceModelId: filter.sourceModelId,
      });
    const limit = applyListPage(qb, 'experiment', args);
    return listPage(await qb.getMany(), limit, args.orderBy);
  }

  async update(actor: Actor, input: UpdateExperimentInput): Promise<Experiment> {
    await this.access.requireOwned(actor, 'experiments', input.id, TeamRole.MEMBER, 'experiment');
    const patch: Partial<Experiment> = {};
    if (input.name) patch.name = input.name.trim();
    if (input.status) patch.status = input.status;
    if (Object.keys(patch).length > 0) await this.repository.update({ id: input.id }, patch);
    return this.get(actor, input.id);
  }

  async delete(actor: Actor, id: string): Promise<boolean> {
    await this.access.requireOwned(actor, 'experiments', id, TeamRole.MEMBER, 'experiment');
    await this.repository.delete({ id });
    return true;
  }

  /**
   * depthForSize for every size the sweep varies, one grid query per size. `experiment` was read
   * through an access check (it is a field of it).
   */
  async depthBySize(
    experiment: Experiment,
    metric: string,
    summary: GridSummary,
    learningRate: number | null,
  ): Promise<DepthForSize[]> {
    const sizes = trainSampleSizes(experiment);
    if (sizes.length === 0) return [];
    const source = experiment.sourceModelId
      ? await this.dataSource
          .getRepository(Model)
          .findOneBy({ id: experiment.sourceModelId, teamId: experiment.teamId })
      : null;
    // The same count the trainer's suggestion uses: the layers kept below the classifier.
    const weightBearing = source ? freezableLayers(source.layers).length : 0;
    const result: DepthForSize[] = [];
    for (const size of sizes)
      result.push(
        depthForSize(
          experiment,
          await this.grid(experiment, metric, summary, size),
          weightBearing,
          learningRate,
        ),
      );
    return result;
  }

  /**
   * The frozenLayers × learningRate table: each run is summarised by the best or last value of
   * `metric`, then each cell aggregates its runs (seeds). Scratch runs form the baseline.
   */
  async grid(
    experiment: Experiment,
    metric: string,
    summary: GridSummary,
    trainSamples?: number | null,
    target?: number | null,
  ): Promise<Grid> {
    if (metric.length === 0 || metric.length > 200)
      throw badInput('metric must be 1–200 characters');
    const sizes = trainSampleSizes(experiment);
    if (trainSamples !== undefined && trainSamples !== null && !sizes.includes(trainSamples))
      throw badInput(
        sizes.length === 0
          ? 'this experiment does not vary the training-set size'
          : `trainSamples must be one of the sweep's sizes: ${sizes.join(', ')}`,
        { field: 'trainSamples' },
      );
    // A sweep over sizes answers one size at a time (the largest unless asked): mixing sizes in a
    // cell would average runs that saw different data.
    const size = trainSamples ?? (sizes.length > 0 ? sizes[sizes.length - 1]! : null);
    const lowerIsBetter = isLowerBetter(metric);
    const pick = summary === GridSummary.LAST ? 'last_v' : lowerIsBetter ? 'min_v' : 'max_v';
    const best = lowerIsBetter ? 'min' : 'max';
    const rows: GridRow[] = await this.dataSource.query(
      `WITH per_run AS (
         SELECT r.initialization, r.frozen_layers, r.learning_rate, s.${pick} AS v,
                r.worst_class_accuracy AS w
           FROM runs r
           CROSS JOIN LATERAL (
             -- Extremes from the chunk roll-up, the last value by index: no full curve scans.
             SELECT (SELECT min(c.low[1]) FROM metric_chunks c
                      WHERE c.run_id = r.id AND c.key = $2) AS min_v,
                    (SELECT max(c.high[1]) FROM metric_chunks c
                      WHERE c.run_id = r.id AND c.key = $2) AS max_v,
                    (SELECT p.value FROM metric_points p
                      WHERE p.run_id = r.id AND p.key = $2 ORDER BY p.step DESC LIMIT 1) AS last_v
           ) s
          WHERE r.experiment_id = $1 AND r.train_samples IS NOT DISTINCT FROM $3::int
       )
       SELECT initialization,
              CASE WHEN initialization = 'scratch' THEN 0 ELSE frozen_layers END AS frozen_layers,
              CASE WHEN initialization = 'scratch' THEN 0 ELSE learning_rate END AS learning_rate,
              count(*)::int AS total_runs, count(v)::int AS run_count,
              avg(v) AS mean, stddev_samp(v) AS std, ${best}(v) AS best,
              avg(w) AS worst_class
         FROM per_run
        GROUP BY 1, 2, 3
        ORDER BY 2, 3`,
      [experiment.id, metric, size],
    );
    if (
      target !== undefined &&
      target !== null &&
      !(Number.isFinite(target) && target > 0 && target <= 1)
    )
      throw badInput('target must be a validation accuracy in (0, 1]', { field: 'target' });
    const compute = await this.computeToTarget(experiment, size, target);
    const scratch = stats(rows.find((row) => row.initialization === 'scratch'));
    const cells = rows
      .filter((row) => row.initialization !== 'scratch')
      .map((row) => {
        const cell = stats(row)!;
        const measured = compute.cells.get(cellKey(row.frozen_layers, row.learning_rate));
        const gain =
          cell.mean === null || scratch?.mean === null || scratch?.mean === undefined
            ? null
            : lowerIsBetter
              ? scratch.mean - cell.mean
              : cell.mean - scratch.mean;
        return {
          ...cell,
          frozenLayers: row.frozen_layers,
          learningRate: row.learning_rate,
          gainOverScratch: gain,
          worstClassAccuracy: row.worst_class,
          computeToTarget: measured?.stats ?? null,
          ...speedups(compute.target, measured),
        };
      });
    return {
      metric,
      summary,
      lowerIsBetter,
      trainSamples: size,
      cells,
      scratch,
      computeTarget: compute.target,
      scratchComputeToTarget: compute.scratch,
    };
  }

  /** gridCompute with the experiment's dataset size and source model layers. */
  private async computeToTarget(
    experiment: Experiment,
    trainSamples: number | null,
    target: number | null | undefined,
  ) {
    const [dataset, source] = await Promise.all([
      experiment.targetDatasetId
        ? this.datasets.findInTeam(experiment.targetDatasetId, experiment.teamId)
        : null,
      experiment.sourceModelId
        ? this.dataSource
            .getRepository(Model)
            .findOneBy({ id: experiment.sourceModelId, teamId: experiment.teamId })
        : null,
    ]);
    return gridCompute(this.dataSource, {
      experimentId: experiment.id,
      trainSamples,
      datasetTrainSamples: dataset?.trainSamples ?? 0,
      layers: source?.layers ?? [],
      target,
    });
  }
}
