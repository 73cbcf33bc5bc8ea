import * as tf from '@tensorflow/tfjs';

/** Peak memory of one benchmark configuration, bytes. */
export interface PeakMemory {
  rssBytes: number;
  heapUsedBytes: number;
  /** Bytes of live tfjs tensors (on wasm they live in the wasm heap). */
  tensorBytes: number;
  /** Size of the wasm heap (it only grows, so this is the process's peak so far); null off wasm. */
  wasmHeapBytes: number | null;
}

function wasmHeapBytes(): number | null {
  const backend = tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } };
  return backend.wasm?.HEAPU8.buffer.byteLength ?? null;
}

/** Samples memory whenever `sample` is called (e.g. after every step) and keeps the maxima. */
export class PeakMemoryTracker {
  private peak: PeakMemory = { rssBytes: 0, heapUsedBytes: 0, tensorBytes: 0, wasmHeapBytes: null };

  sample(): void {
    const usage = process.memoryUsage();
    const heap = wasmHeapBytes();
    this.peak = {
      rssBytes: Math.max(this.peak.rssBytes, usage.rss),
      heapUsedBytes: Math.max(this.peak.heapUsedBytes, usage.heapUsed),
      tensorBytes: Math.max(this.peak.tensorBytes, tf.memory().numBytes),
      wasmHeapBytes: heap === null ? null : Math.max(this.peak.wasmHeapBytes ?? 0, heap),
    };
  }

  result(): PeakMemory {
    this.sample();
    return this.peak;
  }
}

export function formatMemory(memory: PeakMemory | null | undefined): string {
  if (memory === null || memory === undefined) {
    return '-';
  }
  const mib = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MiB`;
  const wasm = memory.wasmHeapBytes === null ? '' : `, wasm heap ${mib(memory.wasmHeapBytes)}`;
  return `RSS ${mib(memory.rssBytes)}, JS heap ${mib(memory.heapUsedBytes)}, tensors ${mib(memory.tensorBytes)}${wasm}`;
}
