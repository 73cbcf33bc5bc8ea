/**
 * Attempts counted per key in a fixed window: failed log-ins per account (email) or client
 * address, sign-ups per client address. Memory is bounded: past `maxKeys` entries, expired ones
 * are dropped, then the oldest.
 */
export class FailureCounter {
  private readonly entries = new Map<string, { count: number; since: number }>();

  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly maxKeys = 100_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Whether `key` has used up its failures in the current window. */
  blocked(key: string): boolean {
    const entry = this.entries.get(key);
    if (!entry) return false;
    if (this.now() - entry.since > this.windowMs) {
      this.entries.delete(key);
      return false;
    }
    return entry.count >= this.limit;
  }

  /** Whole seconds until `key`'s window ends (at least 1): when a blocked caller may try again. */
  retryAfterSeconds(key: string): number {
    const entry = this.entries.get(key);
    if (!entry) return 1;
    return Math.max(1, Math.ceil((entry.since + this.windowMs - this.now()) / 1000));
  }

  fail(key: string): void {
    const now = this.now();
    let entry = this.entries.get(key);
    if (!entry || now - entry.since > this.windowMs) {
      entry = { count: 0, since: now };
      this.entries.delete(key);
      if (this.entries.size >= this.maxKeys) this.prune(now);
    }
    entry.count += 1;
    this.entries.set(key, entry);
  }

  /** Takes one attempt back (a log-in that turned out right was counted before it was checked). */
  forgive(key: string): void {
    const entry = this.entries.get(key);
    if (entry && entry.count > 0) entry.count -= 1;
  }

  clear(key: string): void {
    this.entries.delete(key);
  }

  get size(): number {
    return this.entries.size;
  }

  private prune(now: number): void {
    for (const [key, entry] of this.entries)
      if (now - entry.since > this.windowMs) this.entries.delete(key);
    // Maps iterate in insertion order, so what is left first is the oldest window.
    for (const key of this.entries.keys()) {
      if (this.entries.size < this.maxKeys) break;
      this.entries.delete(key);
    }
  }
}
