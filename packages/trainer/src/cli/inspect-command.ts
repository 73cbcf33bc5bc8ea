import type * as tf from '@tensorflow/tfjs';
import { freezableLayers, layerBlock } from '@finetrack/shared';
import { selectBackend, type BackendName } from '../backend/select-backend.js';
import { loadModelDirectory, type LoadedModel } from '../io/index.js';
import { ModelGraphError } from '../model/graph.js';
import { describeModel, parameterCounts } from '../model/surgery.js';
import type { CliStreams } from './progress-reporter.js';

/** Layer rows for inspect; graphs the trainer cannot run still get a plain per-layer listing. */
function layerRows(model: tf.LayersModel) {
  try {
    return describeModel(model);
  } catch (error) {
    if (!(error instanceof ModelGraphError)) throw error;
    let weightIndex = 0;
    return model.layers.map((layer) => {
      const weightBearing = layer.weights.length > 0;
      const outputShape = layer.outputShape;
      return {
        name: layer.name,
        type: layer.getClassName(),
        outputShape: (Array.isArray(outputShape[0]) ? outputShape[0] : outputShape) as (
          number | null
        )[],
        params: layer.countParams(),
        weightBearing,
        weightIndex: weightBearing ? weightIndex++ : null,
        trainable: weightBearing && layer.trainable,
        block: layerBlock(layer.name),
      };
    });
  }
}

/** `finetrack-train inspect DIR`: the layer table, or one JSON object with --json. */
export async function runInspect(
  directory: string,
  options: { json?: boolean; backend?: BackendName },
  streams: CliStreams,
): Promise<void> {
  // Through selectBackend like the other commands: it caches its choice, so setting a backend
  // behind its back would leave later runs in the same process on the wrong one.
  await selectBackend(options.backend);
  const loaded: LoadedModel = await loadModelDirectory(directory);
  const layers = layerRows(loaded.model);
  const counts = parameterCounts(loaded.model);
  const report = {
    directory: loaded.directory,
    inputShape: loaded.model.inputs[0].shape.slice(1),
    layers,
    weightBearingLayers: layers.filter((layer) => layer.weightBearing).length,
    // The largest frozenLayers a fine-tune of this model accepts (the classifier is replaced).
    maxFrozenLayers: freezableLayers(layers).length,
    ...counts,
    parameterCount: loaded.parameterCount,
    weightsSha256: loaded.weightsSha256,
    metadata: loaded.metadata,
  };
  loaded.model.dispose();
  if (options.json) {
    streams.stdout.write(`${JSON.stringify(report)}\n`);
    return;
  }
  const write = (text: string) => streams.stdout.write(`${text}\n`);
  const metadata = report.metadata;
  write(`model ${report.directory}`);
  if (metadata) {
    write(
      `  ${metadata.kind} model, architecture ${metadata.architecture}, created ${metadata.createdAt}`,
    );
    if (metadata.dataset)
      write(
        `  dataset ${metadata.dataset.name} (classes ${metadata.dataset.classNames.join(', ')}), sha256 ${metadata.dataset.hash.slice(0, 12)}`,
      );
    const accuracy = metadata.metrics.valAccuracy;
    if (typeof accuracy === 'number') write(`  val_accuracy ${accuracy.toFixed(4)}`);
    if (metadata.surgery)
      write(
        `  surgery: cut at ${metadata.surgery.cutLayer}, ${metadata.surgery.frozenLayers} frozen (${metadata.surgery.frozenLayerNames.join(', ') || 'none'}), ${metadata.surgery.initialization}`,
      );
  } else {
    write('  no finetrack.json: imported model');
  }
  write(
    `  input ${report.inputShape.join('×')}, ${report.trainableParams} trainable + ${report.nonTrainableParams} non-trainable parameters, weights sha256 ${report.weightsSha256.slice(0, 12)}`,
  );
  write(
    `  ${report.weightBearingLayers} weight-bearing layers (batch norm counts as one); frozenLayers 0–${report.maxFrozenLayers} (below the classifier)`,
  );
  const header = ['#', 'name', 'type', 'block', 'output shape', 'params', 'weight index', 'frozen'];
  const rows = layers.map((layer, index) => [
    String(index),
    layer.name,
    layer.type,
    layer.block ?? '-',
    `[${layer.outputShape.map((size) => (size === null ? 'batch' : size)).join(', ')}]`,
    String(layer.params),
    layer.weightIndex === null ? '-' : String(layer.weightIndex),
    layer.weightBearing ? (layer.trainable ? 'no' : 'yes') : '-',
  ]);
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => row[column].length)),
  );
  for (const row of [header, ...rows])
    write(`  ${row.map((cell, column) => cell.padEnd(widths[column])).join('  ')}`);
}
