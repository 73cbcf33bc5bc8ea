/**
 * Estimated training FLOPs from a model's layer table, the compute unit of "how much compute did
 * fine-tuning save". An estimate, stated as one: a weight-bearing layer's forward pass costs
 * 2 × params × output positions per sample (exact for dense, convolution and depthwise layers up
 * to the bias; batch normalisation's few operations per element are in the same order), layers
 * without weights are free, and a trainable layer's backward pass costs twice its forward (the
 * weight gradient and the input gradient).
 */

/** What the estimate needs of a layer; the API's and the trainer's layer tables both have it. */
export interface FlopsLayer {
  outputShape: readonly (number | null)[];
  params: number;
  weightBearing: boolean;
  /** Index among weight-bearing layers from the input; frozen when below `frozenLayers`. */
  weightIndex?: number | null;
}

/** Forward FLOPs of one sample through `layer`. */
export function forwardFlops(layer: FlopsLayer): number {
  if (!layer.weightBearing || !(layer.params > 0)) return 0;
  // [batch, …spatial, channels]: the positions a kernel is applied at (1 for a dense layer).
  const positions = layer.outputShape
    .slice(1, -1)
    .reduce<number>((product, size) => product * (size !== null && size > 0 ? size : 1), 1);
  return 2 * layer.params * positions;
}

export interface FlopsPerSample {
  /** Forward through the frozen layers. */
  frozenForward: number;
  /** Forward and backward through the trainable layers. */
  trainable: number;
}

/** Per-sample FLOPs of a training step with the first `frozenLayers` weight-bearing layers frozen. */
export function trainingFlopsPerSample(
  layers: readonly FlopsLayer[],
  frozenLayers: number,
): FlopsPerSample {
  let frozenForward = 0;
  let trainable = 0;
  layers.forEach((layer, position) => {
    const forward = forwardFlops(layer);
    const index = layer.weightIndex ?? position;
    if (index < frozenLayers) frozenForward += forward;
    else trainable += 3 * forward;
  });
  return { frozenForward, trainable };
}

/**
 * Training FLOPs after `epochs` epochs of `samples` samples each. With the frozen-prefix feature
 * cache the frozen layers run once, in the first epoch; without it, in every epoch.
 */
export function cumulativeTrainingFlops(
  perSample: FlopsPerSample,
  samples: number,
  epochs: number,
  prefixCached: boolean,
): number {
  const frozen = prefixCached ? perSample.frozenForward : perSample.frozenForward * epochs;
  return samples * (frozen + perSample.trainable * epochs);
}
