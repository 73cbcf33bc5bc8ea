import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  CLAIM_RUN,
  COMPLETE_RUN,
  CREATE_ARTIFACT,
  LOG_METRICS,
  WORKER_PROTOCOL_VERSION,
  type ClaimedRun,
} from '@finetrack/shared';
import { ApiClient as WorkerClient } from '@finetrack/shared/client';
import { smallCnnLayers } from '@finetrack/shared/testing';

/**
 * The browser tests' stand-in for a worker: it speaks the real worker protocol to the real API
 * (claim, upload the model's files, complete), so a page can be watched following a run live
 * without training anything.
 */
export class PlayedWorker {
  private readonly client: WorkerClient;

  constructor(apiUrl: string, token: string) {
    this.client = new WorkerClient({ url: apiUrl, token, retry: { maxAttempts: 1 } });
  }

  /** Claims the next queued run, waiting up to `timeoutMs` for one. */
  async claim(timeoutMs = 20_000): Promise<ClaimedRun> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const { claimRun } = await this.client.request(CLAIM_RUN, {
        input: {
          workerId: `e2e:${process.pid}`,
          capabilities: {
            protocolVersion: WORKER_PROTOCOL_VERSION,
            backends: ['wasm'],
            device: 'cpu: e2e',
            kinds: ['PRETRAIN', 'FINETUNE'],
            hostname: 'e2e-host',
          },
        },
      });
      if (claimRun) return claimRun;
      if (Date.now() > deadline) throw new Error('no run to claim');
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }

  /** Logs one epoch's validation accuracy and loss, as a training worker does after each epoch. */
  async logEpoch(run: ClaimedRun, step: number, accuracy: number, loss: number): Promise<void> {
    await this.client.request(LOG_METRICS, {
      runId: run.runId,
      leaseToken: run.leaseToken,
      points: [
        { key: 'val_accuracy', step, value: accuracy },
        { key: 'val_loss', step, value: loss },
      ],
    });
  }

  /** Uploads a (stand-in) model.json and weights and completes a pretraining run with them. */
  async completePretraining(run: ClaimedRun): Promise<string> {
    const folder = await mkdtemp(path.join(tmpdir(), 'finetrack-e2e-worker-'));
    try {
      const artifactIds: string[] = [];
      for (const [kind, fileName, bytes] of [
        ['model-json', 'model.json', Buffer.from('{}')],
        ['weights', 'weights.bin', Buffer.alloc(8)],
      ] as const) {
        const file = path.join(folder, fileName);
        await writeFile(file, bytes);
        const sha256 = createHash('sha256').update(bytes).digest('hex');
        const { createArtifact } = await this.client.request(CREATE_ARTIFACT, {
          input: {
            runId: run.runId,
            leaseToken: run.leaseToken,
            kind,
            fileName,
            byteSize: bytes.length,
            sha256,
          },
        });
        await this.client.uploadArtifact(createArtifact.id, file, {
          byteSize: bytes.length,
          sha256,
        });
        artifactIds.push(createArtifact.id);
      }
      const layers = smallCnnLayers(10);
      const { completeRun } = await this.client.request(COMPLETE_RUN, {
        input: {
          runId: run.runId,
          leaseToken: run.leaseToken,
          summary: { bestValAccuracy: 0.91, lastValAccuracy: 0.9, bestEpoch: 1, wallSeconds: 3 },
          model: {
            name: run.targetModelName,
            kind: 'SOURCE',
            architecture: run.architecture ?? 'small-cnn',
            inputShape: [28, 28, 1],
            layers,
            totalParams: layers.reduce((sum, layer) => sum + layer.params, 0),
            trainableParams: layers.reduce((sum, layer) => sum + layer.params, 0),
            artifactIds,
          },
        },
      });
      return completeRun.model!.id;
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  }
}
