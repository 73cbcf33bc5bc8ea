// Public API of @finetrack/trainer. The command line (src/cli.ts) is reached through the
// `finetrack-train` bin and is not re-exported, so library users do not load commander.
export * from './data/index.js';
export * from './io/index.js';
export * from './train/index.js';
export * from './job/index.js';
export {
  BACKEND_NAMES,
  BackendError,
  parseBackendName,
  selectBackend,
  type BackendChoice,
  type BackendName,
} from './backend/select-backend.js';
export {
  ArchitectureError,
  OUTPUT_LAYER_NAME,
  buildArchitecture,
  type ArchitectureOptions,
} from './model/architectures.js';
export {
  SurgeryError,
  SurgeryErrorCode,
  describeModel,
  parameterCounts,
  performSurgery,
  type SurgeryOptions,
  type SurgeryResult,
} from './model/surgery.js';
export { modelDrift, weightDrift } from './model/drift.js';
export { ModelGraphError, isWeightBearing, modelGraph } from './model/graph.js';
export {
  PATCHED_BACKENDS,
  registerTrainingKernels,
  unregisterTrainingKernels,
} from './kernels/register-training-kernels.js';
