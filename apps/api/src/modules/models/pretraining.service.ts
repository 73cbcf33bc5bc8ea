import { hyperparameterProblems, type Augmentation } from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { rejectProblems } from '../../common/hyperparameters.js';
import { badInput, notFound } from '../../graphql/errors.js';
import type { DatasetsService } from '../datasets/datasets.service.js';
import { inTransaction, type Transaction } from '../queue/run-queue.js';
import type { Run } from '../runs/run.entity.js';
import type { RunSchedulerService } from '../runs/run-scheduler.service.js';
import type { RunsService } from '../runs/runs.service.js';
import type { PretrainModelInput } from '../runs/worker.types.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import type { Model } from './model.entity.js';
import type { ModelsService } from './models.service.js';

/** What a pretraining needs: the model it registers and how its run trains it. */
export interface Pretraining {
  teamId: string;
  name: string;
  architecture: string;
  inputShape: number[];
  datasetId: string;
  epochs: number;
  batchSize: number;
  learningRate: number;
  optimizer: string;
  seed: number;
  /** Absent or null: none. */
  augmentation?: Augmentation | null;
}

/** Source models trained from scratch by a worker: the pending model and its PRETRAIN run. */
export class PretrainingService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly models: ModelsService,
    private readonly runs: RunsService,
    private readonly datasets: DatasetsService,
    private readonly scheduler: RunSchedulerService,
  ) {}

  /** A pending source model and the PRETRAIN run that trains it, queued. Members. */
  async pretrain(actor: Actor, input: PretrainModelInput): Promise<Run> {
    await this.access.require(actor, input.teamId, TeamRole.MEMBER);
    if (!(await this.datasets.existsInTeam(input.datasetId, input.teamId)))
      throw notFound('dataset');
    rejectProblems(hyperparameterProblems(input));
    if (input.inputShape.length !== 3 || input.inputShape.some((d) => d < 1 || d > 4096))
      throw badInput('inputShape must be [height, width, channels]', { field: 'inputShape' });
    const { run } = await inTransaction(this.dataSource, (tx) =>
      this.create(tx, { ...input, name: input.name.trim() }),
    );
    return run;
  }

  /** A pending source model and its pretraining run, queued, in `tx` (the demo seeds one too). */
  async create(tx: Transaction, input: Pretraining): Promise<{ model: Model; run: Run }> {
    const model = await this.models.createPending(tx, input);
    const run = await this.runs.insertPretraining(tx, input.teamId, model.id, input);
    await this.scheduler.enqueue(tx, [run.id]);
    return { model, run };
  }
}
