export { imageInputShape, runTrainingJob } from './run-training-job.js';
export { JobInputError, trainerErrorKind, type TrainerErrorKind } from './trainer-errors.js';
export type * from './job-spec.js';
