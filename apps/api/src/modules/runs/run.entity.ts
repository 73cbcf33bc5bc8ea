import { Field, Float, Int, ObjectType } from 'type-graphql';
import { RULE_DESCRIPTIONS, type FeatureCacheStatus as FeatureCacheValue } from '@finetrack/shared';
import { Column, Entity } from 'typeorm';
import {
  CreatedAtColumn,
  IdColumn,
  ReferenceColumn,
  TeamIdColumn,
  UpdatedAtColumn,
} from '../../common/columns.js';
import { Connection } from '../../common/pagination.js';
import { ConfusionMatrix } from './confusion-matrix.types.js';
import { RunAugmentation } from './augmentation.types.js';
import {
  FeatureCacheStatus,
  Initialization,
  Optimizer,
  RunKind,
  RunStatus,
} from '../../common/enums.js';

/** The names the API's modules know these shared enums by. */
export { RunStatus as RunStatusEnum, RunKind as RunKindEnum } from '../../common/enums.js';

@ObjectType()
@Entity('runs')
export class Run {
  @IdColumn()
  id: string;

  @TeamIdColumn()
  teamId: string;

  @ReferenceColumn('experiment_id', { nullable: true, description: 'Null for pretraining runs.' })
  experimentId: string | null;

  @Field(() => RunKind)
  @Column('text', { default: RunKind.FINETUNE })
  kind: RunKind;

  @ReferenceColumn('model_id', {
    nullable: true,
    description: 'PRETRAIN: the source model this run trains.',
  })
  modelId: string | null;

  @ReferenceColumn('result_model_id', {
    nullable: true,
    description: 'The model a succeeded run registered.',
  })
  resultModelId: string | null;

  @Field(() => Int, { nullable: true, description: 'Epochs done at the last checkpoint.' })
  @Column('integer', { name: 'checkpoint_epoch', nullable: true })
  checkpointEpoch: number | null;

  @Field(() => Int, { nullable: true })
  @Column('integer', { name: 'checkpoint_global_step', nullable: true })
  checkpointGlobalStep: number | null;

  @Column('uuid', { name: 'checkpoint_artifact_ids', array: true, nullable: true })
  checkpointArtifactIds: string[] | null;

  /** The pg-boss job currently standing for this run. */
  @Column('uuid', { name: 'job_id', nullable: true })
  jobId: string | null;

  /** Secret of the live lease; never exposed. */
  @Column('text', { name: 'lease_token', nullable: true })
  leaseToken: string | null;

  /** The worker token that holds (or last held) the run. */
  @Column('uuid', { name: 'worker_token_id', nullable: true })
  workerTokenId: string | null;

  @Field(() => Int, { description: 'Weight-bearing layers frozen, counted from the input.' })
  @Column('integer', { name: 'frozen_layers' })
  frozenLayers: number;

  @Field(() => Float)
  @Column('double precision', { name: 'learning_rate' })
  learningRate: number;

  @Field(() => Int, {
    nullable: true,
    description: `${RULE_DESCRIPTIONS.trainSamples} Null: the whole training split.`,
  })
  @Column('integer', { name: 'train_samples', nullable: true })
  trainSamples: number | null;

  @Column('boolean', { name: 'augment_flip', default: false })
  augmentFlip: boolean;

  @Column('double precision', { name: 'augment_crop', default: 0 })
  augmentCrop: number;

  @Column('double precision', { name: 'augment_rotation', default: 0 })
  augmentRotation: number;

  @Field(() => RunAugmentation, { description: 'Training-time augmentation (all off: none).' })
  get augmentation(): RunAugmentation {
    return { flip: this.augmentFlip, crop: this.augmentCrop, rotation: this.augmentRotation };
  }

  @Field(() => FeatureCacheStatus, {
    nullable: true,
    description:
      'How the worker used the frozen-prefix feature cache; null until it finished the run.',
  })
  @Column('text', { name: 'feature_cache', nullable: true })
  featureCache: FeatureCacheValue | null;

  @Field(() => ConfusionMatrix, {
    nullable: true,
    description:
      'The final model’s confusion matrix on the validation set (runs a worker finished).',
  })
  @Column('jsonb', {
    name: 'confusion_matrix',
    nullable: true,
    transformer: {
      to: (value: ConfusionMatrix | null | undefined) => value ?? null,
      from: (value: { classNames: string[]; counts: number[][] } | null) =>
        value === null ? null : Object.assign(new ConfusionMatrix(), value),
    },
  })
  confusionMatrix: ConfusionMatrix | null;

  @Field(() => Float, {
    nullable: true,
    description: 'The lowest per-class accuracy of the confusion matrix.',
  })
  @Column('double precision', { name: 'worst_class_accuracy', nullable: true })
  worstClassAccuracy: number | null;

  @Field(() => String, { nullable: true, description: 'The class with that accuracy.' })
  @Column('text', { name: 'worst_class', nullable: true })
  worstClass: string | null;

  @Field(() => Int)
  @Column('integer')
  epochs: number;

  @Field(() => Int)
  @Column('integer', { name: 'batch_size' })
  batchSize: number;

  @Field(() => Optimizer)
  @Column('text')
  optimizer: Optimizer;

  @Field(() => Int)
  @Column('integer')
  seed: number;

  @Field(() => Initialization)
  @Column('text')
  initialization: Initialization;

  @Field(() => RunStatus)
  @Column('text')
  status: RunStatus;

  @Field({ description: 'Logged by an outside script rather than a Finetrack worker.' })
  @Column('boolean')
  external: boolean;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'error_message', nullable: true })
  errorMessage: string | null;

  @Field(() => Float, { nullable: true })
  @Column('double precision', { name: 'best_val_accuracy', nullable: true })
  bestValAccuracy: number | null;

  @Field(() => Float, { nullable: true })
  @Column('double precision', { name: 'last_val_accuracy', nullable: true })
  lastValAccuracy: number | null;

  @Field(() => Float, { nullable: true })
  @Column('double precision', { name: 'best_val_loss', nullable: true })
  bestValLoss: number | null;

  @Field(() => Float, { nullable: true })
  @Column('double precision', { name: 'last_val_loss', nullable: true })
  lastValLoss: number | null;

  @Field(() => Int, { nullable: true })
  @Column('integer', { name: 'best_epoch', nullable: true })
  bestEpoch: number | null;

  @Field(() => Float, { nullable: true })
  @Column('double precision', { name: 'wall_seconds', nullable: true })
  wallSeconds: number | null;

  @Field(() => Float, { nullable: true })
  @Column('double precision', { name: 'samples_per_second', nullable: true })
  samplesPerSecond: number | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  backend: string | null;

  @Field(() => String, { nullable: true })
  @Column('text', { nullable: true })
  device: string | null;

  @Field(() => String, { nullable: true, description: 'The worker holding the lease.' })
  @Column('text', { name: 'worker_id', nullable: true })
  workerId: string | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'lease_expires_at', nullable: true })
  leaseExpiresAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'heartbeat_at', nullable: true })
  heartbeatAt: Date | null;

  @Field(() => Int)
  @Column('integer')
  attempts: number;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'queued_at', nullable: true })
  queuedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;

  @CreatedAtColumn()
  createdAt: Date;

  @UpdatedAtColumn()
  updatedAt: Date;
}

@ObjectType()
export class RunConnection extends Connection(Run) {}
