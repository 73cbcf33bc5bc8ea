export { pretrain } from './pretrain.js';
export { finetune } from './finetune.js';
// The suggestion rules live in the shared rule book, so the web shows the same advice.
export { suggestFineTuning, DEFAULT_SCRATCH_LEARNING_RATE } from '@finetrack/shared';
export { runTrainingLoop } from './training-loop.js';
export {
  TrainingOptionsError,
  type TrainingLoopOptions,
  type TrainingLoopResult,
} from './training-options.js';
export { createOptimizer } from './optimizer.js';
export { FEATURE_CACHE_LIMIT_BYTES, type FeatureCacheStatus } from './feature-cache.js';
export {
  readCheckpoint,
  writeCheckpoint,
  CheckpointError,
  CHECKPOINT_JSON,
  CHECKPOINT_BIN,
  type TrainingCheckpoint,
  type SavedTensor,
} from './checkpoint.js';
export { SeededRandom } from '../random/seeded-random.js';
export type * from './types.js';
export { makeSyntheticDataset, type SyntheticDatasetOptions } from './synthetic-dataset.js';
