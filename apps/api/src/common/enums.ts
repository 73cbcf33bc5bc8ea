import {
  FeatureCacheStatus,
  Initialization,
  ModelKind,
  Optimizer,
  RunKind,
  RunStatus,
  ScoreStatus,
  type Preprocessing,
} from '@finetrack/shared';
import { registerEnumType } from 'type-graphql';

// @finetrack/shared holds the one definition of these enums (keys are the GraphQL values, values
// the stored ones); the API only names them in the schema. Import them from here so the
// registration has run wherever they are used in a type.
registerEnumType(RunStatus, { name: 'RunStatus' });
registerEnumType(RunKind, {
  name: 'RunKind',
  description: 'pretrain: trains a source model from scratch; finetune: a run of an experiment',
});
registerEnumType(ScoreStatus, {
  name: 'ScoreStatus',
  description: 'A source-model scoring job: queued, running (a worker holds it), succeeded, failed',
});
registerEnumType(Optimizer, { name: 'Optimizer' });
registerEnumType(Initialization, { name: 'Initialization' });
registerEnumType(ModelKind, {
  name: 'ModelKind',
  description:
    'source: trained from scratch on a source task; target: derived from a source model by surgery',
});

registerEnumType(FeatureCacheStatus, {
  name: 'FeatureCacheStatus',
  description:
    "How training used the frozen prefix's feature cache: USED; BYPASSED_AUGMENTATION (augmented images change every epoch, so the frozen layers ran on every batch); OFF_NOTHING_FROZEN, OFF_DISABLED or OFF_TOO_LARGE",
});

/** Preprocessing modes as a GraphQL enum: keys the GraphQL names, values the stored ones. */
export const PreprocessingMode = {
  UNIT: 'unit',
  SYMMETRIC: 'symmetric',
  CAFFE: 'caffe',
  TORCH: 'torch',
} as const satisfies Record<string, Preprocessing>;
registerEnumType(PreprocessingMode, {
  name: 'Preprocessing',
  description:
    'How input pixels (0–255 RGB) are scaled: unit x/255; symmetric x/127.5-1; caffe BGR minus ImageNet means; torch ImageNet mean/std',
});

export {
  FeatureCacheStatus,
  Initialization,
  ModelKind,
  Optimizer,
  RunKind,
  RunStatus,
  ScoreStatus,
};
