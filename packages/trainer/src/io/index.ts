export { ModelFileError, ModelFileErrorCode } from './model-file-error.js';
export {
  METADATA_FILE,
  MODEL_JSON_FILE,
  WEIGHTS_FILE,
  datasetRecord,
  type FinetrackModelMetadata,
  type ModelDatasetRecord,
  type ModelMetadataInput,
} from './model-metadata.js';
export { saveModel } from './save-model.js';
export {
  checkModelFiles,
  loadModelDirectory,
  readWeightData,
  type LoadModelOptions,
  type LoadedModel,
  type ModelFiles,
} from './load-model.js';
export {
  DEFAULT_MAX_PARAMETERS,
  checkWeightsManifest,
  maxParametersFromEnvironment,
  type CheckedManifest,
  type WeightShard,
} from './weights-manifest.js';
