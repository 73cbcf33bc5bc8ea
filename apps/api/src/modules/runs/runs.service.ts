import {
  freezableLayers,
  hyperparameterProblems,
  type LayerInfo,
  TERMINAL_RUN_STATUSES,
  type Augmentation,
  type RunHyperparameters,
} from '@finetrack/shared';
import type { DataSource, EntityManager } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { rejectProblems } from '../../common/hyperparameters.js';
import { badInput, notFound } from '../../graphql/errors.js';
import {
  decodeCursor,
  encodeCursor,
  isUuid,
  pageSize,
  SortDirection,
  type Page,
} from '../../common/pagination.js';
import { EntityRows } from '../../common/entity-rows.js';
import type { Transaction } from '../queue/run-queue.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import { Run, RunStatusEnum } from './run.entity.js';
import {
  RunOrderField,
  type CreateRunInput,
  type RunFilter,
  type RunOrder,
  type UpdateRunInput,
} from './runs.inputs.js';

export const MAX_RUN_PAGE_SIZE = 500;

const TEXT_COLUMNS = new Set<string>([
  RunOrderField.STATUS,
  RunOrderField.OPTIMIZER,
  RunOrderField.INITIALIZATION,
]);

type RunCursor = [string | number | null, string];
const isRunCursor = (value: unknown): value is RunCursor =>
  Array.isArray(value) &&
  value.length === 2 &&
  (value[0] === null || typeof value[0] === 'string' || typeof value[0] === 'number') &&
  typeof value[1] === 'string' &&
  isUuid(value[1]);

/** SQL type a cursor value is cast to for a given (whitelisted) column. */
function castFor(column: RunOrderField): string {
  if (column === RunOrderField.CREATED_AT) return 'timestamptz';
  return TEXT_COLUMNS.has(column) ? 'text' : 'float8';
}

/** Whether a cursor's sort value can be cast to the column's type (else PostgreSQL fails). */
function cursorValueFits(value: string | number, cast: string): boolean {
  // pg hands bigint and numeric columns back as strings, so their cursors hold numeric text.
  if (cast === 'float8')
    return typeof value === 'number'
      ? Number.isFinite(value)
      : /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i.test(value);
  if (cast === 'timestamptz') return typeof value === 'string' && !Number.isNaN(Date.parse(value));
  return typeof value === 'string';
}

const SUMMARY_FIELDS = [
  'bestValAccuracy',
  'lastValAccuracy',
  'bestValLoss',
  'lastValLoss',
  'wallSeconds',
  'samplesPerSecond',
] as const;

export class RunsService {
  private readonly rows: EntityRows<Run>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {
    this.rows = new EntityRows(dataSource, Run);
  }

  async get(actor: Actor, id: string): Promise<Run> {
    await this.access.requireOwned(actor, 'runs', id, TeamRole.VIEWER, 'run');
    const run = await this.dataSource.getRepository(Run).findOneBy({ id });
    if (!run) throw notFound('run');
    return run;
  }

  /** A run by id without access checks (for events already checked at subscription time). */
  find(id: string): Promise<Run | null> {
    return this.dataSource.getRepository(Run).findOneBy({ id });
  }

  /**
   * Runs of an experiment with filters and keyset paging on any whitelisted column, nulls last,
   * id as tie-breaker.
   */
  async list(
    actor: Actor,
    experimentId: string,
    args: { first?: number | null; after?: string | null },
    filter?: RunFilter | null,
    orderBy?: RunOrder | null,
  ): Promise<Page<Run>> {
    await this.access.requireOwned(
      actor,
      'experiments',
      experimentId,
      TeamRole.VIEWER,
      'experiment',
    );
    const limit = pageSize(args.first, MAX_RUN_PAGE_SIZE);
    const params: unknown[] = [experimentId];
    const where = ['r.experiment_id = $1'];
    const param = (value: unknown) => {
      params.push(value);
      return `$${params.length}`;
    };
    if (filter?.status?.length) where.push(`r.status = ANY(${param(filter.status)}::text[])`);
    if (filter?.frozenLayers?.length)
      where.push(`r.frozen_layers = ANY(${param(filter.frozenLayers)}::int[])`);
    if (filter?.trainSamples?.length)
      where.push(`r.train_samples = ANY(${param(filter.trainSamples)}::int[])`);
    if (filter?.learningRateMin !== undefined && filter.learningRateMin !== null)
      where.push(`r.learning_rate >= ${param(filter.learningRateMin)}::float8`);
    if (filter?.learningRateMax !== undefined && filter.learningRateMax !== null)
      where.push(`r.learning_rate <= ${param(filter.learningRateMax)}::float8`);
    if (filter?.initialization) where.push(`r.initialization = ${param(filter.initialization)}`);
    if (filter?.external !== undefined && filter.external !== null)
      where.push(`r.external = ${param(filter.external)}`);

    const field = orderBy?.field ?? RunOrderField.CREATED_AT;
    if (!Object.values(RunOrderField).includes(field)) throw badInput('unknown orderBy field');
    const descending = orderBy?.direction === SortDirection.DESC;
    const direction = descending ? 'DESC' : 'ASC';
    const operator = descending ? '<' : '>';
    const column = `r.${field}`;
    if (args.after) {
      const [value, id] = decodeCursor(args.after, isRunCursor);
      if (value !== null && !cursorValueFits(value, castFor(field)))
        throw badInput('after is not a cursor this list produced');
      const idParam = param(id);
      if (value === null) where.push(`(${column} IS NULL AND r.id ${operator} ${idParam})`);
      else {
        const valueParam = `${param(value)}::${castFor(field)}`;
        where.push(
          `(${column} IS NULL OR ${column} ${operator} ${valueParam} OR (${column} = ${valueParam} AND r.id ${operator} ${idParam}))`,
        );
      }
    }
    const rows: Record<string, unknown>[] = await this.dataSource.query(
      `SELECT ${this.rows.columns('r')} FROM runs r WHERE ${where.join(' AND ')}
        ORDER BY (${column} IS NULL), ${column} ${direction}, r.id ${direction}
        LIMIT ${limit + 1}`,
      params,
    );
    const kept = rows.slice(0, limit);
    const nodes = kept.map((row) => this.rows.from(row));
    const lastRow = kept.at(-1);
    let endCursor: string | null = null;
    if (lastRow) {
      const raw = lastRow[propertyOf(field)];
      const value =
        raw instanceof Date ? raw.toISOString() : raw === null || raw === undefined ? null : raw;
      endCursor = encodeCursor([value as string | number | null, lastRow.id as string]);
    }
    return { nodes, pageInfo: { hasNextPage: rows.length > limit, endCursor } };
  }

  /**
   * Inserts every run of a sweep with one statement, keeping the expansion order in created_at.
   * Returns the inserted runs (in no particular order).
   */
  async insertMany(
    manager: EntityManager,
    teamId: string,
    experimentId: string,
    runs: RunHyperparameters[],
  ): Promise<Run[]> {
    const rows: Record<string, unknown>[] = await manager.query(
      `INSERT INTO runs (team_id, experiment_id, frozen_layers, learning_rate, epochs, batch_size,
                         optimizer, seed, initialization, train_samples, augment_flip,
                         augment_crop, augment_rotation, created_at)
       SELECT $1, $2, f, l, e, b, o, s, i, ts, af, ac, ar,
              date_trunc('milliseconds', now()) + (n - 1) * interval '1 millisecond'
         FROM unnest($3::int[], $4::float8[], $5::int[], $6::int[], $7::text[], $8::int[], $9::text[],
                     $10::int[], $11::boolean[], $12::float8[], $13::float8[])
              WITH ORDINALITY AS t(f, l, e, b, o, s, i, ts, af, ac, ar, n)
       RETURNING ${this.rows.columns()}`,
      [
        teamId,
        experimentId,
        runs.map((r) => r.frozenLayers),
        runs.map((r) => r.learningRate),
        runs.map((r) => r.epochs),
        runs.map((r) => r.batchSize),
        runs.map((r) => r.optimizer),
        runs.map((r) => r.seed),
        runs.map((r) => r.initialization),
        runs.map((r) => r.trainSamples ?? null),
        runs.map((r) => r.augmentation?.flip ?? false),
        runs.map((r) => r.augmentation?.crop ?? 0),
        runs.map((r) => r.augmentation?.rotation ?? 0),
      ],
    );
    return rows.map((row) => this.rows.from(row));
  }

  /** The queued PRETRAIN run that trains `modelId` from scratch (not yet given a job). */
  async insertPretraining(
    tx: Transaction,
    teamId: string,
    modelId: string,
    hyperparameters: {
      learningRate: number;
      epochs: number;
      batchSize: number;
      optimizer: string;
      seed: number;
      augmentation?: Augmentation | null;
    },
  ): Promise<Run> {
    const [row] = await tx.query(
      `INSERT INTO runs (team_id, kind, model_id, frozen_layers, learning_rate, epochs, batch_size,
                         optimizer, seed, initialization, status, augment_flip, augment_crop,
                         augment_rotation)
       VALUES ($1, 'pretrain', $2, 0, $3, $4, $5, $6, $7, 'scratch', 'queued', $8, $9, $10)
       RETURNING ${this.rows.columns()}`,
      [
        teamId,
        modelId,
        hyperparameters.learningRate,
        hyperparameters.epochs,
        hyperparameters.batchSize,
        hyperparameters.optimizer,
        hyperparameters.seed,
        hyperparameters.augmentation?.flip ?? false,
        hyperparameters.augmentation?.crop ?? 0,
        hyperparameters.augmentation?.rotation ?? 0,
      ],
    );
    return this.rows.from(row);
  }

  /** The deepest freeze an experiment's source model allows (as createExperiment checks it). */
  private async maxFrozenLayersOf(experimentId: string): Promise<number | undefined> {
    const [row]: { layers: LayerInfo[] | null }[] = await this.dataSource.query(
      `SELECT m.layers FROM experiments e JOIN models m ON m.id = e.source_model_id
       WHERE e.id = $1`,
      [experimentId],
    );
    const freezable = row?.layers ? freezableLayers(row.layers).length : 0;
    return freezable > 0 ? freezable : undefined;
  }

  async create(actor: Actor, input: CreateRunInput): Promise<Run> {
    const teamId = await this.access.requireOwned(
      actor,
      'experiments',
      input.experimentId,
      TeamRole.MEMBER,
      'experiment',
    );
    // A worker can only freeze what the source keeps; an external run records what its script did.
    rejectProblems(
      hyperparameterProblems(input, {
        maxFrozenLayers: input.external
          ? undefined
          : await this.maxFrozenLayersOf(input.experimentId),
      }),
    );
    const now = new Date();
    return this.dataSource.getRepository(Run).save({
      teamId,
      experimentId: input.experimentId,
      frozenLayers: input.frozenLayers,
      learningRate: input.learningRate,
      epochs: input.epochs,
      batchSize: input.batchSize,
      optimizer: input.optimizer,
      seed: input.seed,
      initialization: input.initialization,
      external: input.external,
      status: input.external ? RunStatusEnum.RUNNING : RunStatusEnum.QUEUED,
      startedAt: input.external ? now : null,
      queuedAt: input.external ? null : now,
      attempts: 0,
    });
  }

  async update(actor: Actor, input: UpdateRunInput): Promise<Run> {
    await this.access.requireOwned(actor, 'runs', input.id, TeamRole.MEMBER, 'run');
    const repository = this.dataSource.getRepository(Run);
    const current = input.status ? await repository.findOneBy({ id: input.id }) : null;
    if (current?.external && input.status === RunStatusEnum.QUEUED)
      throw badInput(
        'external runs are never queued: set running, succeeded, failed or cancelled',
        {
          field: 'status',
        },
      );
    const patch: Partial<Run> = {};
    for (const key of SUMMARY_FIELDS) {
      const value = input[key];
      if (value === undefined || value === null) continue;
      if (!Number.isFinite(value)) throw badInput(`${key} must be a finite number`, { field: key });
      patch[key] = value;
    }
    if (input.bestEpoch !== undefined && input.bestEpoch !== null)
      patch.bestEpoch = input.bestEpoch;
    if (input.errorMessage !== undefined && input.errorMessage !== null)
      patch.errorMessage = input.errorMessage;
    if (input.backend) patch.backend = input.backend;
    if (input.device) patch.device = input.device;
    if (input.status) {
      patch.status = input.status;
      if (input.status === RunStatusEnum.RUNNING) patch.startedAt = new Date();
      if (isTerminal(input.status)) patch.finishedAt = new Date();
      if (input.status === RunStatusEnum.QUEUED) {
        patch.queuedAt = new Date();
        patch.finishedAt = null;
      }
    }
    if (current?.external && input.status) {
      // Finishing an external run again is a no-op for its timestamps (scripts retry).
      if (current.status === input.status) {
        delete patch.startedAt;
        delete patch.finishedAt;
      } else if (input.status === RunStatusEnum.RUNNING) patch.finishedAt = null; // resumed
      if (isTerminal(input.status))
        Object.assign(patch, await this.derivedSummary(current, patch, input));
    }
    if (Object.keys(patch).length > 0) await repository.update({ id: input.id }, patch);
    return this.get(actor, input.id);
  }

  /**
   * Summary columns an external run left empty, read from the metrics its script logged:
   * best (max) and last val_accuracy, best (min) and last val_loss, the step of the best
   * val_accuracy (else of the best val_loss) as bestEpoch, and the seconds since it started.
   * What the script sent, now or before, is never replaced.
   */
  private async derivedSummary(
    run: Run,
    patch: Partial<Run>,
    input: UpdateRunInput,
  ): Promise<Partial<Run>> {
    const unset = (key: keyof Run & keyof UpdateRunInput) =>
      (input[key] === undefined || input[key] === null) &&
      (run[key] === null || run[key] === undefined);
    const [row]: {
      best_accuracy: number | null;
      last_accuracy: number | null;
      best_accuracy_step: number | null;
      best_loss: number | null;
      last_loss: number | null;
      best_loss_step: number | null;
    }[] = await this.dataSource.query(
      `SELECT (SELECT max(value) FROM metric_points WHERE run_id = $1 AND key = 'val_accuracy') AS best_accuracy,
              (SELECT value FROM metric_points WHERE run_id = $1 AND key = 'val_accuracy'
                ORDER BY step DESC LIMIT 1) AS last_accuracy,
              (SELECT step FROM metric_points WHERE run_id = $1 AND key = 'val_accuracy'
                ORDER BY value DESC, step LIMIT 1) AS best_accuracy_step,
              (SELECT min(value) FROM metric_points WHERE run_id = $1 AND key = 'val_loss') AS best_loss,
              (SELECT value FROM metric_points WHERE run_id = $1 AND key = 'val_loss'
                ORDER BY step DESC LIMIT 1) AS last_loss,
              (SELECT step FROM metric_points WHERE run_id = $1 AND key = 'val_loss'
                ORDER BY value, step LIMIT 1) AS best_loss_step`,
      [run.id],
    );
    const derived: Partial<Run> = {};
    if (unset('bestValAccuracy') && row.best_accuracy !== null)
      derived.bestValAccuracy = row.best_accuracy;
    if (unset('lastValAccuracy') && row.last_accuracy !== null)
      derived.lastValAccuracy = row.last_accuracy;
    if (unset('bestValLoss') && row.best_loss !== null) derived.bestValLoss = row.best_loss;
    if (unset('lastValLoss') && row.last_loss !== null) derived.lastValLoss = row.last_loss;
    const bestStep = row.best_accuracy_step ?? row.best_loss_step;
    if (unset('bestEpoch') && bestStep !== null) derived.bestEpoch = bestStep;
    const finishedAt = patch.finishedAt ?? run.finishedAt;
    if (unset('wallSeconds') && run.startedAt && finishedAt)
      derived.wallSeconds = Math.max(0, (finishedAt.getTime() - run.startedAt.getTime()) / 1000);
    return derived;
  }

  async delete(actor: Actor, id: string): Promise<boolean> {
    await this.access.requireOwned(actor, 'runs', id, TeamRole.MEMBER, 'run');
    await this.dataSource.getRepository(Run).delete({ id });
    return true;
  }
}

const isTerminal = (status: string) =>
  (TERMINAL_RUN_STATUSES as readonly string[]).includes(status);

function propertyOf(field: RunOrderField): string {
  return field.replace(/_([a-z])/g, (_match, letter: string) => letter.toUpperCase());
}
