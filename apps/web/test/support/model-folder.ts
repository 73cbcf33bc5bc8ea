/**
 * A small Layers model folder as tfjs writes it (Sequential: dense 4→3, dense 3→2; 23 float32
 * parameters in one shard), for the browser test to import. Built by hand: the web app's tests
 * carry no TensorFlow.
 */
export function layersModelFolder(): { name: string; mimeType: string; buffer: Buffer }[] {
  const modelJson = {
    format: 'layers-model',
    generatedBy: 'TensorFlow.js tfjs-layers v4.22.0',
    modelTopology: {
      class_name: 'Sequential',
      config: {
        name: 'tiny',
        layers: [
          {
            class_name: 'Dense',
            config: { name: 'hidden', units: 3, batch_input_shape: [null, 4] },
          },
          { class_name: 'Dense', config: { name: 'out', units: 2 } },
        ],
      },
    },
    weightsManifest: [
      {
        paths: ['group1-shard1of1.bin'],
        weights: [
          { name: 'hidden/kernel', shape: [4, 3], dtype: 'float32' },
          { name: 'hidden/bias', shape: [3], dtype: 'float32' },
          { name: 'out/kernel', shape: [3, 2], dtype: 'float32' },
          { name: 'out/bias', shape: [2], dtype: 'float32' },
        ],
      },
    ],
  };
  const weights = Buffer.from(Float32Array.from({ length: 23 }, (_, i) => i / 10 - 1).buffer);
  return [
    {
      name: 'model.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(modelJson)),
    },
    { name: 'group1-shard1of1.bin', mimeType: 'application/octet-stream', buffer: weights },
  ];
}
