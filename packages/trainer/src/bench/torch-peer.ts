import { execFile } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What bench/peer_torch.py prints for one configuration. */
export interface TorchResult {
  stepMilliseconds: number;
  stepCpuMilliseconds: number;
  imagesPerSecond: number;
  /** Linear probe only: a step of the first epoch (features computed, then the head trained). */
  firstEpochStepMilliseconds?: number;
  firstEpochImagesPerSecond?: number;
  peakRssBytes: number;
  threads: number;
  torch: string;
}

export type TorchConfiguration =
  | { model: 'small-cnn'; batchSize: number; frozen: number; steps: number }
  | { model: 'mobilenet-v2'; mode: 'linear' | 'block' | 'full'; batchSize: number; steps: number };

const PYTHON = process.env.FINETRACK_BENCH_PYTHON ?? '/usr/bin/python3';
// dist/bench/ and src/bench/ are both two levels below the package root.
const SCRIPT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'bench', 'peer_torch.py');

/** Whether PyTorch (and torchvision) can be imported; the reason when not. */
export async function torchAvailability(): Promise<{ available: boolean; reason?: string }> {
  try {
    await run(PYTHON, ['-c', 'import torch, torchvision'], { env: singleThreadEnvironment() });
    return { available: true };
  } catch (error) {
    return { available: false, reason: (error as Error).message.split('\n')[0] };
  }
}

function singleThreadEnvironment(): NodeJS.ProcessEnv {
  // Debian's OpenBLAS otherwise spins a second thread: pin everything to one, as wasm runs.
  return { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
}

/** Runs one configuration in its own Python process (so its peak RSS is its own). */
export async function runTorch(configuration: TorchConfiguration): Promise<TorchResult> {
  const { stdout } = await run(PYTHON, [SCRIPT, JSON.stringify(configuration)], {
    env: singleThreadEnvironment(),
    maxBuffer: 1 << 20,
  });
  const lines = stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as TorchResult;
}
