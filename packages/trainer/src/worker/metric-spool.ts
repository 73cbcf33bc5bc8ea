import { appendFile, mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricPointInput } from '@finetrack/shared';

const SPOOL_SUFFIX = '.jsonl';
const ACK_SUFFIX = '.ack';
const LEASE_SUFFIX = '.lease';

/** One spooled batch, in the order it was appended. */
export interface SpooledBatch {
  /** 0-based line number in the run's spool file. */
  index: number;
  points: MetricPointInput[];
}

/**
 * Metric points on their way to the API, kept on disk so that nothing is lost while the API is
 * unreachable or the worker restarts: one append-only JSONL file per run (`<runId>.jsonl`, one
 * batch per line) and, beside it, the number of lines the API has acknowledged (`<runId>.ack`,
 * replaced atomically). Batches are replayed in order; replaying one twice is harmless because
 * `logMetrics` upserts by (run, key, step).
 */
export class MetricSpool {
  constructor(readonly directory: string) {}

  private file(runId: string): string {
    return join(this.directory, `${runId}${SPOOL_SUFFIX}`);
  }

  private ackFile(runId: string): string {
    return join(this.directory, `${runId}${ACK_SUFFIX}`);
  }

  private leaseFile(runId: string): string {
    return join(this.directory, `${runId}${LEASE_SUFFIX}`);
  }

  /**
   * Keeps the run's lease token beside its spool (owner-only), so a later process of this slot can
   * replay the batches under the lease they were written for: the API takes a worker's points only
   * with the run's live lease, and refuses them (LEASE_LOST) once the run has moved on.
   */
  async setLease(runId: string, leaseToken: string): Promise<void> {
    await mkdir(this.directory, { recursive: true });
    await writeFile(this.leaseFile(runId), leaseToken, { mode: 0o600 });
  }

  /** The lease token kept by `setLease`, or undefined. */
  async lease(runId: string): Promise<string | undefined> {
    try {
      return (await readFile(this.leaseFile(runId), 'utf8')).trim() || undefined;
    } catch {
      return undefined;
    }
  }

  /** Appends one batch. Resolves once the line is written (page cache, no fsync). */
  async append(runId: string, points: MetricPointInput[]): Promise<void> {
    if (points.length === 0) return;
    await mkdir(this.directory, { recursive: true });
    await appendFile(this.file(runId), `${JSON.stringify(points)}\n`);
  }

  /** Parsed lines of the run's file; a torn last line (a crash mid-append) is ignored. */
  private async readLines(runId: string): Promise<MetricPointInput[][]> {
    let text: string;
    try {
      text = await readFile(this.file(runId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const lines: MetricPointInput[][] = [];
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        lines.push(JSON.parse(line) as MetricPointInput[]);
      } catch {
        break; // only the last line can be torn; nothing after it was acknowledged
      }
    }
    return lines;
  }

  /** Lines acknowledged so far. */
  async acknowledged(runId: string): Promise<number> {
    try {
      const value = Number((await readFile(this.ackFile(runId), 'utf8')).trim());
      return Number.isInteger(value) && value >= 0 ? value : 0;
    } catch {
      return 0;
    }
  }

  /** Batches not acknowledged yet, oldest first. */
  async pending(runId: string): Promise<SpooledBatch[]> {
    const [lines, acknowledged] = await Promise.all([
      this.readLines(runId),
      this.acknowledged(runId),
    ]);
    return lines.slice(acknowledged).map((points, offset) => ({
      index: acknowledged + offset,
      points,
    }));
  }

  /** Records that every line before `lineCount` reached the API. */
  async acknowledge(runId: string, lineCount: number): Promise<void> {
    const temporary = `${this.ackFile(runId)}.${process.pid}.tmp`;
    await writeFile(temporary, String(lineCount));
    await rename(temporary, this.ackFile(runId));
  }

  /** Runs with a spool file (acknowledged or not), e.g. left by a previous worker process. */
  async runs(): Promise<string[]> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch {
      return [];
    }
    return names
      .filter((name) => name.endsWith(SPOOL_SUFFIX))
      .map((name) => name.slice(0, -SPOOL_SUFFIX.length))
      .sort();
  }

  /** Forgets a run once everything is acknowledged (or the API no longer knows the run). */
  async remove(runId: string): Promise<void> {
    await rm(this.file(runId), { force: true });
    await rm(this.ackFile(runId), { force: true });
    await rm(this.leaseFile(runId), { force: true });
  }
}
