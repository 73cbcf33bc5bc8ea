import {
  DEFAULT_DATASET_VALIDATION_FRACTION,
  type DatasetArchiveLimits,
  type DatasetSpec,
} from '@finetrack/shared';
import { ImageArchiveError } from '@finetrack/shared/node';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { badInput, notFound } from '../../graphql/errors.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import type { DatasetArchivesService } from './dataset-archives.service.js';
import { indexArchive } from './dataset-indexing.js';
import { Dataset } from './dataset.entity.js';
import { nextVersion } from './datasets.service.js';
import { ownerKeyOf } from './upload-owner.js';

export interface CreateFromUpload {
  teamId: string;
  name: string;
  uploadId: string;
  validationFraction?: number | null;
  seed?: number | null;
  inputShape?: number[] | null;
}

/**
 * Turns a finished, stored upload into a dataset: indexes the archive, and in one transaction
 * creates the next version of the name with its thumbnails. A bad archive answers BAD_USER_INPUT
 * with the reader's reason, and its stored bytes go again unless a dataset already uses them.
 */
export class DatasetUploadsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly archives: DatasetArchivesService,
    private readonly limits: DatasetArchiveLimits,
  ) {}

  async createFromUpload(actor: Actor, input: CreateFromUpload): Promise<Dataset> {
    await this.access.require(actor, input.teamId, TeamRole.MEMBER);
    const ownerKey = ownerKeyOf(actor);
    const upload = ownerKey
      ? await this.archives.finishedUpload(input.uploadId, input.teamId, ownerKey)
      : null;
    if (!upload) throw notFound('finished upload');
    const validationFraction = input.validationFraction ?? DEFAULT_DATASET_VALIDATION_FRACTION;
    const seed = input.seed ?? 0;
    const inputShape = input.inputShape ?? undefined;
    if (inputShape !== undefined) checkInputShape(inputShape);
    let index;
    try {
      if (upload.format === null)
        throw new ImageArchiveError('not-an-archive', 'not a zip, tar or tar.gz archive');
      index = await indexArchive(
        this.archives.localPath(input.teamId, upload.sha256),
        upload.format,
        validationFraction,
        this.limits,
      );
    } catch (error) {
      if (!(error instanceof ImageArchiveError)) throw error;
      await this.archives.forgetUpload(input.uploadId);
      await this.archives.removeIfUnreferenced(input.teamId, upload.sha256);
      throw badInput(`the archive was refused (${error.reason}): ${error.message}`, {
        reason: error.reason,
        field: 'uploadId',
      });
    }
    const spec: DatasetSpec = {
      kind: 'archive',
      sha256: upload.sha256,
      byteSize: upload.byteSize,
      format: upload.format,
      ...(inputShape ? { inputShape: inputShape as [number, number, number] } : {}),
      validationFraction,
      seed,
    };
    const name = input.name.trim();
    const dataset = await this.dataSource.transaction(async (manager) => {
      const next = await nextVersion(manager, input.teamId, name);
      const saved = await manager.getRepository(Dataset).save({
        teamId: input.teamId,
        name,
        version: next,
        classNames: index.summary.classNames,
        trainSamples: index.trainSamples,
        validationSamples: index.validationSamples,
        contentHash: upload.sha256,
        classCountsJson: index.classCounts,
        spec,
      });
      for (const [position, thumbnail] of index.thumbnails.entries())
        await manager.query(
          `INSERT INTO dataset_thumbnails (dataset_id, index, class_name, content_type, bytes)
           VALUES ($1, $2, $3, $4, $5)`,
          [saved.id, position, thumbnail.className, thumbnail.contentType, thumbnail.bytes],
        );
      await manager.query('DELETE FROM dataset_uploads WHERE upload_id = $1', [input.uploadId]);
      return saved;
    });
    return dataset;
  }
}

function checkInputShape(shape: number[]): void {
  const [height, width, channels] = shape;
  if (
    shape.length !== 3 ||
    ![height, width].every((size) => Number.isInteger(size) && size >= 1 && size <= 4096) ||
    ![1, 3].includes(channels)
  )
    throw badInput('inputShape must be [height, width, 1 or 3] with sizes 1–4096', {
      field: 'inputShape',
    });
}
