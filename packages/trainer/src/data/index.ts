export type { DatasetSplit, LoadedDataset } from './dataset.js';
export { DatasetError, DatasetErrorCode } from './dataset-error.js';
export { loadDataset, type LoadDatasetOptions } from './load-dataset.js';
export { resolveDataRoot, resolveInsideDataRoot } from './data-root.js';
export {
  datasetSpecFromArgument,
  parseClassList,
  type DatasetArgumentOptions,
} from './dataset-argument.js';
export { hashDatasetView } from './dataset-view.js';
export { MNIST_CLASS_NAMES } from './mnist.js';
export { FASHION_MNIST_CLASS_NAMES } from './fashion-mnist.js';
export {
  DEFAULT_FOLDER_INPUT_SHAPE,
  DEFAULT_VALIDATION_FRACTION,
  IMAGE_EXTENSIONS,
} from './image-folder.js';
