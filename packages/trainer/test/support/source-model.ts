// Shared with the worker benchmark.
export {
  makeSourceModel,
  TARGET_DATASET,
  type SourceModelFiles,
} from '../../src/worker/bench/source-model.js';
