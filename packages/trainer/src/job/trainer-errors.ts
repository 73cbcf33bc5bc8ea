import { BackendError } from '../backend/select-backend.js';
import { DatasetError } from '../data/dataset-error.js';
import { ModelFileError } from '../io/model-file-error.js';
import { ArchitectureError } from '../model/architectures.js';
import { ModelGraphError } from '../model/graph.js';
import { SurgeryError } from '../model/surgery.js';
import { CheckpointError } from '../train/checkpoint.js';
import { TrainingOptionsError } from '../train/training-options.js';

/** A job's input is wrong in a way no trainer module names (no validation split, a bad layer name…). */
export class JobInputError extends Error {
  override readonly name = 'JobInputError';
}

/** Which input a trainer error blames; every one of them means "the input was wrong". */
export type TrainerErrorKind =
  | 'model-files'
  | 'dataset'
  | 'surgery'
  | 'checkpoint'
  | 'training-options'
  | 'architecture'
  | 'backend'
  | 'model-graph'
  | 'job-input';

/**
 * The one classification of trainer errors, by class: `finetrack-train` exits with the usage code
 * for every kind, the worker words its failure message by kind. Undefined for anything else (a
 * bug, an API error, a full disk), which keeps its stack.
 */
export function trainerErrorKind(error: unknown): TrainerErrorKind | undefined {
  if (error instanceof ModelFileError) return 'model-files';
  if (error instanceof DatasetError) return 'dataset';
  if (error instanceof SurgeryError) return 'surgery';
  if (error instanceof CheckpointError) return 'checkpoint';
  if (error instanceof TrainingOptionsError) return 'training-options';
  if (error instanceof ArchitectureError) return 'architecture';
  if (error instanceof BackendError) return 'backend';
  if (error instanceof ModelGraphError) return 'model-graph';
  if (error instanceof JobInputError) return 'job-input';
  return undefined;
}
