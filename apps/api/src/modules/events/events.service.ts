import pg from 'pg';
import type { Logger } from 'pino';
import type { DataSource } from 'typeorm';

/** The NOTIFY channel: run rows (a trigger on `runs`) and accepted metric batches. */
export const EVENTS_CHANNEL = 'finetrack_events';

export type FinetrackEvent =
  | {
      type: 'run';
      runId: string;
      experimentId: string | null;
      /** The run's team and status after the change (absent from events of older servers). */
      teamId?: string;
      status?: string;
    }
  | { type: 'metrics'; runId: string; keys: string[]; count: number; maxStep: number }
  /** Scoring jobs of the team were queued (workers waiting in claimRun hear of them). */
  | { type: 'score'; teamId: string; status: 'queued' }
  /** Artifact rows were deleted (a trigger queued their files in artifact_deletions). */
  | { type: 'artifacts-deleted' }
  | {
      /** A user's access changed (left a team, changed role), or credentials ended. */
      type: 'access';
      userId?: string;
      /** sha256 of the tokens or sessions that ended (credential caches drop them). */
      credentialHashes?: string[];
    };

type Listener = (event: FinetrackEvent) => void;

/** Bytes of one NOTIFY payload we fill, below PostgreSQL's 8,000 with room for the envelope. */
export const NOTIFY_PAYLOAD_BUDGET = 7_000;

type MetricsEvent = Extract<FinetrackEvent, { type: 'metrics' }>;

/** One batch's metricsAppended events: its keys packed so that each payload fits NOTIFY. */
export function metricsEvents(
  runId: string,
  points: { key: string; step: number }[],
): MetricsEvent[] {
  const byKey = new Map<string, { count: number; maxStep: number }>();
  for (const point of points) {
    const seen = byKey.get(point.key) ?? { count: 0, maxStep: 0 };
    seen.count += 1;
    seen.maxStep = Math.max(seen.maxStep, point.step);
    byKey.set(point.key, seen);
  }
  const events: MetricsEvent[] = [];
  let event: MetricsEvent | undefined;
  let bytes = 0;
  const envelope = Buffer.byteLength(
    JSON.stringify({ type: 'metrics', runId, keys: [], count: 0, maxStep: 0 }),
  );
  for (const [key, seen] of byKey) {
    const size = Buffer.byteLength(JSON.stringify(key)) + 1;
    if (!event || bytes + size > NOTIFY_PAYLOAD_BUDGET) {
      event = { type: 'metrics', runId, keys: [], count: 0, maxStep: 0 };
      events.push(event);
      bytes = envelope + 24; // the two numbers' digits
    }
    event.keys.push(key);
    event.count += seen.count;
    event.maxStep = Math.max(event.maxStep, seen.maxStep);
    bytes += size;
  }
  return events;
}

/** Events buffered per subscriber before the oldest are dropped (a stalled socket). */
const MAX_BUFFERED = 1000;

/**
 * LISTEN/NOTIFY fan-out: every API process listens on one dedicated connection and hands each
 * event to its local subscribers, so an event raised by any process reaches every subscriber.
 */
export class EventsService {
  private client: pg.Client | undefined;
  private readonly listeners = new Set<Listener>();
  private stopped = false;
  private reconnect: NodeJS.Timeout | undefined;

  constructor(
    private readonly databaseUrl: string,
    private readonly dataSource: DataSource,
    private readonly logger: Logger,
  ) {}

  async start(): Promise<void> {
    const client = new pg.Client({
      connectionString: this.databaseUrl,
      application_name: 'finetrack-api-listen',
    });
    client.on('notification', (message) => {
      if (message.channel !== EVENTS_CHANNEL || !message.payload) return;
      let event: FinetrackEvent;
      try {
        event = JSON.parse(message.payload) as FinetrackEvent;
      } catch {
        return;
      }
      for (const listener of this.listeners) listener(event);
    });
    client.on('error', (error) => {
      this.logger.warn({ err: { message: error.message } }, 'event listener connection lost');
      this.client = undefined;
      client.end().catch(() => undefined);
      this.scheduleReconnect();
    });
    await client.connect();
    await client.query(`LISTEN ${EVENTS_CHANNEL}`);
    this.client = client;
  }

  private scheduleReconnect(): void {
    if (this.stopped || this.reconnect) return;
    this.reconnect = setTimeout(() => {
      this.reconnect = undefined;
      this.start().catch(() => this.scheduleReconnect());
    }, 1000);
    this.reconnect.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.reconnect) clearTimeout(this.reconnect);
    this.listeners.clear();
    await this.client?.end().catch(() => undefined);
    this.client = undefined;
  }

  /** Sends an event to every API process (delivered after the surrounding commit, if any). */
  async publish(event: FinetrackEvent): Promise<void> {
    await this.dataSource.query('SELECT pg_notify($1, $2)', [
      EVENTS_CHANNEL,
      JSON.stringify(event),
    ]);
  }

  /**
   * Announces an accepted logMetrics batch; never fails the write it follows. A NOTIFY payload
   * holds at most 8,000 bytes, so a batch with many or long keys is announced as several events,
   * each with some of its keys and the count and highest step of their points: none is dropped.
   */
  async metricsAppended(runId: string, points: { key: string; step: number }[]): Promise<void> {
    for (const event of metricsEvents(runId, points))
      await this.publish(event).catch((error: Error) =>
        this.logger.warn({ err: { message: error.message } }, 'metricsAppended not announced'),
      );
  }

  /**
   * A doorbell for one waiter: `wait(ms)` resolves true as soon as an event passing `filter`
   * arrives, or at once when one arrived since the previous wait; false after `ms` without one.
   * Listening starts here, so an event between a check and the next wait is not missed.
   */
  doorbell(filter: (event: FinetrackEvent) => boolean): {
    wait(ms: number): Promise<boolean>;
    close(): void;
  } {
    let rung = false;
    let ring: (() => void) | undefined;
    const listener: Listener = (event) => {
      if (!filter(event)) return;
      rung = true;
      ring?.();
    };
    this.listeners.add(listener);
    return {
      wait: (ms) => {
        if (rung) {
          rung = false;
          return Promise.resolve(true);
        }
        return new Promise<boolean>((resolve) => {
          const timer = setTimeout(() => {
            ring = undefined;
            resolve(false);
          }, ms);
          ring = () => {
            clearTimeout(timer);
            ring = undefined;
            rung = false;
            resolve(true);
          };
        });
      },
      close: () => {
        this.listeners.delete(listener);
        ring?.();
      },
    };
  }

  /** Calls `listener` with every event; returns the function that stops it. */
  listen(listener: (event: FinetrackEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Events passing `filter`, as an async iterator; `return()` unsubscribes. */
  subscribe<T extends FinetrackEvent>(
    filter: (event: FinetrackEvent) => event is T,
  ): AsyncIterableIterator<T> {
    const buffer: T[] = [];
    let wake: ((result: IteratorResult<T>) => void) | undefined;
    let done = false;
    const listener: Listener = (event) => {
      if (!filter(event)) return;
      if (wake) {
        const resolve = wake;
        wake = undefined;
        resolve({ value: event, done: false });
      } else {
        buffer.push(event);
        if (buffer.length > MAX_BUFFERED) buffer.shift();
      }
    };
    this.listeners.add(listener);
    const finish = (): Promise<IteratorResult<T>> => {
      done = true;
      this.listeners.delete(listener);
      buffer.length = 0;
      wake?.({ value: undefined, done: true });
      wake = undefined;
      return Promise.resolve({ value: undefined, done: true });
    };
    return {
      next: () => {
        if (done) return Promise.resolve({ value: undefined, done: true });
        const value = buffer.shift();
        if (value) return Promise.resolve({ value, done: false });
        return new Promise((resolve) => (wake = resolve));
      },
      return: finish,
      throw: async (error?: unknown) => {
        await finish();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }
}
