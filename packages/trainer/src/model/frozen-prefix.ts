import { isDropoutLayer, isWeightBearing, type GraphNode } from './graph.js';

/** The part of a model that is a fixed function of its input during fine-tuning. */
export interface FrozenPrefix {
  /** Layers run in inference mode: every frozen layer, what feeds it, and the deterministic layers right after. */
  layers: Set<string>;
  /** Prefix layers whose outputs the trainable rest reads: the features to cache. */
  boundary: string[];
  /** True when at least one frozen weight-bearing layer is inside (otherwise nothing to cache). */
  hasFrozenWeights: boolean;
}

/**
 * Finds the frozen prefix: all ancestors of the frozen (non-trainable) weight-bearing layers,
 * which run in inference mode (dropout off, batch-norm statistics fixed, as the Keras
 * transfer-learning guide recommends), extended by weight-free, non-random layers that read only
 * from it (pooling, flatten, activations) so the cached features are as small as possible.
 * Dropout after the prefix stays active.
 */
export function findFrozenPrefix(graph: readonly GraphNode[]): FrozenPrefix {
  const byName = new Map(graph.map((node) => [node.layer.name, node]));
  const layers = new Set<string>();
  const stack = graph
    .filter((node) => isWeightBearing(node.layer) && !node.layer.trainable)
    .map((node) => node.layer.name);
  const hasFrozenWeights = stack.length > 0;
  while (stack.length > 0) {
    const name = stack.pop()!;
    if (!layers.has(name)) {
      layers.add(name);
      stack.push(...(byName.get(name)?.inputs ?? []));
    }
  }
  if (hasFrozenWeights) {
    for (const node of graph) {
      const name = node.layer.name;
      if (
        !layers.has(name) &&
        node.inputs.length > 0 &&
        !isWeightBearing(node.layer) &&
        !isDropoutLayer(node.layer) &&
        node.inputs.every((input) => layers.has(input))
      ) {
        layers.add(name);
      }
    }
  }
  const readOutside = new Set<string>();
  for (const node of graph) {
    if (!layers.has(node.layer.name)) {
      node.inputs.filter((input) => layers.has(input)).forEach((input) => readOutside.add(input));
    }
  }
  const boundary = graph.map((node) => node.layer.name).filter((name) => readOutside.has(name));
  return { layers, boundary, hasFrozenWeights };
}
