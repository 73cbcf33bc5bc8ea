import { describe, expect, it } from 'vitest';
import { queueStates } from './queue-state.service.js';

const queued = [
  { id: 'p1', kind: 'pretrain' as const, has_job: true },
  { id: 'f1', kind: 'finetune' as const, has_job: true },
  { id: 'f2', kind: 'finetune' as const, has_job: true },
  { id: 'waiting', kind: 'finetune' as const, has_job: false },
];

describe('queueStates', () => {
  it.each([
    ['a worker taking both: pretraining first', [['pretrain', 'finetune']], [1, 2, 3]],
    ['a fine-tuning-only worker skips pretraining', [['finetune'], ['pretrain']], [1, 1, 2]],
  ] as const)('positions with %s', (_name, workers, positions) => {
    const sut = queueStates(
      queued,
      workers.map((kinds) => [...kinds]),
    );
    expect(['p1', 'f1', 'f2'].map((id) => sut.get(id)!.position)).toEqual(positions);
    expect(sut.get('waiting')).toMatchObject({
      position: null,
      reason: 'WAITING_FOR_SOURCE_MODEL',
    });
  });

  it.each([
    ['no online worker', [], 'NO_WORKER_CONNECTED', 'NO_WORKER_CONNECTED'],
    ['only pretraining workers', [['pretrain']], 'WAITING_FOR_TURN', 'NO_CAPABLE_WORKER'],
    ['only fine-tuning workers', [['finetune']], 'NO_CAPABLE_WORKER', 'WAITING_FOR_TURN'],
  ] as const)('with %s', (_name, workers, pretrain, finetune) => {
    const sut = queueStates(
      queued,
      workers.map((kinds) => [...kinds]),
    );
    expect(sut.get('p1')!.reason).toBe(pretrain);
    expect(sut.get('f1')!.reason).toBe(finetune);
  });
});
