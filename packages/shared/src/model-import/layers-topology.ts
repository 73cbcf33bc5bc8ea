import type { LayerInfo } from '../model.js';
import { KNOWN_LAYER_CLASSES } from './import-limits.js';
import { isRecord, type ManifestWeight } from './layers-manifest.js';
import { ModelImportError } from './model-import-error.js';
import { outputShape, type Shape } from './layer-shapes.js';

/** What an imported model is, as read from its model.json. */
export interface LayersModelDescription {
  layers: LayerInfo[];
  /** [height, width, channels] (or whatever the input has), without the batch dimension. */
  inputShape: number[];
  totalParams: number;
  trainableParams: number;
}

interface RawLayer {
  className: string;
  name: string;
  config: Record<string, unknown>;
  inbound: string[];
}

const KNOWN = new Set<string>(KNOWN_LAYER_CLASSES);
/** Batch-norm statistics are weights but are never trained. */
const NON_TRAINABLE_WEIGHT = /\/(moving_mean|moving_variance)(:\d+)?$/;

const bad = (message: string) => new ModelImportError(message, 'model.json');

/** Names of the layers a functional layer's inbound_nodes refer to (Keras 2 and 3 layouts). */
function inboundNames(nodes: unknown): string[] {
  const names: string[] = [];
  const visit = (value: unknown) => {
    if (Array.isArray(value)) {
      if (typeof value[0] === 'string' && typeof value[1] === 'number') names.push(value[0]);
      else value.forEach(visit);
    } else if (isRecord(value)) {
      if (Array.isArray(value.keras_history)) visit(value.keras_history);
      else Object.values(value).forEach(visit);
    }
  };
  visit(nodes);
  return names;
}

function rawLayers(topology: Record<string, unknown>): { layers: RawLayer[]; sequential: boolean } {
  const model = isRecord(topology.model_config) ? topology.model_config : topology;
  const className = model.class_name;
  const config = model.config;
  const list = Array.isArray(config) ? config : isRecord(config) ? config.layers : undefined;
  if (!Array.isArray(list) || list.length === 0)
    throw bad(
      'modelTopology lists no layers (is this a Keras model saved by tensorflowjs_converter?)',
    );
  const layers = list.map((entry, index): RawLayer => {
    if (!isRecord(entry) || typeof entry.class_name !== 'string')
      throw bad(`layer ${index} of modelTopology has no class_name`);
    const layerConfig = isRecord(entry.config) ? entry.config : {};
    const name = typeof layerConfig.name === 'string' ? layerConfig.name : entry.name;
    if (typeof name !== 'string' || name === '') throw bad(`layer ${index} has no name`);
    if (!KNOWN.has(entry.class_name))
      throw bad(
        `layer ${name} is a ${entry.class_name}, a layer class Finetrack cannot fine-tune (it knows ${KNOWN_LAYER_CLASSES.join(', ')})`,
      );
    return {
      className: entry.class_name,
      name,
      config: layerConfig,
      inbound: inboundNames(entry.inbound_nodes),
    };
  });
  return { layers, sequential: className === 'Sequential' };
}

function declaredInput(config: Record<string, unknown>): Shape | null {
  const shape = config.batch_input_shape ?? config.batch_shape;
  if (Array.isArray(shape)) return shape.map((d) => (typeof d === 'number' ? d : null));
  if (Array.isArray(config.input_shape)) return [null, ...(config.input_shape as number[])];
  return null;
}

/**
 * The layer table of a Layers model.json: each layer's class, output shape (inferred from the
 * declared input shape), parameters (from the manifest's weights named `<layer>/<weight>`),
 * weight-bearing flag and index, as the trainer's describeModel records a model it built.
 */
export function describeLayersTopology(
  modelJson: Record<string, unknown>,
  weights: readonly ManifestWeight[],
): LayersModelDescription {
  const { layers, sequential } = rawLayers(modelJson.modelTopology as Record<string, unknown>);
  const shapes = new Map<string, Shape>();
  const names = layers.map((layer) => layer.name).sort((a, b) => b.length - a.length);
  const paramsOf = new Map<string, { total: number; trainable: number }>();
  for (const weight of weights) {
    const owner = names.find((name) => weight.name.startsWith(`${name}/`));
    if (!owner) throw bad(`weight ${weight.name} belongs to no layer of modelTopology`);
    const entry = paramsOf.get(owner) ?? { total: 0, trainable: 0 };
    entry.total += weight.elements;
    if (!NON_TRAINABLE_WEIGHT.test(weight.name)) entry.trainable += weight.elements;
    paramsOf.set(owner, entry);
  }
  let inputShape: Shape | null = null;
  let weightIndex = 0;
  let trainableParams = 0;
  let previous: Shape | null = null;
  const table: LayerInfo[] = [];
  for (const layer of layers) {
    let shape: Shape;
    const declared = declaredInput(layer.config);
    if (layer.className === 'InputLayer' || (sequential && previous === null)) {
      if (!declared) throw bad(`layer ${layer.name} declares no input shape`);
      inputShape ??= declared;
    }
    if (layer.className === 'InputLayer') shape = declared!;
    else {
      const inputs = sequential
        ? [previous ?? declared!]
        : layer.inbound.map((name) => {
            const known = shapes.get(name);
            if (!known) throw bad(`layer ${layer.name} takes input from unknown layer ${name}`);
            return known;
          });
      shape = outputShape(layer.className, layer.config, inputs);
    }
    shapes.set(layer.name, shape);
    previous = shape;
    const params = paramsOf.get(layer.name) ?? { total: 0, trainable: 0 };
    const weightBearing = params.total > 0;
    const trainable = weightBearing && layer.config.trainable !== false;
    if (trainable) trainableParams += params.trainable;
    table.push({
      name: layer.name,
      type: layer.className,
      outputShape: shape,
      params: params.total,
      weightBearing,
      weightIndex: weightBearing ? weightIndex++ : null,
      trainable,
    });
  }
  const input = (inputShape ?? []).slice(1);
  if (input.length === 0 || input.some((d) => d === null || d < 1))
    throw bad('the model declares no fixed input shape (height, width, channels)');
  return {
    layers: table,
    inputShape: input as number[],
    totalParams: weights.reduce((sum, weight) => sum + weight.elements, 0),
    trainableParams,
  };
}
