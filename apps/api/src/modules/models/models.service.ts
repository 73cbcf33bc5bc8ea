import {
  defaultPreprocessing,
  hyperparameterProblems,
  type LayerInfo,
  type SurgeryRecord,
} from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { rejectProblems } from '../../common/hyperparameters.js';
import { likePattern } from '../../common/like-pattern.js';
import { EntityRows } from '../../common/entity-rows.js';
import { badInput, notFound } from '../../graphql/errors.js';
import {
  applyListPage,
  isUuid,
  listPage,
  type ListOrder,
  type Page,
} from '../../common/pagination.js';
import type { Transaction } from '../queue/run-queue.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import { Model, ModelKindEnum } from './model.entity.js';
import type {
  CreateModelInput,
  LayerInput,
  ModelDescriptionInput,
  ModelFilter,
  UpdateModelInput,
} from './models.inputs.js';

type PageArgs = { first?: number | null; after?: string | null; orderBy?: ListOrder | null };

/** What a worker reports about the model it trained. */
export type TrainedModel = Pick<
  ModelDescriptionInput,
  'architecture' | 'inputShape' | 'layers' | 'totalParams' | 'trainableParams'
> & { weightsSha256?: string | null };

/** Layers as stored: a -1 (batch) dimension becomes null, a missing weight index null. */
function storedLayers(layers: LayerInput[]): LayerInfo[] {
  return layers.map((layer) => ({
    name: layer.name,
    type: layer.type,
    outputShape: layer.outputShape.map((d) => (d < 0 ? null : d)),
    params: layer.params,
    weightBearing: layer.weightBearing,
    weightIndex: layer.weightIndex ?? null,
    trainable: layer.trainable,
  }));
}

export class ModelsService {
  private readonly rows: EntityRows<Model>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {
    this.rows = new EntityRows(dataSource, Model);
  }

  private get repository() {
    return this.dataSource.getRepository(Model);
  }

  async create(actor: Actor, input: CreateModelInput): Promise<Model> {
    await this.access.require(actor, input.teamId, TeamRole.MEMBER);
    if (input.trainableParams > input.totalParams)
      throw badInput('trainableParams cannot exceed totalParams', { field: 'trainableParams' });
    if (input.datasetId)
      await this.assertSameTeam('datasets', input.datasetId, input.teamId, 'dataset');
    let parent: Model | null = null;
    if (input.kind === ModelKindEnum.TARGET) {
      if (!input.parentModelId || !input.surgery)
        throw badInput('a target model needs parentModelId and surgery', {
          field: 'parentModelId',
        });
      parent = await this.repository.findOneBy({
        id: isUuid(input.parentModelId)
          ? input.parentModelId
          : '00000000-0000-0000-0000-000000000000',
      });
      if (!parent || parent.teamId !== input.teamId) throw notFound('parent model');
      if (parent.kind !== ModelKindEnum.SOURCE)
        throw badInput('the parent of a target model must be a source model', {
          field: 'parentModelId',
        });
      const { learningRate, frozenLayers } = input.surgery;
      rejectProblems(hyperparameterProblems({ learningRate, frozenLayers }, { path: 'surgery' }));
    } else if (input.parentModelId || input.surgery) {
      throw badInput('only target models have a parent and a surgery record', { field: 'kind' });
    }
    return this.repository.save({
      teamId: input.teamId,
      name: input.name.trim(),
      kind: input.kind,
      architecture: input.architecture,
      inputShape: input.inputShape,
      layers: storedLayers(input.layers),
      totalParams: input.totalParams,
      trainableParams: input.trainableParams,
      datasetId: input.datasetId ?? null,
      parentModelId: input.parentModelId ?? null,
      surgery: input.surgery ? { ...input.surgery } : null,
      weightsSha256: input.weightsSha256 ?? null,
      // A target model scales its inputs as its source did; a source as its name suggests.
      preprocessing: parent?.preprocessing ?? defaultPreprocessing(input.name, input.architecture),
    });
  }

  async get(actor: Actor, id: string): Promise<Model> {
    await this.access.requireOwned(actor, 'models', id, TeamRole.VIEWER, 'model');
    const model = await this.repository.findOneBy({ id });
    if (!model) throw notFound('model');
    return model;
  }

  /** For lineage fields: null rather than an error when the link points nowhere visible. */
  async find(actor: Actor, id: string | null): Promise<Model | null> {
    if (!id) return null;
    return this.get(actor, id).catch(() => null);
  }

  async list(
    actor: Actor,
    teamId: string,
    args: PageArgs,
    filter?: ModelFilter | null,
  ): Promise<Page<Model>> {
    await this.access.require(actor, teamId, TeamRole.VIEWER);
    const qb = this.repository
      .createQueryBuilder('model')
      .where('model.teamId = :teamId', { teamId });
    if (filter?.kind) qb.andWhere('model.kind = :kind', { kind: filter.kind });
    if (filter?.search)
      qb.andWhere('model.name ILIKE :search', { search: likePattern(filter.search) });
    if (filter?.parentModelId) {
      if (!isUuid(filter.parentModelId))
        return { nodes: [], pageInfo: { hasNextPage: false, endCursor: null } };
      qb.andWhere('model.parentModelId = :parentModelId', { parentModelId: filter.parentModelId });
    }
    const limit = applyListPage(qb, 'model', args);
    return listPage(await qb.getMany(), limit, args.orderBy);
  }

  async update(actor: Actor, input: UpdateModelInput): Promise<Model> {
    await this.access.requireOwned(actor, 'models', input.id, TeamRole.MEMBER, 'model');
    const patch: Partial<Model> = {};
    if (input.name) patch.name = input.name.trim();
    if (input.weightsSha256) patch.weightsSha256 = input.weightsSha256;
    if (Object.keys(patch).length > 0) await this.repository.update({ id: input.id }, patch);
    return this.get(actor, input.id);
  }

  async delete(actor: Actor, id: string): Promise<boolean> {
    await this.access.requireOwned(actor, 'models', id, TeamRole.MEMBER, 'model');
    await this.repository.delete({ id });
    return true;
  }

  /** A model by id without access checks (the worker path checked the run). */
  findById(id: string): Promise<Model | null> {
    return this.repository.findOneBy({ id });
  }

  /** The pending source model a pretraining run will train (layers follow on completion). */
  async createPending(
    tx: Transaction,
    input: {
      teamId: string;
      name: string;
      architecture: string;
      inputShape: number[];
      datasetId: string;
    },
  ): Promise<Model> {
    const [row] = await tx.query(
      `INSERT INTO models (team_id, name, kind, architecture, input_shape, layers, total_params,
                           trainable_params, dataset_id, status)
       VALUES ($1, $2, 'source', $3, $4, '[]', 0, 0, $5, 'pending')
       RETURNING ${this.rows.columns()}`,
      [input.teamId, input.name, input.architecture, input.inputShape, input.datasetId],
    );
    return this.rows.from(row);
  }

  /** A pending source model, trained: its description as the worker reported it, ready. */
  async markTrained(tx: Transaction, id: string, trained: TrainedModel): Promise<Model> {
    const [row] = await tx.query(
      `UPDATE models SET architecture = $2, input_shape = $3, layers = $4, total_params = $5,
              trainable_params = $6, weights_sha256 = $7, status = 'ready'
        WHERE id = $1 RETURNING ${this.rows.columns()}`,
      [
        id,
        trained.architecture,
        trained.inputShape,
        JSON.stringify(storedLayers(trained.layers)),
        trained.totalParams,
        trained.trainableParams,
        trained.weightsSha256 ?? null,
      ],
    );
    return this.rows.from(row);
  }

  /** The ready target model a fine-tuning run trained. */
  async createTarget(
    tx: Transaction,
    input: TrainedModel & {
      teamId: string;
      name: string;
      datasetId: string | null;
      /** Null for a scratch baseline's model, which nothing was derived from. */
      parentModelId: string | null;
      surgery: SurgeryRecord | null;
      /** The model whose preprocessing it keeps: its source (a scratch baseline's too). */
      preprocessingOf: string;
    },
  ): Promise<Model> {
    const [row] = await tx.query(
      `INSERT INTO models (team_id, name, kind, architecture, input_shape, layers, total_params,
                           trainable_params, dataset_id, parent_model_id, surgery,
                           weights_sha256, status, preprocessing)
       VALUES ($1, $2, 'target', $3, $4, $5, $6, $7, $8, $9, $10, $11, 'ready',
               coalesce((SELECT preprocessing FROM models WHERE id = $12), 'unit'))
       RETURNING ${this.rows.columns()}`,
      [
        input.teamId,
        input.name,
        input.architecture,
        input.inputShape,
        JSON.stringify(storedLayers(input.layers)),
        input.totalParams,
        input.trainableParams,
        input.datasetId,
        input.parentModelId,
        input.surgery === null ? null : JSON.stringify({ ...input.surgery }),
        input.weightsSha256 ?? null,
        input.preprocessingOf,
      ],
    );
    return this.rows.from(row);
  }

  private async assertSameTeam(
    table: 'datasets' | 'models',
    id: string,
    teamId: string,
    what: string,
  ): Promise<void> {
    if (!isUuid(id)) throw notFound(what);
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM ${table} WHERE id = $1 AND team_id = $2`,
      [id, teamId],
    );
    if (rows.length === 0) throw notFound(what);
  }
}
