import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * nsfwjs 4.4.0 (MIT, a devDependency) ships real tensorflowjs_converter output: a Keras 2.2.4
 * MobileNetV2 transfer-learned from ImageNet (162 layers, 224×224×3, five classes under a
 * dense_1/dense_2/dense_3 head), every weight uint8-quantized, wrapped in UMD modules: one
 * exporting the model.json object, one the weight shard as base64 (nsfwjs decodes it so too).
 */
export const NSFWJS_INPUT: [number, number, number] = [224, 224, 3];

/**
 * Writes that model as the converter wrote it: `model.json` as shipped and its one shard under
 * the manifest's own path (`group1-shard1of1`: converters of its day wrote no `.bin`).
 * Returns the file names. Reads only the installed package; nothing is downloaded.
 */
export async function writeNsfwjsMobileNetV2(folder: string): Promise<string[]> {
  const { MobileNetV2Model } = (await import('nsfwjs/models/mobilenet_v2')) as {
    MobileNetV2Model: {
      modelJson: () => Promise<{ default: { weightsManifest: { paths: string[] }[] } }>;
      weightBundles: (() => Promise<{ default: string }>)[];
    };
  };
  const modelJson = (await MobileNetV2Model.modelJson()).default;
  const paths = modelJson.weightsManifest.flatMap((group) => group.paths);
  if (paths.length !== MobileNetV2Model.weightBundles.length)
    throw new Error(
      `nsfwjs ships ${MobileNetV2Model.weightBundles.length} bundles for ${paths.length} shards`,
    );
  await mkdir(folder, { recursive: true });
  await writeFile(join(folder, 'model.json'), JSON.stringify(modelJson));
  for (const [index, path] of paths.entries()) {
    const base64 = (await MobileNetV2Model.weightBundles[index]()).default;
    await writeFile(join(folder, path), Buffer.from(base64, 'base64'));
  }
  return ['model.json', ...paths];
}
