import { randomUUID, createHash } from 'node:crypto';
import {
  checkLayersManifest,
  defaultPreprocessing,
  describeLayersTopology,
  foreignModelProblem,
  MAX_IMPORT_MODEL_JSON_BYTES,
  ModelImportError,
  requireLayersModelJson,
  type Preprocessing,
} from '@finetrack/shared';
import type { DataSource } from 'typeorm';
import type { Actor } from '../../common/actor.js';
import { artifactKey } from '../../common/artifact-key.js';
import { EntityRows } from '../../common/entity-rows.js';
import { badInput } from '../../graphql/errors.js';
import type { StagedObject } from '../artifacts/artifact-store.js';
import type { AccessService } from '../teams/access.service.js';
import { TeamRole } from '../teams/team-role.js';
import { Model } from './model.entity.js';

/** One uploaded file of an import, written to the store but not yet visible. */
export interface ImportedFile {
  /** The artifact id its bytes were staged under (`<teamId>/<artifactId>`). */
  artifactId: string;
  fileName: string;
  staged: StagedObject;
  /** Its first bytes, to recognise formats that are not a Layers model. */
  head: Buffer;
  /** The whole file, for model.json only. */
  content?: Buffer;
}

export interface ImportModelRequest {
  teamId: string;
  name: string;
  preprocessing?: Preprocessing | null;
  files: ImportedFile[];
}

const asBadInput = (error: unknown): never => {
  if (error instanceof ModelImportError)
    throw badInput(error.message, error.field ? { field: error.field } : undefined);
  throw error;
};

/**
 * Imports a TensorFlow.js Layers model (model.json + weight shards, as tensorflowjs_converter
 * writes them) as a SOURCE model. The files arrive staged; nothing becomes visible unless every
 * check passes, and then the model row, its artifact rows and the files appear in one transaction.
 */
export class ModelImportService {
  private readonly rows: EntityRows<Model>;

  constructor(
    private readonly dataSource: DataSource,
    private readonly access: AccessService,
  ) {
    this.rows = new EntityRows(dataSource, Model);
  }

  /** MEMBER or more of the team; checked before any byte is staged. */
  async authorize(actor: Actor, teamId: string): Promise<void> {
    await this.access.require(actor, teamId, TeamRole.MEMBER);
  }

  async import(actor: Actor, request: ImportModelRequest): Promise<Model> {
    await this.authorize(actor, request.teamId);
    const name = request.name.trim();
    if (name === '' || name.length > 200)
      throw badInput('a model needs a name of 1 to 200 characters', { field: 'name' });
    for (const file of request.files) {
      const problem = foreignModelProblem(file.fileName, file.head);
      if (problem) throw badInput(problem, { field: file.fileName });
    }
    const names = new Set<string>();
    for (const file of request.files) {
      if (names.has(file.fileName))
        throw badInput(`${file.fileName} was sent twice`, { field: file.fileName });
      names.add(file.fileName);
    }
    const modelJsonFile = request.files.find((file) => file.fileName === 'model.json');
    if (!modelJsonFile?.content)
      throw badInput('an import needs model.json and its weight shards', { field: 'model.json' });
    if (modelJsonFile.content.length > MAX_IMPORT_MODEL_JSON_BYTES)
      throw badInput(`model.json is over ${MAX_IMPORT_MODEL_JSON_BYTES} bytes`, {
        field: 'model.json',
      });
    let parsed: unknown;
    try {
      parsed = JSON.parse(modelJsonFile.content.toString('utf8'));
    } catch (error) {
      throw badInput(`model.json is not valid JSON: ${(error as Error).message}`, {
        field: 'model.json',
      });
    }
    const sizes = new Map(request.files.map((file) => [file.fileName, file.staged.byteSize]));
    let description;
    let manifest;
    try {
      const modelJson = requireLayersModelJson(parsed);
      manifest = checkLayersManifest(modelJson, sizes);
      description = describeLayersTopology(modelJson, manifest.weights);
    } catch (error) {
      return asBadInput(error);
    }
    const byName = new Map(request.files.map((file) => [file.fileName, file]));
    const weightsSha256 = await this.weightsSha256(manifest.shardOrder.map((f) => byName.get(f)!));
    const layerNames = description.layers.slice(0, 5).map((layer) => layer.name);
    const preprocessing = request.preprocessing ?? defaultPreprocessing(name, ...layerNames);
    return this.dataSource.transaction(async (manager) => {
      const [row] = await manager.query(
        `INSERT INTO models (team_id, name, kind, architecture, input_shape, layers, total_params,
                             trainable_params, weights_sha256, preprocessing, status)
         VALUES ($1, $2, 'source', 'imported', $3, $4, $5, $6, $7, $8, 'ready')
         RETURNING ${this.rows.columns()}`,
        [
          request.teamId,
          name,
          description.inputShape,
          JSON.stringify(description.layers),
          description.totalParams,
          description.trainableParams,
          weightsSha256,
          preprocessing,
        ],
      );
      const model = this.rows.from(row);
      // model.json first: listStored orders by creation, and a reader sees the topology first.
      const ordered = [modelJsonFile, ...manifest.shardOrder.map((file) => byName.get(file)!)];
      for (const file of ordered)
        await manager.query(
          `INSERT INTO artifacts (id, team_id, model_id, kind, file_name, status, byte_size, sha256,
                                  storage_path, created_at)
           VALUES ($1, $2, $3, $4, $5, 'stored', $6, $7, $8, clock_timestamp())`,
          [
            file.artifactId,
            request.teamId,
            model.id,
            file === modelJsonFile ? 'model-json' : 'weights',
            file.fileName,
            file.staged.byteSize,
            file.staged.sha256,
            artifactKey({ teamId: request.teamId, id: file.artifactId }),
          ],
        );
      // Files become visible under their keys only now; a failure rolls the rows back and the
      // caller discards (or the deletion sweep removes) what was committed.
      for (const file of ordered) await file.staged.commit();
      // What the folder held beside them (a downloaded finetrack.json) is not kept.
      for (const file of request.files) if (!ordered.includes(file)) await file.staged.discard();
      return model;
    });
  }

  /** A fresh artifact id to stage a file under. */
  newArtifactId(): string {
    return randomUUID();
  }

  /** sha256 of the shards' bytes in manifest order, as the trainer's loader computes it. */
  private async weightsSha256(shards: ImportedFile[]): Promise<string> {
    const hash = createHash('sha256');
    for (const shard of shards) for await (const chunk of shard.staged.read()) hash.update(chunk);
    return hash.digest('hex');
  }
}
