import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../backend/select-backend.js';
import { FusedAdamOptimizer } from './fused-adam.js';

/** Five steps of `optimizer` on fresh variables from `seed`, gradients from the same seeds. */
function train(optimizer: tf.Optimizer, prefix: string) {
  const variables = [
    tf.variable(tf.randomUniform([37, 5], -1, 1, 'float32', 1), true, `${prefix}/kernel`),
    tf.variable(tf.randomUniform([5], -1, 1, 'float32', 2), true, `${prefix}/bias`),
  ];
  for (let step = 0; step < 5; step += 1) {
    const gradients = Object.fromEntries(
      variables.map((variable, index) => [
        variable.name,
        tf.randomUniform(variable.shape, -2, 2, 'float32', 10 * step + index),
      ]),
    );
    optimizer.applyGradients(gradients);
    tf.dispose(Object.values(gradients));
  }
  return variables;
}

/** tfjs types the map as variables; gradients are plain tensors. */
function gradientMap(
  name: string,
  tensor: tf.Tensor,
): Parameters<tf.AdamOptimizer['applyGradients']>[0] {
  return { [name]: tensor } as unknown as Parameters<tf.AdamOptimizer['applyGradients']>[0];
}

function maxRelativeError(actual: tf.Tensor, expected: tf.Tensor): number {
  const a = actual.dataSync();
  const e = expected.dataSync();
  let worst = 0;
  e.forEach((value, index) => {
    worst = Math.max(worst, Math.abs(a[index] - value) / Math.max(Math.abs(value), 1e-3));
  });
  return worst;
}

describe('FusedAdamOptimizer on wasm', () => {
  beforeAll(async () => {
    await selectBackend('wasm');
  });

  it('matches tfjs Adam: weights, moments, names and order of its state', async () => {
    const reference = tf.train.adam(0.01);
    const sut = new FusedAdamOptimizer(0.01, 0.9, 0.999);
    const expected = train(reference, 'reference');
    const actual = train(sut, 'fused');
    actual.forEach((variable, index) =>
      expect(maxRelativeError(variable, expected[index])).toBeLessThan(1e-5),
    );
    const [referenceState, state] = [await reference.getWeights(), await sut.getWeights()];
    expect(state.map((weight) => weight.name.replace('fused', 'reference'))).toEqual(
      referenceState.map((weight) => weight.name),
    );
    state.forEach((weight, index) =>
      expect(maxRelativeError(weight.tensor, referenceState[index].tensor)).toBeLessThan(1e-5),
    );
    tf.dispose([...expected, ...actual]);
    reference.dispose();
    sut.dispose();
  });

  // setWeights recomputes the bias corrections as beta^t (a float32 pow) where the running
  // optimizer multiplied them step by step: tfjs's own Adam differs by 2e-5 here too.
  it('resumes from saved state as it would have continued', async () => {
    const straight = new FusedAdamOptimizer(0.01, 0.9, 0.999);
    const variables = train(straight, 'straight');
    const restored = new FusedAdamOptimizer(0.01, 0.9, 0.999);
    const again = train(restored, 'restored');
    await restored.setWeights(
      (await straight.getWeights()).map((weight) => ({
        name: weight.name.replace('straight', 'restored'),
        tensor: weight.tensor,
      })),
    );
    const gradient = (shape: number[]) => tf.randomUniform(shape, -1, 1, 'float32', 99);
    variables.forEach((variable, index) => again[index].assign(variable));
    straight.applyGradients(gradientMap(variables[0].name, gradient(variables[0].shape)));
    restored.applyGradients(gradientMap(again[0].name, gradient(again[0].shape)));
    expect(maxRelativeError(again[0], variables[0])).toBeLessThan(1e-4);
    tf.dispose([...variables, ...again]);
  });
});
