import * as tf from '@tensorflow/tfjs';
import { SeededRandom } from '../random/seeded-random.js';

/** One layer of a model and the layers it reads from, in topological order. */
export interface GraphNode {
  layer: tf.layers.Layer;
  /** Names of the layers whose (single) outputs feed this layer; empty for input layers. */
  inputs: string[];
}

/** Thrown for model graphs the trainer cannot execute (shared layers, multiple outputs, …). */
export class ModelGraphError extends Error {
  override readonly name = 'ModelGraphError';
}

interface SerializedLayerConfig {
  name: string;
  class_name?: string;
  className?: string;
  /** getConfig() spells it inboundNodes; toJSON() converts to inbound_nodes. */
  inboundNodes?: unknown[];
  inbound_nodes?: unknown[];
}

/**
 * The layers of a single-input, single-output model in topological order with their inputs.
 * Works for Sequential and functional models, including converter output.
 */
export function modelGraph(model: tf.LayersModel): GraphNode[] {
  if (model.inputs.length !== 1 || model.outputs.length !== 1) {
    throw new ModelGraphError(
      `Only single-input, single-output models are supported (got ${model.inputs.length} inputs, ${model.outputs.length} outputs)`,
    );
  }
  if (model instanceof tf.Sequential) {
    // Sequential hides its input layer from `layers`; chain the rest after it.
    const inputLayer = model.inputs[0].sourceLayer;
    const nodes: GraphNode[] = [{ layer: inputLayer, inputs: [] }];
    for (const layer of model.layers) {
      if (layer.getClassName() === 'InputLayer') {
        continue;
      }
      nodes.push({ layer, inputs: [nodes[nodes.length - 1].layer.name] });
    }
    return nodes;
  }
  const config = model.getConfig() as unknown as { layers: SerializedLayerConfig[] };
  return config.layers.map((layerConfig) => {
    const layer = model.getLayer(layerConfig.name);
    if (layer instanceof tf.LayersModel) {
      throw new ModelGraphError(`Nested model '${layer.name}' is not supported; flatten it first`);
    }
    const inbound = (layerConfig.inboundNodes ?? layerConfig.inbound_nodes ?? []) as unknown[][];
    if (inbound.length > 1) {
      throw new ModelGraphError(`Layer '${layer.name}' is shared (called ${inbound.length} times)`);
    }
    const inputs = (inbound[0] ?? []).map((entry) => {
      const [name, , tensorIndex] = entry as [string, number, number];
      if (tensorIndex !== 0) {
        throw new ModelGraphError(`Layer '${layer.name}' reads a multi-output layer '${name}'`);
      }
      return name;
    });
    return { layer, inputs };
  });
}

/** True for layers whose training-mode output is random (their randomness the trainer seeds). */
export function isDropoutLayer(layer: tf.layers.Layer): boolean {
  return layer.getClassName() === 'Dropout';
}

/** True for batch-norm layers, whose training mode also rewrites their moving statistics. */
export function isBatchNorm(layer: tf.layers.Layer): boolean {
  return layer.getClassName() === 'BatchNormalization';
}

/** True for layers that own weights; these are what `frozenLayers` counts. */
export function isWeightBearing(layer: tf.layers.Layer): boolean {
  return layer.weights.length > 0;
}

export interface ExecuteOptions {
  /** Layers run in training mode (dropout on, batch-norm statistics updated); the rest infer. */
  trainingLayers: ReadonlySet<string>;
  /** Seed for this step's dropout masks; each dropout layer derives its own from it. */
  dropoutSeed: number;
  /** Start from these precomputed layer outputs instead of the model input. */
  given?: ReadonlyMap<string, tf.Tensor>;
}

/**
 * Runs the graph eagerly on concrete tensors and returns the requested layer outputs.
 * `input` is [batch, …inputShape]; call inside tf.tidy or a gradient function.
 * Dropout is applied here with a per-step seed because tfjs's Dropout takes its randomness from
 * Math.random (or repeats one mask when seeded), which would break determinism.
 */
export function executeGraph(
  graph: readonly GraphNode[],
  input: tf.Tensor | undefined,
  outputs: readonly string[],
  options: ExecuteOptions,
): tf.Tensor[] {
  const values = new Map<string, tf.Tensor>(options.given ?? []);
  const wanted = new Set(outputs);
  const needed = neededLayers(graph, wanted, new Set(values.keys()));
  graph.forEach((node, index) => {
    const name = node.layer.name;
    if (values.has(name) || !needed.has(name)) {
      return;
    }
    if (node.inputs.length === 0) {
      if (input === undefined) {
        throw new ModelGraphError(`No value for input layer '${name}'`);
      }
      values.set(name, input);
      return;
    }
    const inputs = node.inputs.map((inputName) => {
      const value = values.get(inputName);
      if (value === undefined) {
        throw new ModelGraphError(`Layer '${name}' needs '${inputName}', which was not computed`);
      }
      return value;
    });
    const training = options.trainingLayers.has(name);
    let output: tf.Tensor;
    if (isDropoutLayer(node.layer)) {
      const { rate, noiseShape } = node.layer.getConfig() as {
        rate: number;
        noiseShape?: number[];
      };
      const seed = (options.dropoutSeed + index * 7919) >>> 0;
      if (!training || rate <= 0) {
        output = inputs[0];
      } else if (noiseShape != null) {
        output = tf.dropout(inputs[0], rate, noiseShape, seed);
      } else {
        output = tf.mul(inputs[0], dropoutMask(inputs[0].shape, rate, seed));
      }
    } else {
      output = node.layer.apply(inputs.length === 1 ? inputs[0] : inputs, {
        training,
      }) as tf.Tensor;
    }
    values.set(name, output);
  });
  return outputs.map((name) => {
    const value = values.get(name);
    if (value === undefined) {
      throw new ModelGraphError(`Layer '${name}' was not computed`);
    }
    return value;
  });
}

/**
 * Inverted-dropout mask (0 or 1/(1−rate)) from the trainer's own generator: ~5× faster than
 * tf.dropout's seedrandom-based randomUniform for the masks of a training step.
 */
function dropoutMask(shape: number[], rate: number, seed: number): tf.Tensor {
  const keep = 1 - rate;
  const scale = 1 / keep;
  // nextFloat() < keep exactly when nextUint32() < keep·2³² (both sides scaled by 2³²).
  const threshold = keep * 4294967296;
  const random = new SeededRandom(seed);
  const backend = tf.backend();
  if ('makeOutput' in backend && 'typedArrayFromHeap' in backend) {
    // wasm: drawn straight into the tensor's memory, no JavaScript buffer to allocate and copy.
    const heap = backend as unknown as {
      makeOutput(shape: number[], dtype: 'float32'): tf.TensorInfo;
      typedArrayFromHeap(tensor: tf.TensorInfo): Float32Array;
    };
    const output = heap.makeOutput(shape, 'float32');
    random.fillBernoulli(heap.typedArrayFromHeap(output), threshold, scale);
    return tf.engine().makeTensorFromTensorInfo(output);
  }
  const mask = new Float32Array(shape.reduce((product, size) => product * size, 1));
  random.fillBernoulli(mask, threshold, scale);
  return tf.tensor(mask, shape);
}

/** Layers that must run to produce `wanted` when `known` outputs are given. */
function neededLayers(
  graph: readonly GraphNode[],
  wanted: ReadonlySet<string>,
  known: ReadonlySet<string>,
): Set<string> {
  const byName = new Map(graph.map((node) => [node.layer.name, node]));
  const needed = new Set<string>();
  const stack = [...wanted];
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (needed.has(name) || known.has(name)) {
      continue;
    }
    needed.add(name);
    stack.push(...(byName.get(name)?.inputs ?? []));
  }
  return needed;
}
