import {
  DATASET_THUMBNAILS_PER_CLASS,
  DEFAULT_DATASET_ARCHIVE_LIMITS,
  MAX_ARTIFACTS_PER_OWNER,
  MAX_CONFUSION_MATRIX_CLASSES,
  MAX_DATASET_CLASSES,
  MAX_INVITATIONS_LISTED,
  MAX_MODEL_LAYERS,
  MAX_PENDING_INVITATIONS_PER_TEAM,
  MAX_SCORED_MODELS,
  MAX_SHAPE_DIMENSIONS,
  MAX_SWEEP_RUNS,
  MAX_TEAMS_PER_USER,
  MAX_TRAIN_SAMPLE_SIZES,
  MAX_WORKER_BACKENDS,
  MAX_WORKERS_LISTED,
} from '@finetrack/shared';

/** The largest page a `first` argument is priced at (connections clamp lower). */
export const MAX_LIST_MULTIPLIER = 500;

/**
 * A list of scalars costs one unit per this many items (an object costs one per field selected):
 * 200 class names cost 2, a 10,000-class dataset 100.
 */
export const SCALAR_ITEMS_PER_COST = 100;

/**
 * What every list field without a `first` argument is priced at: its declared maximum. A
 * connection's `nodes` are priced by the connection's `first`; `Query.metrics` by runIds × keys,
 * and its series' points by `maxPoints`. A list missing here costs MAX_LIST_MULTIPLIER; a test
 * walks the schema so that none is missing.
 */
export const LIST_PRICES: Readonly<Record<string, number>> = {
  'Model.layers': MAX_MODEL_LAYERS,
  'Model.inputShape': MAX_SHAPE_DIMENSIONS,
  'Model.artifacts': MAX_ARTIFACTS_PER_OWNER,
  'Layer.outputShape': MAX_SHAPE_DIMENSIONS,
  'Surgery.frozenLayerNames': MAX_MODEL_LAYERS,
  'Dataset.classNames': MAX_DATASET_CLASSES,
  'Dataset.classCounts': DEFAULT_DATASET_ARCHIVE_LIMITS.maxClasses,
  'Dataset.thumbnails': DEFAULT_DATASET_ARCHIVE_LIMITS.maxClasses * DATASET_THUMBNAILS_PER_CLASS,
  // Versions of one name and the experiments of one dataset are not capped; priced at a page.
  'Dataset.versions': MAX_LIST_MULTIPLIER,
  'Dataset.experiments': MAX_LIST_MULTIPLIER,
  'Run.artifacts': MAX_ARTIFACTS_PER_OWNER,
  'User.teams': MAX_TEAMS_PER_USER,
  'User.invitations': MAX_INVITATIONS_LISTED,
  'Team.invitations': MAX_PENDING_INVITATIONS_PER_TEAM,
  'Grid.cells': MAX_SWEEP_RUNS,
  'Experiment.trainSampleSizes': MAX_TRAIN_SAMPLE_SIZES,
  'ConfusionMatrix.classNames': MAX_CONFUSION_MATRIX_CLASSES,
  // Rows × columns: a matrix is priced as the cells it can hold.
  'ConfusionMatrix.counts': MAX_CONFUSION_MATRIX_CLASSES ** 2,
  'ConfusionMatrix.perClassAccuracy': MAX_CONFUSION_MATRIX_CLASSES,
  'Experiment.depthBySize': MAX_TRAIN_SAMPLE_SIZES,
  'ClaimedModel.artifacts': MAX_ARTIFACTS_PER_OWNER,
  'ClaimedModel.inputShape': MAX_SHAPE_DIMENSIONS,
  'ClaimedDataset.classNames': MAX_DATASET_CLASSES,
  'ResumePoint.artifacts': MAX_ARTIFACTS_PER_OWNER,
  // One event per metric batch: at most a page's worth of keys is a generous price for it.
  'MetricsAppendedEvent.keys': MAX_LIST_MULTIPLIER,
  'Mutation.scoreSourceModels': MAX_SCORED_MODELS,
  // One row per source model scored for the dataset: not capped, priced at a page.
  'Query.sourceModelScores': MAX_LIST_MULTIPLIER,
  'Team.workers': MAX_WORKERS_LISTED,
  'Worker.backends': MAX_WORKER_BACKENDS,
  // PRETRAIN and FINETUNE.
  'Worker.kinds': 2,
};

/** The lists of a curve, priced at the `maxPoints` of the `metrics` field they come from. */
export const CURVE_LISTS: ReadonlySet<string> = new Set([
  'MetricSeries.steps',
  'MetricSeries.values',
  'MetricSeries.wallTimes',
]);
