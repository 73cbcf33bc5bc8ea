import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { MobileNetMode, MobileNetRow } from './mobilenet-v2-rows.js';
import { formatMemory, type PeakMemory } from './peak-memory.js';
import { runTorch, torchAvailability, type TorchResult } from './torch-peer.js';

type Log = (line: string) => void;

export interface ModeNumbers {
  linearProbeCached: number | null;
  blockFineTune: number | null;
  fullFineTune: number | null;
}

const MODES: [MobileNetMode, keyof ModeNumbers, string][] = [
  ['linear', 'linearProbeCached', 'linear probe, cached'],
  ['block', 'blockFineTune', 'from block_13'],
  ['full', 'fullFineTune', 'full fine-tune'],
];
const BATCH = 32;
const FALLBACK_BATCH = 8;
const CHILD = join(dirname(fileURLToPath(import.meta.url)), 'mobilenet-v2-child.js');

/** Runs one configuration in a fresh process (see mobilenet-v2-child.ts); a crash is an error row. */
async function inChildProcess(
  mode: MobileNetMode,
  batchSize: number,
  batches: number,
): Promise<MobileNetRow | { error: string }> {
  try {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      [CHILD, mode, String(batchSize), String(batches)],
      { maxBuffer: 1 << 20 },
    );
    const lines = stdout.trim().split('\n');
    return JSON.parse(lines[lines.length - 1]) as MobileNetRow;
  } catch (error) {
    const text = String((error as { stderr?: string }).stderr ?? error);
    const reason = text.split('\n').find((line) => /Error/u.test(line)) ?? text.slice(0, 200);
    return { error: reason.trim() };
  }
}

/** Is PyTorch there? Says so once when it is not; the peer fields are then null. */
export async function torchPeerAvailable(log: Log): Promise<boolean> {
  const { available, reason } = await torchAvailability();
  if (!available) {
    log(`PyTorch peer: not installed (${reason ?? 'import failed'}); its fields are null`);
  }
  return available;
}

/** CPU time ≈ wall time shows the peer really ran on one thread (and was not starved much). */
export function describeTorch(result: TorchResult): string {
  return (
    `${result.stepMilliseconds.toFixed(1)} ms/step (${result.stepCpuMilliseconds.toFixed(1)} ms CPU, ` +
    `${result.threads} thread), peak RSS ${(result.peakRssBytes / 2 ** 20).toFixed(0)} MiB`
  );
}

/**
 * The MobileNetV2 rows: linear probe through the feature cache, fine-tuning from block_13 on,
 * full fine-tuning; wasm (ours) and PyTorch at the same batch size, one thread each.
 */
export async function mobileNetV2Section(
  torch: boolean,
  log: Log,
): Promise<Record<string, unknown>> {
  const ours: ModeNumbers = { linearProbeCached: null, blockFineTune: null, fullFineTune: null };
  const theirs: ModeNumbers = { linearProbeCached: null, blockFineTune: null, fullFineTune: null };
  const memory: Record<string, { wasm: PeakMemory | null; torchPeakRssBytes: number | null }> = {};
  const rows: MobileNetRow[] = [];
  const failures: Partial<Record<keyof ModeNumbers, string>> = {};
  const batches: Partial<Record<keyof ModeNumbers, number>> = {};
  let firstEpoch: { ours: number | null; torch: number | null } = { ours: null, torch: null };
  for (const [mode, key, label] of MODES) {
    // Few batches: a full fine-tuning step of batch 32 takes seconds on one thread. The probe
    // gets one batch per epoch because the trainer builds its cache 256 images at a time, and
    // 128 images of 224×224 through MobileNetV2 at once exhaust the 4 GiB wasm heap ("memory
    // access out of bounds" in the next kernel; that is the crash a user reported).
    let row = await inChildProcess(mode, BATCH, mode === 'linear' ? 1 : 3);
    let batch = BATCH;
    if ('error' in row) {
      // Reported, then measured at a batch that fits so that the row still compares speed.
      log(`MobileNetV2 ${label} (batch ${BATCH}): FAILED on wasm: ${row.error}`);
      failures[key] = row.error;
      batch = FALLBACK_BATCH;
      row = await inChildProcess(mode, batch, 3);
    }
    const peer = torch
      ? await runTorch({ model: 'mobilenet-v2', mode, batchSize: batch, steps: 3 })
      : null;
    theirs[key] = peer?.imagesPerSecond ?? null;
    batches[key] = batch;
    if ('error' in row) {
      log(`MobileNetV2 ${label} (batch ${batch}): FAILED on wasm too: ${row.error}`);
      memory[key] = { wasm: null, torchPeakRssBytes: peer?.peakRssBytes ?? null };
      continue;
    }
    rows.push(row);
    ours[key] = row.imagesPerSecond;
    memory[key] = { wasm: row.memory, torchPeakRssBytes: peer?.peakRssBytes ?? null };
    if (mode === 'linear') {
      firstEpoch = {
        ours: row.firstEpochImagesPerSecond,
        torch: peer?.firstEpochImagesPerSecond ?? null,
      };
      log(
        `MobileNetV2 ${label}: first epoch ${row.firstEpochImagesPerSecond!.toFixed(1)} images/s` +
          (peer === null ? '' : ` (PyTorch ${peer.firstEpochImagesPerSecond!.toFixed(1)})`),
      );
    }
    const ratio =
      peer === null ? '' : ` → ${(row.imagesPerSecond / peer.imagesPerSecond).toFixed(2)}× PyTorch`;
    log(
      `MobileNetV2 ${label} (K=${row.frozenLayers}, batch ${batch}): ours ${row.imagesPerSecond.toFixed(1)} images/s, ` +
        `${row.stepMilliseconds.toFixed(0)} ms/step (${row.stepCpuMilliseconds.toFixed(0)} ms CPU)` +
        (peer === null
          ? ''
          : `; PyTorch ${peer.imagesPerSecond.toFixed(1)} images/s, ${describeTorch(peer)}`) +
        ratio,
    );
    log(`  peak memory: ${formatMemory(row.memory)}`);
  }
  const divide = (a: number | null, b: number | null) => (a === null || b === null ? null : a / b);
  const blockRatio = divide(ours.blockFineTune, theirs.blockFineTune);
  const cacheSpeedup = divide(ours.linearProbeCached, ours.blockFineTune);
  log(
    `MobileNetV2 goals: block fine-tune vs PyTorch ${blockRatio?.toFixed(2) ?? '-'} (goal ≥ 0.5), ` +
      `cached probe vs block fine-tune ${cacheSpeedup?.toFixed(1) ?? '-'}× (goal ≥ 20)`,
  );
  return {
    mobilenetV2ImagesPerSecond: ours,
    mobilenetV2TorchImagesPerSecond: theirs,
    mobilenetV2FirstEpochImagesPerSecond: firstEpoch,
    mobilenetV2BlockFineTuneRatioVsTorch: blockRatio,
    mobilenetV2CacheSpeedup: cacheSpeedup,
    mobilenetV2PeakMemory: memory,
    mobilenetV2BatchSize: batches,
    mobilenetV2FailuresAtBatch32: failures,
    mobilenetV2Rows: rows,
  };
}
