import type { DataSource } from 'typeorm';
import { queuedRunsInClaimOrderSql } from '../queue/run-queue.js';
import { RunStatusEnum, type Run } from '../runs/run.entity.js';
import { servingWorkersSql } from './worker-presence.js';
import { QueueWaitReason, type QueueState } from './queue-state.type.js';

type Kind = 'pretrain' | 'finetune';
const KIND_LABEL: Record<Kind, string> = { pretrain: 'pretraining', finetune: 'fine-tuning' };

/** The queue states of a team's queued runs, from its queue in claim order and its online workers. */
export function queueStates(
  queued: { id: string; kind: Kind; has_job: boolean }[],
  workerKinds: Kind[][],
): Map<string, QueueState> {
  const takes = (kind: Kind) => workerKinds.some((kinds) => kinds.includes(kind));
  // A worker taking both kinds asks for pretraining runs first; one that takes only fine-tuning
  // runs skips them. The position is the best case among the online workers.
  const pretrainFirst = workerKinds
    .filter((kinds) => kinds.includes('finetune'))
    .every((kinds) => kinds.includes('pretrain'));
  const pretrainJobs = queued.filter((run) => run.kind === 'pretrain' && run.has_job).length;
  const ahead: Record<Kind, number> = { pretrain: 0, finetune: 0 };
  const states = new Map<string, QueueState>();
  for (const run of queued) {
    let position: number | null = null;
    if (run.has_job) {
      ahead[run.kind] += 1;
      position = ahead[run.kind] + (run.kind === 'finetune' && pretrainFirst ? pretrainJobs : 0);
    }
    let state: Omit<QueueState, 'position'>;
    if (workerKinds.length === 0)
      state = {
        reason: QueueWaitReason.NO_WORKER_CONNECTED,
        message: 'no worker can take this run: none that serves this team is online',
      };
    else if (!takes(run.kind))
      state = {
        reason: QueueWaitReason.NO_CAPABLE_WORKER,
        message: `no worker can take this run: none online accepts ${KIND_LABEL[run.kind]} runs`,
      };
    else if (position === null)
      state = {
        reason: QueueWaitReason.WAITING_FOR_SOURCE_MODEL,
        message: 'queued once its source model has finished pretraining',
      };
    else
      state = {
        reason: QueueWaitReason.WAITING_FOR_TURN,
        message:
          position === 1
            ? 'next: the first free worker takes it'
            : `${position - 1} run${position === 2 ? '' : 's'} ahead of it`,
      };
    states.set(run.id, { position, ...state });
  }
  return states;
}

/**
 * Run.queueState, batched: the runs of one team asked for together (a list of runs resolves its
 * fields in one tick) share one look at the queue and the workers, two queries in all.
 */
export class QueueStateService {
  private readonly batches = new Map<string, Promise<Map<string, QueueState>>>();

  constructor(private readonly dataSource: DataSource) {}

  /** Null unless the run is queued for workers (external runs never are). */
  forRun(run: Run): Promise<QueueState | null> | null {
    if (run.status !== RunStatusEnum.QUEUED || run.external) return null;
    let batch = this.batches.get(run.teamId);
    if (!batch) {
      batch = new Promise<void>((resolve) => setImmediate(resolve)).then(() =>
        this.load(run.teamId),
      );
      const settled = () => this.batches.delete(run.teamId);
      batch.then(settled, settled);
      this.batches.set(run.teamId, batch);
    }
    return batch.then((states) => states.get(run.id) ?? null);
  }

  private async load(teamId: string): Promise<Map<string, QueueState>> {
    const [queued, workers] = await Promise.all([
      this.dataSource.query(queuedRunsInClaimOrderSql('$1'), [teamId]) as Promise<
        { id: string; kind: Kind; has_job: boolean }[]
      >,
      this.dataSource.query(`SELECT s.kinds FROM (${servingWorkersSql('$1')}) s WHERE s.online`, [
        teamId,
      ]) as Promise<{ kinds: Kind[] }[]>,
    ]);
    return queueStates(
      queued,
      workers.map((worker) => worker.kinds),
    );
  }
}
