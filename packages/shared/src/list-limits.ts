/**
 * The most items each unpaged list may hold. The API refuses inputs past them and prices a query
 * by them (a list without `first` costs its maximum), so each is the one definition of that bound.
 */

/** Layers of one model: the deepest Keras application (EfficientNetB7) has about 810. */
export const MAX_MODEL_LAYERS = 2_000;
/** Dimensions of a tensor shape (input shape, a layer's output shape). */
export const MAX_SHAPE_DIMENSIONS = 8;
/** Classes of one dataset. */
export const MAX_DATASET_CLASSES = 10_000;
/** Artifacts (checkpoints, weights, logs) of one run or one model. */
export const MAX_ARTIFACTS_PER_OWNER = 1_000;
/** Teams one user may belong to. */
export const MAX_TEAMS_PER_USER = 100;
/** Workers one team's worker list shows (its own and the instance's, the most recent first). */
export const MAX_WORKERS_LISTED = 200;
/** TensorFlow.js backends one worker may announce. */
export const MAX_WORKER_BACKENDS = 20;
