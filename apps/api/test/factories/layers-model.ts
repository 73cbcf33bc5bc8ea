/**
 * A small Keras-style functional Layers model as tensorflowjs_converter writes it (model.json +
 * weight shards), built by hand so the API's tests need no TensorFlow: input 8×8×3 → conv 3×3×4
 * → batch norm → relu → global average pool → dense 2. 138 parameters, 8 of them batch-norm
 * statistics (not trainable).
 */
export interface LayersModelFolder {
  modelJson: Record<string, unknown>;
  /** File name → bytes, model.json included. */
  files: Map<string, Buffer>;
}

const node = (from: string) => [[[from, 0, 0, {}]]];

const WEIGHTS = [
  { name: 'conv/kernel', shape: [3, 3, 3, 4] },
  { name: 'conv/bias', shape: [4] },
  { name: 'bn/gamma', shape: [4] },
  { name: 'bn/beta', shape: [4] },
  { name: 'bn/moving_mean', shape: [4] },
  { name: 'bn/moving_variance', shape: [4] },
  { name: 'head/kernel', shape: [4, 2] },
  { name: 'head/bias', shape: [2] },
];

export const LAYERS_MODEL_PARAMS = 138;

export function aLayersModel(
  options: { shards?: number; quantized?: boolean; extraLayer?: object } = {},
): LayersModelFolder {
  const { shards = 2, quantized = false } = options;
  const layers: object[] = [
    {
      class_name: 'InputLayer',
      name: 'input_1',
      config: { name: 'input_1', batch_input_shape: [null, 8, 8, 3], dtype: 'float32' },
      inbound_nodes: [],
    },
    {
      class_name: 'Conv2D',
      name: 'conv',
      config: { name: 'conv', filters: 4, kernel_size: [3, 3], strides: [1, 1], padding: 'valid' },
      inbound_nodes: node('input_1'),
    },
    {
      class_name: 'BatchNormalization',
      name: 'bn',
      config: { name: 'bn' },
      inbound_nodes: node('conv'),
    },
    {
      class_name: 'Activation',
      name: 'relu',
      config: { name: 'relu', activation: 'relu' },
      inbound_nodes: node('bn'),
    },
    {
      class_name: 'GlobalAveragePooling2D',
      name: 'pool',
      config: { name: 'pool' },
      inbound_nodes: node('relu'),
    },
    {
      class_name: 'Dense',
      name: 'head',
      config: { name: 'head', units: 2 },
      inbound_nodes: node('pool'),
    },
  ];
  if (options.extraLayer) layers.push(options.extraLayer);
  const weights = WEIGHTS.map((w) =>
    quantized
      ? { ...w, dtype: 'float32', quantization: { dtype: 'uint8', scale: 0.01, min: -1 } }
      : { ...w, dtype: 'float32' },
  );
  const bytes = Buffer.alloc(LAYERS_MODEL_PARAMS * (quantized ? 1 : 4));
  for (let i = 0; i < bytes.length; i++) bytes[i] = (i * 37 + 11) % 251;
  const paths = Array.from({ length: shards }, (_, i) => `group1-shard${i + 1}of${shards}.bin`);
  const files = new Map<string, Buffer>();
  const step = Math.ceil(bytes.length / shards);
  paths.forEach((name, i) => files.set(name, bytes.subarray(i * step, (i + 1) * step)));
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'keras v2.15.0',
    convertedBy: 'TensorFlow.js Converter v4.22.0',
    modelTopology: {
      keras_version: '2.15.0',
      backend: 'tensorflow',
      model_config: {
        class_name: 'Functional',
        config: {
          name: 'tiny',
          layers,
          input_layers: [['input_1', 0, 0]],
          output_layers: [['head', 0, 0]],
        },
      },
    },
    weightsManifest: [{ paths, weights }],
  };
  files.set('model.json', Buffer.from(JSON.stringify(modelJson)));
  return { modelJson, files };
}

/** Re-encodes model.json after a test changed it. */
export function withModelJson(folder: LayersModelFolder, modelJson: object): LayersModelFolder {
  const files = new Map(folder.files);
  files.set('model.json', Buffer.from(JSON.stringify(modelJson)));
  return { modelJson: modelJson as Record<string, unknown>, files };
}
