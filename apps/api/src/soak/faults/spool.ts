import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Fault } from './fault.js';

// The worker's metric spool (packages/trainer/src/worker/metric-spool.ts and the shipper that
// feeds it) on a disk that fills up and then frees space again: a 64 KiB tmpfs, the trainer's
// built modules used as they are. It passes only when a failed append leaves nothing on disk,
// every batch replays once space is back, a failed acknowledge leaves the .ack file intact and no
// temporary file, and the shipper gets every point to send() (directly while the disk is full),
// warns once, and spools again once space is back.

const TRAINER_WORKER = new URL('../../../../../packages/trainer/dist/worker/', import.meta.url);

interface Point {
  key: string;
  step: number;
  value: number;
  wallTime: number;
}
interface SpoolLike {
  append(runId: string, points: Point[]): Promise<void>;
  pending(runId: string): Promise<{ index: number; points: Point[] }[]>;
  acknowledge(runId: string, lineCount: number): Promise<void>;
  acknowledged(runId: string): Promise<number>;
}
interface ShipperLike {
  add(points: Point[]): void;
  flush(): Promise<void>;
  drained(): Promise<void>;
  stop(): void;
}

const RUN = '00000000-0000-4000-8000-000000000001';
const batch = (from: number, steps: number): Point[] =>
  Array.from({ length: steps }, (_, i) => ({
    key: 'loss',
    step: from + i,
    value: 1 / (from + i + 1),
    wallTime: 1.7e9 + from + i,
  }));
const codeOf = (error: unknown) => (error as NodeJS.ErrnoException).code ?? String(error);

export const spoolDiskFull: Fault = async () => {
  if (process.getuid?.() !== 0)
    return {
      name: 'spool-disk-full',
      status: 'not-run',
      summary: 'not root: cannot mount a small tmpfs for the spool',
      details: {},
    };
  let modules: {
    MetricSpool: new (directory: string) => SpoolLike;
    MetricShipper: new (options: {
      runId: string;
      spool: SpoolLike;
      send: (runId: string, points: Point[]) => Promise<void>;
      eagerFirstFlush?: boolean;
      flushIntervalMs?: number;
      onWarning?: (message: string) => void;
    }) => ShipperLike;
  };
  try {
    const spoolModule = (await import(new URL('metric-spool.js', TRAINER_WORKER).href)) as {
      MetricSpool: (typeof modules)['MetricSpool'];
    };
    const shipperModule = (await import(new URL('metric-shipper.js', TRAINER_WORKER).href)) as {
      MetricShipper: (typeof modules)['MetricShipper'];
    };
    modules = { MetricSpool: spoolModule.MetricSpool, MetricShipper: shipperModule.MetricShipper };
  } catch (error) {
    return {
      name: 'spool-disk-full',
      status: 'not-run',
      summary: `@finetrack/trainer is not built: ${(error as Error).message}`,
      details: {},
    };
  }
  const dir = await mkdtemp(path.join(tmpdir(), 'finetrack-spool-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', dir]);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    return {
      name: 'spool-disk-full',
      status: 'not-run',
      summary: `mount -t tmpfs failed: ${(error as Error).message.split('\n')[0]}`,
      details: {},
    };
  }
  try {
    // --- the spool alone: append until the disk is full, free space, append again --------
    const spoolDir = path.join(dir, 'spool');
    const spool = new modules.MetricSpool(spoolDir);
    const filler = path.join(dir, 'filler');
    await writeFile(filler, Buffer.alloc(24 * 1024));
    let appended = 0;
    let step = 0;
    let appendError = '';
    for (let i = 0; i < 1000; i++) {
      try {
        await spool.append(RUN, batch(step, 40));
        appended++;
        step += 40;
      } catch (error) {
        appendError = codeOf(error);
        break;
      }
    }
    const spoolFile = path.join(spoolDir, `${RUN}.jsonl`);
    const text = await readFile(spoolFile, 'utf8');
    const tornTail = !text.endsWith('\n');
    await rm(filler); // space comes back
    await spool.append(RUN, batch(step, 40)); // the next batch after the failed one
    const pendingAfter = await spool.pending(RUN);
    const lostAfterTornLine = appended + 1 - pendingAfter.length;

    // --- acknowledging on a full disk -----------------------------------------------------
    await writeFile(filler, Buffer.alloc(0));
    let fillerBytes = 0;
    for (;;) {
      try {
        await writeFile(filler, Buffer.alloc(fillerBytes + 4096));
        fillerBytes += 4096;
      } catch {
        break;
      }
    }
    await spool.acknowledge(RUN, 1).catch(() => undefined);
    const ackBefore = await spool.acknowledged(RUN);
    let ackError = '';
    try {
      await spool.acknowledge(RUN, 2);
    } catch (error) {
      ackError = codeOf(error);
    }
    const ackAfter = await spool.acknowledged(RUN);
    const leftovers = (await readdir(spoolDir)).filter((name) => name.endsWith('.tmp'));

    // --- the shipper: a flush that fails with ENOSPC, then space comes back ---------------
    const shipDir = path.join(dir, 'ship');
    const shipSpool = new modules.MetricSpool(shipDir);
    const sent: number[] = [];
    const warnings: string[] = [];
    const shipper = new modules.MetricShipper({
      runId: RUN,
      spool: shipSpool,
      send: async (_runId, points) => {
        for (const point of points) sent.push(point.step);
      },
      eagerFirstFlush: false,
      flushIntervalMs: 60_000,
      onWarning: (message) => warnings.push(message),
    });
    shipper.add(batch(0, 40));
    let firstFlush = 'ok';
    await shipper.flush().catch((error: unknown) => (firstFlush = codeOf(error)));
    await shipper.drained().catch(() => undefined);
    const sentWhileFull = sent.length;
    await rm(filler);
    shipper.add(batch(40, 40));
    let secondFlush = 'ok';
    await shipper.flush().catch((error: unknown) => (secondFlush = codeOf(error)));
    let drained = 'ok';
    await shipper.drained().catch((error: unknown) => (drained = codeOf(error)));
    shipper.stop();
    const shipPending = (await shipSpool.pending(RUN)).length;
    const shipFile = await stat(path.join(shipDir, `${RUN}.jsonl`)).then(
      (s) => s.size,
      () => 0,
    );

    const details = {
      tmpfsBytes: 64 * 1024,
      spool: {
        batchesAppendedBeforeFull: appended,
        appendError,
        partialLineLeftOnDisk: tornTail,
        batchesPendingAfterSpaceCameBack: pendingAfter.length,
        batchesExpected: appended + 1,
        batchesLostBehindPartialLine: lostAfterTornLine,
      },
      acknowledge: {
        error: ackError || 'none',
        ackBefore,
        ackAfter,
        ackFileIntact: ackAfter === ackBefore,
        temporaryFilesLeft: leftovers,
      },
      shipper: {
        flushWhileFull: firstFlush,
        flushAfterSpaceCameBack: secondFlush,
        spoolFileBytesAfter: shipFile,
        stepsSentWhileFull: sentWhileFull,
        stepsSent: sent.length,
        distinctStepsSent: new Set(sent).size,
        pointsAdded: 80,
        drained,
        batchesPendingAfterDrained: shipPending,
        warnings,
      },
    };
    const problems: string[] = [];
    if (appendError !== 'ENOSPC')
      problems.push(`the disk never filled (append: ${appendError || 'ok'})`);
    if (ackError !== 'ENOSPC')
      problems.push(`acknowledge on a full disk did not fail (${ackError || 'ok'})`);
    if (tornTail) problems.push('the failed append left a partial line on disk');
    if (lostAfterTornLine > 0)
      problems.push(
        `a partial line left by the failed append hides ${lostAfterTornLine} later batch(es) from replay`,
      );
    if (!details.acknowledge.ackFileIntact)
      problems.push('the .ack file changed on a failed write');
    if (leftovers.length > 0) problems.push(`${leftovers.length} .tmp file(s) left by acknowledge`);
    if (secondFlush !== 'ok')
      problems.push(
        `after one failed append every later flush of that run fails too (${secondFlush}) although space is back`,
      );
    if (new Set(sent).size < 80)
      problems.push(`${80 - new Set(sent).size} of 80 points never reached send()`);
    if (sentWhileFull < 40)
      problems.push(`${40 - sentWhileFull} of 40 points added while full not sent directly`);
    if (drained !== 'ok' || shipPending > 0)
      problems.push(`the shipper did not drain (${drained}, ${shipPending} batches pending)`);
    const fullWarnings = warnings.filter((line) => line.includes('cannot be written'));
    if (fullWarnings.length !== 1)
      problems.push(`${fullWarnings.length} warnings about the full spool (expected exactly 1)`);
    return {
      name: 'spool-disk-full',
      status: problems.length === 0 ? 'passed' : 'failed',
      summary:
        problems.length === 0
          ? 'the spool and shipper recover once space is back; nothing lost, nothing corrupt'
          : `observed: ${problems.join('; ')}`,
      details,
    };
  } finally {
    try {
      execFileSync('umount', [dir]);
    } catch {
      // leave it; rm below fails harmlessly on a mount point
    }
    await rm(dir, { recursive: true, force: true });
  }
};
