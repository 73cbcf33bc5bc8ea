import { MAX_IMPORT_MODEL_JSON_BYTES } from '@finetrack/shared';
import type { Actor } from '../../common/actor.js';
import { artifactKey } from '../../common/artifact-key.js';
import type { Artifact } from '../artifacts/artifact.entity.js';
import type { ArtifactStore } from '../artifacts/artifact-store.js';
import type { ArtifactsService } from '../artifacts/artifacts.service.js';
import type { DatasetsService } from '../datasets/datasets.service.js';
import type { Model } from './model.entity.js';
import type { ModelsService } from './models.service.js';

/** The folder a model downloads as: what `tf.loadLayersModel` reads, plus finetrack.json. */
export interface ModelFolder {
  model: Model;
  /** model.json and the weight files, byte-identical to what was uploaded. */
  files: Artifact[];
  /** finetrack.json: what the model is and where it came from. */
  metadata: Record<string, unknown>;
}

/** Artifact kinds that belong in the folder; finetrack.json is rewritten, checkpoints stay out. */
const FOLDER_KINDS = new Set(['model-json', 'weights']);
const METADATA_KIND = 'model-metadata';

async function readAll(stream: NodeJS.ReadableStream): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

/** Builds a model's download folder for anyone who may read the model (viewers included). */
export class ModelDownloadService {
  constructor(
    private readonly models: ModelsService,
    private readonly datasets: DatasetsService,
    private readonly artifacts: ArtifactsService,
    private readonly store: ArtifactStore,
  ) {}

  async folder(actor: Actor, id: string): Promise<ModelFolder> {
    const model = await this.models.get(actor, id);
    const stored = await this.artifacts.listStored({ modelId: model.id });
    const files = stored.filter((artifact) => FOLDER_KINDS.has(artifact.kind));
    const recorded = await this.workerRecord(stored.find((a) => a.kind === METADATA_KIND));
    const parent = await this.models.find(actor, model.parentModelId);
    const dataset = model.datasetId
      ? await this.datasets.get(actor, model.datasetId).catch(() => null)
      : null;
    const weights = files.filter((file) => file.kind === 'weights');
    // The trainer's own record when a worker wrote one (its loader checks format and the weights'
    // sha256), else one made here in the same format; the registry's view goes on top.
    const metadata: Record<string, unknown> = {
      ...(recorded ?? {
        format: 'finetrack-model',
        version: 1,
        dataset: null,
        metrics: {},
        trainableParams: model.trainableParams,
        nonTrainableParams: model.totalParams - model.trainableParams,
        createdAt: model.createdAt.toISOString(),
        weightsFile: weights[0]?.fileName ?? null,
        weightsBytes: weights.reduce((sum, file) => sum + file.byteSize, 0),
        weightsSha256: model.weightsSha256,
      }),
      id: model.id,
      name: model.name,
      kind: model.kind,
      architecture: model.architecture,
      inputShape: model.inputShape,
      preprocessing: model.preprocessing,
      parentModel: parent ? { id: parent.id, name: parent.name } : null,
      surgery: model.surgery,
      datasetId: dataset?.id ?? model.datasetId,
      datasetName: dataset?.name ?? null,
      files: files.map((file) => ({
        fileName: file.fileName,
        byteSize: file.byteSize,
        sha256: file.sha256,
      })),
    };
    return { model, files, metadata };
  }

  private async workerRecord(artifact?: Artifact): Promise<Record<string, unknown> | null> {
    if (!artifact || artifact.byteSize > MAX_IMPORT_MODEL_JSON_BYTES) return null;
    const object = await this.store.open(artifactKey(artifact));
    if (!object) return null;
    try {
      const parsed: unknown = JSON.parse((await readAll(object.stream)).toString('utf8'));
      return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed)
        ? (parsed as Record<string, unknown>)
        : null;
    } catch {
      return null;
    }
  }
}
