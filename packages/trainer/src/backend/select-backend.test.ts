import * as tf from '@tensorflow/tfjs';
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError, parseBackendName, selectBackend } from './select-backend.js';

describe('selectBackend', () => {
  const saved = process.env.FINETRACK_BACKEND;
  afterEach(() => {
    if (saved === undefined) {
      delete process.env.FINETRACK_BACKEND;
    } else {
      process.env.FINETRACK_BACKEND = saved;
    }
  });

  it('falls back past the optional tfjs-node packages to wasm when they are not installed', async () => {
    delete process.env.FINETRACK_BACKEND;
    const choice = await selectBackend();
    let nodeInstalled = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      nodeInstalled = false;
    }
    expect(choice.backend).toBe(nodeInstalled ? 'tensorflow' : 'wasm');
    expect(tf.getBackend()).toBe(choice.backend);
  });

  it('FINETRACK_BACKEND overrides the automatic choice, and an argument overrides both', async () => {
    process.env.FINETRACK_BACKEND = 'cpu';
    expect(await selectBackend()).toEqual({ backend: 'cpu', device: 'cpu' });
    expect(tf.getBackend()).toBe('cpu');
    expect(await selectBackend('wasm')).toEqual({ backend: 'wasm', device: 'cpu' });
    expect(tf.getBackend()).toBe('wasm');
  });

  it('registers the fast Conv2DBackpropFilter on the chosen backend', async () => {
    await selectBackend('wasm');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it.each(['tpu', '', 'webgl'])('rejects the unknown backend name %j', (name) => {
    expect(() => parseBackendName(name)).toThrow(BackendError);
  });

  it('an explicitly requested backend that cannot load is an error, not a silent fallback', async () => {
    let nodeInstalled = true;
    try {
      await import('@tensorflow/tfjs-node' as string);
    } catch {
      nodeInstalled = false;
    }
    if (!nodeInstalled) {
      await expect(selectBackend('node')).rejects.toThrow(BackendError);
    }
  });
});
