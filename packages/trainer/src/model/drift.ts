import * as tf from '@tensorflow/tfjs';

/**
 * Relative weight drift of one layer: ‖W − W₀‖ / ‖W₀‖ (Frobenius norms over all of the layer's
 * weight tensors together). `current` and `initial` are the layer's weights in the same order
 * and shapes. Returns ‖W‖ itself when ‖W₀‖ = 0 (e.g. a layer of zeros), so the value stays finite.
 */
export function weightDrift(current: readonly tf.Tensor[], initial: readonly tf.Tensor[]): number {
  if (current.length !== initial.length) {
    throw new Error(`weightDrift: ${current.length} tensors against ${initial.length}`);
  }
  if (current.length === 0) {
    return 0;
  }
  return tf.tidy(() => {
    let difference = tf.scalar(0);
    let reference = tf.scalar(0);
    current.forEach((tensor, index) => {
      difference = tf.add(difference, tf.sum(tf.square(tf.sub(tensor, initial[index]))));
      reference = tf.add(reference, tf.sum(tf.square(initial[index])));
    });
    const [differenceSquared, referenceSquared] = [
      difference.dataSync()[0],
      reference.dataSync()[0],
    ];
    return referenceSquared > 0
      ? Math.sqrt(differenceSquared) / Math.sqrt(referenceSquared)
      : Math.sqrt(differenceSquared);
  });
}

/**
 * Drift of every weight-bearing layer of `model` from `source` (matched by layer name; layers
 * absent from the source, such as a new head, are skipped). Returns layer name → drift.
 */
export function modelDrift(model: tf.LayersModel, source: tf.LayersModel): Record<string, number> {
  const drift: Record<string, number> = {};
  const sourceNames = new Set(source.layers.map((layer) => layer.name));
  for (const layer of model.layers) {
    if (layer.weights.length === 0 || !sourceNames.has(layer.name)) {
      continue;
    }
    const sourceLayer = source.getLayer(layer.name);
    const shapes = (weights: tf.LayerVariable[]) =>
      weights.map((weight) => weight.shape.join('x')).join(',');
    if (shapes(sourceLayer.weights) !== shapes(layer.weights)) {
      continue;
    }
    drift[layer.name] = weightDrift(
      layer.weights.map((weight) => weight.read()),
      sourceLayer.weights.map((weight) => weight.read()),
    );
  }
  return drift;
}
