import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { SweepSpec } from '@finetrack/shared';
import { Connection } from '../../common/pagination.js';

export enum ExperimentStatus {
  ACTIVE = 'active',
  ARCHIVED = 'archived',
}
registerEnumType(ExperimentStatus, { name: 'ExperimentStatus' });

@ObjectType()
@Entity('experiments')
export class Experiment {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column('uuid', { name: 'team_id' })
  teamId: string;

  @Field(() => ID)
  @Column('uuid', { name: 'project_id' })
  projectId: string;

  @Field()
  @Column('text')
  name: string;

  @Field(() => ID, { nullable: true })
  @Column('uuid', { name: 'source_model_id', nullable: true })
  sourceModelId: string | null;

  @Field(() => ID, { nullable: true })
  @Column('uuid', { name: 'target_dataset_id', nullable: true })
  targetDatasetId: string | null;

  @Field(() => GraphQLJSONObject, { description: 'The sweep as requested.' })
  @Column('jsonb')
  sweep: SweepSpec;

  @Field(() => ExperimentStatus)
  @Column('text')
  status: ExperimentStatus;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@ObjectType()
export class ExperimentConnection extends Connection(Experiment) {}
