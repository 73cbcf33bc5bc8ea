import { Field, Float, Int, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { CreatedAtColumn, IdColumn, ReferenceColumn, TeamIdColumn } from '../../common/columns.js';
import { ScoreStatus } from '../../common/enums.js';

/**
 * One scoring job and its result: how well a source model is predicted to transfer to a dataset
 * version (its first `trainSamples` training samples), from one forward pass of frozen features.
 * The lease columns are the worker's, as on runs, and never leave the API.
 */
@ObjectType({ description: 'Transferability scores of a source model for a dataset version.' })
@Entity('source_model_scores')
export class SourceModelScore {
  @IdColumn()
  id: string;

  @TeamIdColumn()
  teamId: string;

  @ReferenceColumn('dataset_id', { description: 'The dataset version scored against.' })
  datasetId: string;

  @ReferenceColumn('model_id', { description: 'The source model scored.' })
  modelId: string;

  @Field(() => Int, {
    nullable: true,
    description: 'Training samples used; null: the whole split.',
  })
  @Column('integer', { name: 'train_samples', nullable: true })
  trainSamples: number | null;

  @Field(() => ScoreStatus)
  @Column('text', { default: 'queued' })
  status: ScoreStatus;

  @Field(() => Float, {
    nullable: true,
    description: 'LogME of the frozen features (higher is better).',
  })
  @Column('double precision', { name: 'log_me', nullable: true })
  logMe: number | null;

  @Field(() => Float, {
    nullable: true,
    description:
      "LEEP of the source head's predictions (≤ 0, closer to 0 is better); null without a classifier.",
  })
  @Column('double precision', { nullable: true })
  leep: number | null;

  @Field(() => Float, {
    nullable: true,
    description: "NCE of the source head's hard predictions (≤ 0); null without a classifier.",
  })
  @Column('double precision', { nullable: true })
  nce: number | null;

  @Field(() => Int, { nullable: true, description: 'Features per sample at the cut layer.' })
  @Column('integer', { name: 'feature_dimension', nullable: true })
  featureDimension: number | null;

  @Field(() => Int, { nullable: true, description: 'Samples the scores were computed on.' })
  @Column('integer', { nullable: true })
  samples: number | null;

  @Field(() => Float, { nullable: true, description: 'Wall seconds the worker spent scoring.' })
  @Column('double precision', { nullable: true })
  seconds: number | null;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'error_message', nullable: true })
  errorMessage: string | null;

  @Field(() => Int, { description: 'Claims so far (1 after the first).' })
  @Column('integer', { default: 0 })
  attempts: number;

  @Column('text', { name: 'worker_id', nullable: true })
  workerId: string | null;

  @Column('uuid', { name: 'worker_token_id', nullable: true })
  workerTokenId: string | null;

  @Column('text', { name: 'lease_token', nullable: true })
  leaseToken: string | null;

  @Column('timestamptz', { name: 'lease_expires_at', nullable: true })
  leaseExpiresAt: Date | null;

  @CreatedAtColumn()
  createdAt: Date;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'started_at', nullable: true })
  startedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'finished_at', nullable: true })
  finishedAt: Date | null;
}
