import { describe, expect, it } from 'vitest';
import { AppError } from '../graphql/errors.js';
import { KeyedLimiter } from './keyed-limiter.js';

/** A task that runs until released. */
function held() {
  let release!: () => void;
  const done = new Promise<void>((resolve) => (release = resolve));
  return { task: () => done, release };
}

describe('KeyedLimiter', () => {
  it('runs at most `concurrency` tasks of a key, the next ones in order, other keys freely', async () => {
    const sut = new KeyedLimiter(2, 10);
    const order: string[] = [];
    const tasks = Array.from({ length: 4 }, () => held());
    const runs = tasks.map((held, i) =>
      sut.run('team-a', async () => {
        order.push(`start ${i}`);
        await held.task();
      }),
    );
    await Promise.resolve();
    expect(sut.load('team-a')).toEqual({ running: 2, waiting: 2 });
    // Another team is not behind team A.
    await sut.run('team-b', async () => order.push('team-b'));
    tasks[1].release();
    await runs[1];
    await new Promise((resolve) => setTimeout(resolve, 0));
    expect(sut.load('team-a')).toEqual({ running: 2, waiting: 1 });
    for (const held of tasks) held.release();
    await Promise.all(runs);
    expect(order).toEqual(['start 0', 'start 1', 'team-b', 'start 2', 'start 3']);
    expect(sut.load('team-a')).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses with RATE_LIMITED past the queue, and frees the slot when a task fails', async () => {
    const sut = new KeyedLimiter(1, 1);
    const first = held();
    const running = sut.run('team', first.task);
    const queued = sut.run('team', async () => 'queued');
    const refused = await sut.run('team', async () => 'never').catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).code).toBe('RATE_LIMITED');
    first.release();
    await running;
    expect(await queued).toBe('queued');
    await expect(
      sut.run('team', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(sut.load('team')).toEqual({ running: 0, waiting: 0 });
  });
});
