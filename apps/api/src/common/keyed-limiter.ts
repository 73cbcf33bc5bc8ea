import { rateLimited } from '../graphql/errors.js';

/**
 * At most `concurrency` tasks at once per key, the rest waiting in order, at most `maxQueued` of
 * them: one key (a team) cannot hold more than its share of what the tasks use (database
 * connections), so others are not starved. Past the queue the call is RATE_LIMITED.
 */
export class KeyedLimiter {
  private readonly slots = new Map<string, { running: number; waiting: (() => void)[] }>();

  constructor(
    private readonly concurrency: number,
    private readonly maxQueued: number,
    private readonly what = 'writes',
  ) {}

  async run<T>(key: string, task: () => Promise<T>): Promise<T> {
    let slot = this.slots.get(key);
    if (!slot) {
      slot = { running: 0, waiting: [] };
      this.slots.set(key, slot);
    }
    if (slot.running >= this.concurrency) {
      if (slot.waiting.length >= this.maxQueued)
        throw rateLimited(`too many ${this.what} of this team at once; try again in a moment`, 1);
      const queue = slot.waiting;
      await new Promise<void>((resolve) => queue.push(resolve));
    } else slot.running += 1;
    try {
      return await task();
    } finally {
      const next = slot.waiting.shift();
      if (next)
        next(); // the slot passes on: running stays the same
      else {
        slot.running -= 1;
        if (slot.running === 0) this.slots.delete(key);
      }
    }
  }

  /** Tasks running and waiting for `key` (for tests and diagnostics). */
  load(key: string): { running: number; waiting: number } {
    const slot = this.slots.get(key);
    return { running: slot?.running ?? 0, waiting: slot?.waiting.length ?? 0 };
  }
}
