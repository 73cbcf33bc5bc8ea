import { DATASET_KINDS, type DatasetSpec } from '@finetrack/shared';
import type { DataSource, EntityManager } from 'typeorm';
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
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import { MAX_LIST_MULTIPLIER } from '../../graphql/list-prices.js';
import { Experiment } from '../experiments/experiment.entity.js';
import type { DatasetArchivesService } from './dataset-archives.service.js';
import { Dataset } from './dataset.entity.js';
import type { CreateDatasetInput, DatasetFilter, UpdateDatasetInput } from './datasets.inputs.js';

/**
 * A folder path the trainer resolves under its data root: relative, `/`-separated (`./photos`
 * is fine), no `..` or empty segments, no backslashes (a `..\\` on Windows), drive letters, NUL
 * or control characters. The trainer checks containment again (realpath) when it loads; this
 * keeps bad paths out of the database in the first place.
 */
export function isSafeRelativePath(value: unknown): value is string {
  if (typeof value !== 'string' || value === '' || value.length > 1024) return false;
  // eslint-disable-next-line no-control-regex
  if (/[\\\u0000-\u001f\u007f]/.test(value) || /^[A-Za-z]:/.test(value)) return false;
  if (value.startsWith('/') || value.startsWith('~')) return false;
  return value
    .replace(/\/$/, '')
    .split('/')
    .every((segment) => segment !== '' && segment !== '..');
}

/** Checks the loader spec's shape; the trainer trusts what is stored. */
export function parseDatasetSpec(spec: Record<string, unknown>): DatasetSpec {
  const kind = spec.kind;
  if (typeof kind !== 'string' || !(DATASET_KINDS as readonly string[]).includes(kind))
    throw badInput(`spec.kind must be one of ${DATASET_KINDS.join(', ')}`, { field: 'spec.kind' });
  if (kind === 'archive')
    throw badInput('an archive dataset is made by uploading its archive, not by naming one', {
      field: 'spec.kind',
    });
  if (kind === 'folder') {
    if (!isSafeRelativePath(spec.path))
      throw badInput(
        'spec.path must be a relative path inside the data root (no .., no leading /, no \\)',
        { field: 'spec.path' },
      );
  } else {
    const classes = spec.classes;
    if (
      !Array.isArray(classes) ||
      classes.length === 0 ||
      !classes.every((c) => Number.isInteger(c) && c >= 0 && c <= 9)
    )
      throw badInput('spec.classes must list class labels 0–9', { field: 'spec.classes' });
  }
  for (const key of ['trainSamples', 'validationSamples', 'seed'])
    if (spec[key] !== undefined && !Number.isInteger(spec[key]))
      throw badInput(`spec.${key} must be an integer`, { field: `spec.${key}` });
  return spec as unknown as DatasetSpec;
}

/**
 * The next version number of a dataset name in a team (1 for a new name). Takes a transaction
 * lock on the name first, so two datasets made at once under one name get 1 and 2, never 1 twice.
 */
export async function nextVersion(
  manager: EntityManager,
  teamId: string,
  name: string,
): Promise<number> {
  await manager.query('SELECT pg_advisory_xact_lock(hashtext($1), hashtext($2))', [teamId, name]);
  const [{ next }]: { next: number }[] = await manager.query(
    'SELECT (COALESCE(MAX(version), 0) + 1)::int AS next FROM datasets WHERE team_id = $1 AND name = $2',
    [teamId, name],
  );
  return next;
}

export class DatasetsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly archives?: DatasetArchivesService,
  ) {}

  private get repository() {
    return this.dataSource.getRepository(Dataset);
  }

  async create(actor: Actor, input: CreateDatasetInput): Promise<Dataset> {
    await this.access.require(actor, input.teamId, TeamRole.MEMBER);
    const spec = parseDatasetSpec(input.spec);
    const name = input.name.trim();
    return this.dataSource.transaction(async (manager) => {
      const version = await nextVersion(manager, input.teamId, name);
      return manager.getRepository(Dataset).save({
        teamId: input.teamId,
        name,
        version,
        classNames: input.classNames,
        trainSamples: input.trainSamples,
        validationSamples: input.validationSamples,
        contentHash: input.contentHash ?? null,
        spec,
      });
    });
  }

  async get(actor: Actor, id: string): Promise<Dataset> {
    await this.access.requireOwned(actor, 'datasets', id, TeamRole.VIEWER, 'dataset');
    const dataset = await this.repository.findOneBy({ id });
    if (!dataset) throw notFound('dataset');
    return dataset;
  }

  /** A dataset by id without access checks (the worker path checked the run). */
  find(id: string): Promise<Dataset | null> {
    return this.repository.findOneBy({ id });
  }

  /** Whether the dataset exists in the team (false for a malformed id). */
  /** The team's dataset of this id, or null (another team's is null too). */
  findInTeam(id: string, teamId: string): Promise<Dataset | null> {
    return isUuid(id) ? this.repository.findOneBy({ id, teamId }) : Promise.resolve(null);
  }

  async existsInTeam(id: string, teamId: string): Promise<boolean> {
    if (!isUuid(id)) return false;
    const found: unknown[] = await this.dataSource.query(
      'SELECT 1 FROM datasets WHERE id = $1 AND team_id = $2',
      [id, teamId],
    );
    return found.length > 0;
  }

  async list(
    actor: Actor,
    teamId: string,
    args: { first?: number | null; after?: string | null; orderBy?: ListOrder | null },
    filter?: DatasetFilter | null,
  ): Promise<Page<Dataset>> {
    await this.access.require(actor, teamId, TeamRole.VIEWER);
    const qb = this.repository
      .createQueryBuilder('dataset')
      .where('dataset.teamId = :teamId', { teamId });
    if (filter?.search)
      qb.andWhere('dataset.name ILIKE :search', { search: likePattern(filter.search) });
    if (filter?.kind) qb.andWhere(`dataset.spec->>'kind' = :kind`, { kind: filter.kind });
    const limit = applyListPage(qb, 'dataset', args);
    return listPage(await qb.getMany(), limit, args.orderBy);
  }

  async update(actor: Actor, input: UpdateDatasetInput): Promise<Dataset> {
    await this.access.requireOwned(actor, 'datasets', input.id, TeamRole.MEMBER, 'dataset');
    const patch: Partial<Dataset> = {};
    if (input.name) patch.name = input.name.trim();
    if (input.contentHash) patch.contentHash = input.contentHash;
    if (Object.keys(patch).length > 0) await this.repository.update({ id: input.id }, patch);
    return this.get(actor, input.id);
  }

  async delete(actor: Actor, id: string): Promise<boolean> {
    await this.access.requireOwned(actor, 'datasets', id, TeamRole.MEMBER, 'dataset');
    const dataset = await this.repository.findOneBy({ id });
    await this.repository.delete({ id });
    // After the delete committed: the bytes go when no other dataset of the team uses them.
    if (dataset?.spec.kind === 'archive')
      await this.archives?.removeIfUnreferenced(dataset.teamId, dataset.spec.sha256);
    return true;
  }

  /** All versions of a dataset's name in its team, newest first. */
  versions(dataset: Dataset): Promise<Dataset[]> {
    return this.repository.find({
      where: { teamId: dataset.teamId, name: dataset.name },
      order: { version: 'DESC' },
    });
  }

  async thumbnails(datasetId: string): Promise<{ index: number; className: string }[]> {
    const rows: { index: number; class_name: string }[] = await this.dataSource.query(
      'SELECT index, class_name FROM dataset_thumbnails WHERE dataset_id = $1 ORDER BY index',
      [datasetId],
    );
    return rows.map((row) => ({ index: row.index, className: row.class_name }));
  }

  async thumbnail(datasetId: string, index: number) {
    if (!Number.isInteger(index) || index < 0) return null;
    const rows: { content_type: string; bytes: Buffer }[] = await this.dataSource.query(
      'SELECT content_type, bytes FROM dataset_thumbnails WHERE dataset_id = $1 AND index = $2',
      [datasetId, index],
    );
    return rows[0] ? { contentType: rows[0].content_type, bytes: rows[0].bytes } : null;
  }

  /** Experiments that fine-tune on this dataset or start from a model trained on it. */
  experiments(datasetId: string): Promise<Experiment[]> {
    return this.dataSource
      .getRepository(Experiment)
      .createQueryBuilder('experiment')
      .leftJoin('models', 'model', 'model.id = experiment.source_model_id')
      .where('experiment.target_dataset_id = :datasetId OR model.dataset_id = :datasetId', {
        datasetId,
      })
      .orderBy('experiment.created_at', 'DESC')
      .limit(MAX_LIST_MULTIPLIER)
      .getMany();
  }
}
