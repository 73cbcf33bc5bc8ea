import * as tf from '@tensorflow/tfjs';

/**
 * Helpers for the kernel tests: a computation run on the cpu backend (whose kernels are tfjs's
 * reference implementations) and on wasm (ours), and the relative error between the two.
 */
export function relativeError(actual: Float32Array, expected: Float32Array): number {
  if (actual.length !== expected.length) {
    return Number.POSITIVE_INFINITY;
  }
  let difference = 0;
  let norm = 0;
  expected.forEach((value, index) => {
    difference += (actual[index] - value) ** 2;
    norm += value ** 2;
  });
  return Math.sqrt(difference) / Math.max(Math.sqrt(norm), 1e-12);
}

export async function onBoth(
  compute: () => tf.Tensor,
): Promise<{ wasm: Float32Array; cpu: Float32Array }> {
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const result = tf.tidy(compute);
    const values = (await result.data()) as Float32Array;
    result.dispose();
    return values;
  };
  return { cpu: await run('cpu'), wasm: await run('wasm') };
}
