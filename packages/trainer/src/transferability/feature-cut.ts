import type { GraphNode } from '../model/graph.js';
import { defaultCut } from '../model/surgery.js';

/**
 * Layer classes of a classifier stack on top of a network's body: Dense layers and what sits
 * between them (dropout, activations). Everything else (Flatten, global pooling, convolutions)
 * belongs to the body.
 */
const HEAD_CLASSES = new Set([
  'Dense',
  'Dropout',
  'AlphaDropout',
  'GaussianDropout',
  'GaussianNoise',
  'Activation',
  'ReLU',
  'LeakyReLU',
  'ELU',
  'Softmax',
]);

/**
 * Where a source model's features are scored: the output of its body, the layer below its whole
 * classifier stack (Keras' `include_top=False` features: `flatten` of small-cnn and VGG,
 * the global pool of MobileNet and ResNet, whose classifier is one Dense layer anyway).
 *
 * Not the penultimate layer: a source's last hidden Dense layer is trained for the source's
 * classes and ranks sources for another task poorly. Measured by `npm run bench:transfer` (five
 * sources × three targets, Kendall's τ of LogME against a fine-tune with the body's first half
 * frozen): 0.24 to 0.33 at the penultimate layer, 0.60 to 0.72 at the body, in three runs.
 * A stack that reaches an input (a model of Dense layers only) or a layer with several inputs
 * falls back to the penultimate layer.
 */
export function featureCut(graph: readonly GraphNode[]): string {
  const output = graph[graph.length - 1]!;
  const byName = new Map(graph.map((node) => [node.layer.name, node]));
  let node = output;
  while (HEAD_CLASSES.has(node.layer.getClassName())) {
    if (node.inputs.length !== 1) return defaultCut(output);
    const below = byName.get(node.inputs[0]!)!;
    if (below.inputs.length === 0) return defaultCut(output);
    node = below;
  }
  return node === output ? defaultCut(output) : node.layer.name;
}
