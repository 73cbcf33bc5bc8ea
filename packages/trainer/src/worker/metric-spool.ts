import { mkdir, open, readFile, readdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MetricPointInput } from '@finetrack/shared';

const SPOOL_SUFFIX = '.jsonl';
const ACK_SUFFIX = '.ack';
const LEASE_SUFFIX = '.lease';
/** `<runId>.ack.<pid>.tmp`: written, then renamed over `<runId>.ack`. */
const TEMPORARY_ACK = /\.ack\.(\d+)\.tmp$/;

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
 *
 * On a full disk (ENOSPC, EDQUOT) an append is all-or-nothing as the reader sees it: a failed
 * write is truncated back to the file's previous length. A line torn some other way (the process
 * killed mid-append) is kept apart from the next batch by a newline, and the reader skips it;
 * line numbers, which `acknowledge` counts, still include it, so the lines after it replay.
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

  /**
   * Appends one batch. Resolves once the line is written (page cache, no fsync). When the write
   * fails (a full disk), the file is truncated back to its length before the call and the error
   * is thrown: the batch is then not in the spool at all, never half in it.
   */
  async append(runId: string, points: MetricPointInput[]): Promise<void> {
    if (points.length === 0) return;
    await mkdir(this.directory, { recursive: true });
    const handle = await open(this.file(runId), 'a+');
    try {
      const { size } = await handle.stat();
      // A line torn by a crash gets its own line, so it cannot swallow this batch.
      let separator = '';
      if (size > 0) {
        const { buffer } = await handle.read(Buffer.alloc(1), 0, 1, size - 1);
        if (buffer[0] !== 0x0a) separator = '\n';
      }
      try {
        await handle.writeFile(`${separator}${JSON.stringify(points)}\n`);
      } catch (error) {
        // Shrinking needs no space; if it fails too (not a regular file), the reader skips the
        // torn line and the separator above keeps the next batch whole.
        await handle.truncate(size).catch(() => undefined);
        throw error;
      }
    } finally {
      await handle.close();
    }
  }

  /**
   * Lines of the run's file, by line number; `undefined` for a line that does not parse (torn by
   * a crash mid-append), which is skipped without hiding the lines after it.
   */
  private async readLines(runId: string): Promise<(MetricPointInput[] | undefined)[]> {
    let text: string;
    try {
      // Not a regular file (say /dev/full in its place): nothing in it can have been spooled.
      if (!(await stat(this.file(runId))).isFile()) return [];
      text = await readFile(this.file(runId), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    const lines = text.split('\n');
    if (lines[lines.length - 1] === '') lines.pop();
    return lines.map((line) => {
      try {
        const points: unknown = JSON.parse(line);
        return Array.isArray(points) ? (points as MetricPointInput[]) : undefined;
      } catch {
        return undefined;
      }
    });
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

  /** Batches not acknowledged yet, oldest first; `index` is the line number `acknowledge` counts. */
  async pending(runId: string): Promise<SpooledBatch[]> {
    const [lines, acknowledged] = await Promise.all([
      this.readLines(runId),
      this.acknowledged(runId),
    ]);
    const batches: SpooledBatch[] = [];
    for (let index = acknowledged; index < lines.length; index += 1) {
      const points = lines[index];
      if (points !== undefined) batches.push({ index, points });
    }
    return batches;
  }

  /**
   * Records that every line before `lineCount` reached the API. On a failed write (a full disk)
   * the temporary file is removed and the `.ack` file stays as it was.
   */
  async acknowledge(runId: string, lineCount: number): Promise<void> {
    const temporary = `${this.ackFile(runId)}.${process.pid}.tmp`;
    try {
      await writeFile(temporary, String(lineCount));
      await rename(temporary, this.ackFile(runId));
    } catch (error) {
      await rm(temporary, { force: true }).catch(() => undefined);
      throw error;
    }
  }

  /**
   * Removes `.ack` temporary files of other processes (killed between write and rename). A slot's
   * spool has one worker process at a time, so any other pid's temporary file is stale.
   */
  async removeStaleTemporaryFiles(): Promise<void> {
    let names: string[];
    try {
      names = await readdir(this.directory);
    } catch {
      return;
    }
    for (const name of names) {
      const match = TEMPORARY_ACK.exec(name);
      if (match && Number(match[1]) !== process.pid)
        await rm(join(this.directory, name), { force: true });
    }
  }

  /**
   * Runs with a spool file (acknowledged or not), e.g. left by a previous worker process. A
   * starting worker calls this first, so it also removes that process's stale temporary files.
   */
  async runs(): Promise<string[]> {
    await this.removeStaleTemporaryFiles();
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
