import * as tf from '@tensorflow/tfjs';
import { registerTrainingKernels } from '../kernels/register-training-kernels.js';

/**
 * Backends in order of preference. `tensorflow-gpu` and `tensorflow` are the names under which
 * `@tensorflow/tfjs-node-gpu` and `@tensorflow/tfjs-node` register ('tensorflow' for both).
 */
export const BACKEND_NAMES = ['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKEND_NAMES)[number];

export interface BackendChoice {
  /** The tfjs backend now active: 'tensorflow', 'wasm' or 'cpu'. */
  backend: string;
  /** GPU name when tfjs-node-gpu sees one, else 'cpu'. */
  device: string;
}

/** Thrown when a requested backend is unknown or cannot be loaded. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
}

const ALIASES: Record<string, BackendName> = {
  'tensorflow-gpu': 'tensorflow-gpu',
  'node-gpu': 'tensorflow-gpu',
  'tfjs-node-gpu': 'tensorflow-gpu',
  gpu: 'tensorflow-gpu',
  tensorflow: 'tensorflow',
  node: 'tensorflow',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

/** Parses a backend name or alias (`node-gpu`, `node`, `wasm`, `cpu`, …); throws BackendError. */
export function parseBackendName(value: string): BackendName {
  const name = ALIASES[value.trim().toLowerCase()];
  if (name === undefined) {
    throw new BackendError(
      `Unknown backend '${value}': expected one of ${Object.keys(ALIASES).join(', ')}`,
    );
  }
  return name;
}

let current: Promise<BackendChoice> | undefined;
let currentRequest: BackendName | undefined;

/**
 * Loads and activates a backend, registers the trainer's kernels on it, and says what it is.
 * Order: `preferred` argument, then `FINETRACK_BACKEND`, then tfjs-node-gpu, tfjs-node, wasm, cpu.
 * An explicitly requested backend that cannot load is an error; automatic choice falls through.
 * tfjs-node(-gpu) are imported dynamically because they are optional installs.
 */
export function selectBackend(preferred?: BackendName | string): Promise<BackendChoice> {
  const fromEnvironment = process.env.FINETRACK_BACKEND;
  const requested =
    preferred !== undefined
      ? parseBackendName(preferred)
      : fromEnvironment
        ? parseBackendName(fromEnvironment)
        : undefined;
  if (current !== undefined && currentRequest === requested) {
    return current;
  }
  currentRequest = requested;
  current = activate(requested);
  current.catch(() => {
    current = undefined;
  });
  return current;
}

async function activate(requested: BackendName | undefined): Promise<BackendChoice> {
  const candidates: readonly BackendName[] = requested ? [requested] : BACKEND_NAMES;
  const failures: string[] = [];
  for (const candidate of candidates) {
    try {
      const choice = await tryBackend(candidate);
      registerTrainingKernels();
      return choice;
    } catch (error) {
      failures.push(`${candidate}: ${(error as Error).message}`);
    }
  }
  throw new BackendError(`No usable TensorFlow.js backend (${failures.join('; ')})`);
}

async function tryBackend(name: BackendName): Promise<BackendChoice> {
  switch (name) {
    case 'tensorflow-gpu': {
      // Module names in variables keep TypeScript from resolving these optional packages.
      const moduleName = '@tensorflow/tfjs-node-gpu';
      await import(moduleName);
      await setAndCheck('tensorflow');
      return { backend: 'tensorflow', device: await describeGpu() };
    }
    case 'tensorflow': {
      const moduleName = '@tensorflow/tfjs-node';
      await import(moduleName);
      await setAndCheck('tensorflow');
      return { backend: 'tensorflow', device: 'cpu' };
    }
    case 'wasm': {
      await import('@tensorflow/tfjs-backend-wasm');
      await setAndCheck('wasm');
      return { backend: 'wasm', device: 'cpu' };
    }
    case 'cpu': {
      await import('@tensorflow/tfjs-backend-cpu');
      await setAndCheck('cpu');
      return { backend: 'cpu', device: 'cpu' };
    }
  }
}

async function setAndCheck(name: string): Promise<void> {
  const ok = await tf.setBackend(name);
  await tf.ready();
  if (!ok || tf.getBackend() !== name) {
    throw new BackendError(`backend '${name}' failed to initialise`);
  }
}

/** tfjs-node-gpu does not expose device names; nvidia-smi does when present. */
async function describeGpu(): Promise<string> {
  try {
    const { execFileSync } = await import('node:child_process');
    const output = execFileSync('nvidia-smi', ['--query-gpu=name', '--format=csv,noheader'], {
      encoding: 'utf8',
      timeout: 5000,
    });
    const first = output.split('\n')[0]?.trim();
    return first ? `gpu:${first}` : 'gpu';
  } catch {
    return 'gpu';
  }
}
