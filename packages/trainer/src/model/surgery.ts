import * as tf from '@tensorflow/tfjs';
import {
  frozenLayersProblem,
  layerBlock,
  type Initialization,
  type LayerInfo,
  type SurgeryRecord,
} from '@finetrack/shared';
import { OUTPUT_LAYER_NAME } from './architectures.js';
import { isWeightBearing, modelGraph, type GraphNode } from './graph.js';

export const SurgeryErrorCode = {
  UnknownLayer: 'UNKNOWN_LAYER',
  InvalidCut: 'INVALID_CUT',
  FrozenLayersOutOfRange: 'FROZEN_LAYERS_OUT_OF_RANGE',
  InvalidHead: 'INVALID_HEAD',
} as const;
export type SurgeryErrorCode = (typeof SurgeryErrorCode)[keyof typeof SurgeryErrorCode];

/** A surgery request that cannot be carried out; `code` says which input was wrong. */
export class SurgeryError extends Error {
  override readonly name = 'SurgeryError';
  constructor(
    readonly code: SurgeryErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export interface SurgeryOptions {
  /** Units of the new softmax head: one per target class. */
  numClasses: number;
  /** Weight-bearing layers of the kept part frozen, counted from the input: 0…all. */
  frozenLayers: number;
  /** Seeds the head (and, for 'scratch', every weight). */
  seed: number;
  /** 'pretrained' copies the source weights; 'scratch' is the same architecture, all random. */
  initialization: Initialization;
  /** Last source layer kept; default the layer below the output layer. */
  cutLayer?: string;
  /** Recorded in the SurgeryRecord only. */
  learningRate?: number;
}

export interface SurgeryResult {
  /** A new model; the source is not modified and shares no variables with it. */
  model: tf.LayersModel;
  record: SurgeryRecord;
  headLayerName: string;
  /** Weight-bearing layers of the kept part, input first (what `frozenLayers` counts). */
  weightBearingLayerNames: string[];
  frozenLayerNames: string[];
  /** Weight-bearing layers that train, the head included. */
  trainableLayerNames: string[];
  trainableParams: number;
  nonTrainableParams: number;
}

type LayerFactory = [
  new (config: object) => tf.layers.Layer,
  (cls: unknown, config: object) => tf.layers.Layer,
];

/** A new, unbuilt layer with the same class and configuration (name included). */
function cloneLayer(layer: tf.layers.Layer): tf.layers.Layer {
  const className = layer.getClassName();
  const entry = (
    tf.serialization.SerializationMap.getMap().classNameMap as unknown as Record<
      string,
      LayerFactory
    >
  )[className];
  if (entry === undefined) {
    throw new SurgeryError(
      SurgeryErrorCode.InvalidCut,
      `Layer class '${className}' is not registered`,
    );
  }
  const [cls, fromConfig] = entry;
  return fromConfig(cls, layer.getConfig());
}

/** Seeded replacement values for a weight, chosen by its role (the suffix of its name). */
function randomValue(weight: tf.LayerVariable, seed: number): tf.Tensor {
  const role = weight.originalName.split('/').pop() ?? '';
  const shape = weight.shape as number[];
  if (role === 'gamma' || role === 'moving_variance') {
    return tf.ones(shape);
  }
  if (role === 'bias' || role === 'beta' || role === 'moving_mean' || shape.length < 2) {
    return tf.zeros(shape);
  }
  return tf.initializers.glorotUniform({ seed }).apply(shape);
}

/** Mixes a run seed with a counter into a 32-bit initialiser seed. */
function deriveSeed(seed: number, counter: number): number {
  let value = (seed ^ Math.imul(counter + 1, 0x9e3779b1)) >>> 0;
  value = Math.imul(value ^ (value >>> 16), 0x85ebca6b) >>> 0;
  return (value ^ (value >>> 13)) >>> 0;
}

/**
 * Makes a target model from a source: copy every layer up to `cutLayer` (weights copied for
 * 'pretrained', seeded random for 'scratch'), attach a Dense softmax head with `numClasses`
 * units (seeded), freeze the first `frozenLayers` weight-bearing layers counted from the input.
 * Works on Sequential and functional (non-sequential) sources. Input shape is the source's.
 */
export function performSurgery(source: tf.LayersModel, options: SurgeryOptions): SurgeryResult {
  const { numClasses, frozenLayers, seed, initialization } = options;
  if (!Number.isInteger(numClasses) || numClasses < 2) {
    throw new SurgeryError(
      SurgeryErrorCode.InvalidHead,
      `numClasses must be an integer ≥ 2 (got ${numClasses})`,
    );
  }
  const graph = modelGraph(source);
  const byName = new Map(graph.map((node) => [node.layer.name, node]));
  const outputNode = graph[graph.length - 1];
  const cutLayer = options.cutLayer ?? defaultCut(outputNode);
  const cutNode = byName.get(cutLayer);
  if (cutNode === undefined) {
    throw new SurgeryError(
      SurgeryErrorCode.UnknownLayer,
      `Unknown layer '${cutLayer}'; layers are: ${graph.map((node) => node.layer.name).join(', ')}`,
    );
  }
  if (cutNode === outputNode || cutNode.inputs.length === 0) {
    throw new SurgeryError(
      SurgeryErrorCode.InvalidCut,
      `Cannot cut at '${cutLayer}': the cut must be below the output layer and above the input`,
    );
  }

  const kept = ancestors(graph, cutLayer);
  const symbols = new Map<string, tf.SymbolicTensor>();
  const clones: { source: tf.layers.Layer; clone: tf.layers.Layer }[] = [];
  for (const node of graph) {
    if (!kept.has(node.layer.name)) {
      continue;
    }
    if (node.inputs.length === 0) {
      const shape = source.inputs[0].shape.slice(1) as number[];
      symbols.set(node.layer.name, tf.input({ shape, name: node.layer.name }));
      continue;
    }
    const clone = cloneLayer(node.layer);
    const inputs = node.inputs.map((name) => symbols.get(name)!);
    symbols.set(
      node.layer.name,
      clone.apply(inputs.length === 1 ? inputs[0] : inputs) as tf.SymbolicTensor,
    );
    clones.push({ source: node.layer, clone });
  }

  let counter = 0;
  for (const { source: sourceLayer, clone } of clones) {
    if (initialization === 'pretrained') {
      clone.setWeights(sourceLayer.getWeights());
    } else {
      const values = clone.weights.map((weight) =>
        randomValue(weight, deriveSeed(seed, counter++)),
      );
      clone.setWeights(values);
      tf.dispose(values);
    }
  }

  const weightBearing = clones
    .filter(({ clone }) => isWeightBearing(clone))
    .map(({ clone }) => clone);
  if (frozenLayersProblem(frozenLayers, weightBearing.length)) {
    throw new SurgeryError(
      SurgeryErrorCode.FrozenLayersOutOfRange,
      `frozenLayers must be an integer from 0 to ${weightBearing.length} (the weight-bearing layers up to '${cutLayer}'), got ${frozenLayers}`,
    );
  }
  weightBearing.forEach((layer, index) => {
    layer.trainable = index >= frozenLayers;
  });

  const input = symbols.get(graph.find((node) => node.inputs.length === 0)!.layer.name)!;
  let features = symbols.get(cutLayer)!;
  const taken = new Set(kept);
  if (features.shape.length > 2) {
    features = tf.layers
      .flatten({ name: uniqueName('head_flatten', taken) })
      .apply(features) as tf.SymbolicTensor;
  }
  const headLayerName = uniqueName(OUTPUT_LAYER_NAME, taken);
  const head = tf.layers.dense({
    name: headLayerName,
    units: numClasses,
    activation: 'softmax',
    kernelInitializer: tf.initializers.glorotUniform({ seed: deriveSeed(seed, 0x4ead) }),
  });
  const output = head.apply(features) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: output, name: `${source.name}-target` });

  const frozenLayerNames = weightBearing.slice(0, frozenLayers).map((layer) => layer.name);
  const trainableLayerNames = [
    ...weightBearing.slice(frozenLayers).map((layer) => layer.name),
    headLayerName,
  ];
  return {
    model,
    record: {
      cutLayer,
      headUnits: numClasses,
      frozenLayers,
      frozenLayerNames,
      learningRate: options.learningRate ?? Number.NaN,
      initialization,
    },
    headLayerName,
    weightBearingLayerNames: weightBearing.map((layer) => layer.name),
    frozenLayerNames,
    trainableLayerNames,
    ...parameterCounts(model),
  };
}

/** The layer feeding the output layer: where surgery cuts when no cutLayer is named. */
export function defaultCut(outputNode: GraphNode): string {
  if (outputNode.inputs.length !== 1) {
    throw new SurgeryError(
      SurgeryErrorCode.InvalidCut,
      `The output layer '${outputNode.layer.name}' has ${outputNode.inputs.length} inputs; name a cutLayer`,
    );
  }
  return outputNode.inputs[0];
}

function ancestors(graph: readonly GraphNode[], name: string): Set<string> {
  const byName = new Map(graph.map((node) => [node.layer.name, node]));
  const found = new Set<string>();
  const stack = [name];
  while (stack.length > 0) {
    const current = stack.pop()!;
    if (!found.has(current)) {
      found.add(current);
      stack.push(...(byName.get(current)?.inputs ?? []));
    }
  }
  return found;
}

function uniqueName(base: string, taken: Set<string>): string {
  let name = base;
  for (let suffix = 1; taken.has(name); suffix += 1) {
    name = `${base}_${suffix}`;
  }
  taken.add(name);
  return name;
}

/** Trainable and non-trainable parameter counts (batch-norm moving statistics are non-trainable). */
export function parameterCounts(model: tf.LayersModel): {
  trainableParams: number;
  nonTrainableParams: number;
} {
  const count = (weights: tf.LayerVariable[]) =>
    weights.reduce(
      (sum, weight) =>
        sum + (weight.shape as number[]).reduce((product, size) => product * size, 1),
      0,
    );
  return {
    trainableParams: count(model.trainableWeights),
    nonTrainableParams: count(model.nonTrainableWeights),
  };
}

/** The model's layers as `LayerInfo` rows, input first; weightIndex counts weight-bearing layers. */
export function describeModel(model: tf.LayersModel): LayerInfo[] {
  let weightIndex = 0;
  return modelGraph(model).map(({ layer }) => {
    const weightBearing = isWeightBearing(layer);
    const shape = layer.outputShape;
    const outputShape = (Array.isArray(shape[0]) ? shape[0] : shape) as (number | null)[];
    return {
      name: layer.name,
      type: layer.getClassName(),
      outputShape,
      params: layer.countParams(),
      weightBearing,
      weightIndex: weightBearing ? weightIndex++ : null,
      trainable: weightBearing && layer.trainable,
      block: layerBlock(layer.name),
    };
  });
}
