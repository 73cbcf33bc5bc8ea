import * as tf from '@tensorflow/tfjs';
import type { DataType, KernelBackend, TensorInfo } from '@tensorflow/tfjs';

interface HeapBackend extends KernelBackend {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(tensor: TensorInfo): Float32Array;
}

/** The state tfjs's AdamOptimizer keeps (private there; the same objects, so checkpoints match). */
interface AdamState {
  accBeta1: tf.Variable;
  accBeta2: tf.Variable;
  accumulatedFirstMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
  accumulatedSecondMoment: ({ originalName: string; variable: tf.Variable } | undefined)[];
}

type Gradients = Parameters<tf.AdamOptimizer['applyGradients']>[0];

/**
 * Adam whose update is one pass per variable on a heap backend (wasm): tfjs's runs about a dozen
 * element-wise kernels per variable and step (moments, bias corrections, square root, division),
 * each a full pass over the weights; for small-cnn's dense layer (590k weights) that is ~2 ms of
 * a K=0 step. Same state objects, names and order as tfjs's Adam (getWeights / setWeights and
 * checkpoints are unchanged); the arithmetic is tfjs's formula in one expression per element, so
 * results differ from the kernel sequence only by float32 rounding (~1e-7 relative). Other
 * backends, and gradients given as a list, take tfjs's path.
 */
export class FusedAdamOptimizer extends tf.AdamOptimizer {
  override applyGradients(variableGradients: Gradients): void {
    const backend = tf.backend();
    if (
      Array.isArray(variableGradients) ||
      !('makeOutput' in backend && 'typedArrayFromHeap' in backend)
    ) {
      super.applyGradients(variableGradients);
      return;
    }
    const heap = backend as HeapBackend;
    const state = this as unknown as AdamState;
    const { beta1, beta2, epsilon, learningRate } = this;
    const correction1 = Math.fround(1 - state.accBeta1.dataSync()[0]);
    const correction2 = Math.fround(1 - state.accBeta2.dataSync()[0]);
    tf.tidy(() => {
      Object.keys(variableGradients).forEach((name, index) => {
        const value = tf.engine().registeredVariables[name];
        state.accumulatedFirstMoment[index] ??= {
          originalName: `${name}/m`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        state.accumulatedSecondMoment[index] ??= {
          originalName: `${name}/v`,
          variable: tf.tidy(() => tf.zerosLike(value).variable(false)),
        };
        const gradient = (variableGradients as Record<string, tf.Tensor | undefined>)[name];
        if (gradient == null) {
          return;
        }
        const firstMoment = state.accumulatedFirstMoment[index]!.variable;
        const secondMoment = state.accumulatedSecondMoment[index]!.variable;
        if (value.dtype !== 'float32' || gradient.dtype !== 'float32') {
          throw new Error(`FusedAdamOptimizer: ${name} is not float32`);
        }
        const outputs = [firstMoment, secondMoment, value].map((tensor) =>
          heap.makeOutput(tensor.shape, 'float32'),
        );
        // Views only after allocating: growing the heap detaches older views.
        const [m, v, weights, g] = [firstMoment, secondMoment, value, gradient].map((tensor) =>
          heap.typedArrayFromHeap(tensor),
        );
        const [newM, newV, newWeights] = outputs.map((output) => heap.typedArrayFromHeap(output));
        for (let i = 0; i < g.length; i += 1) {
          const moment = Math.fround(m[i] * beta1 + g[i] * (1 - beta1));
          const squares = Math.fround(v[i] * beta2 + g[i] * g[i] * (1 - beta2));
          newM[i] = moment;
          newV[i] = squares;
          newWeights[i] =
            weights[i] -
            learningRate * (moment / correction1 / (Math.sqrt(squares / correction2) + epsilon));
        }
        const [mTensor, vTensor, weightTensor] = outputs.map((output) =>
          tf.engine().makeTensorFromTensorInfo(output),
        );
        firstMoment.assign(mTensor);
        secondMoment.assign(vTensor);
        value.assign(weightTensor);
      });
      state.accBeta1.assign(tf.mul(state.accBeta1, beta1));
      state.accBeta2.assign(tf.mul(state.accBeta2, beta2));
    });
    this.incrementIterations();
  }
}
