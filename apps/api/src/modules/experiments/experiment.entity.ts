import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import type { SweepSpec } from '@finetrack/shared';
import { ReferenceColumn } from '../../common/columns.js';
import { Connection } from '../../common/pagination.js';
import { TeamResource } from '../../common/team-resource.js';

export enum ExperimentStatus {
  ACTIVE = 'active',
  ARCHIVED = 'archived',
}
registerEnumType(ExperimentStatus, { name: 'ExperimentStatus' });

@ObjectType()
@Entity('experiments')
export class Experiment extends TeamResource {
  @ReferenceColumn('project_id')
  projectId: string;

  @ReferenceColumn('source_model_id', { nullable: true })
  sourceModelId: string | null;

  @ReferenceColumn('target_dataset_id', { nullable: true })
  targetDatasetId: string | null;

  @Field(() => GraphQLJSONObject, { description: 'The sweep as requested.' })
  @Column('jsonb')
  sweep: SweepSpec;

  @Field(() => ExperimentStatus)
  @Column('text')
  status: ExperimentStatus;
}

@ObjectType()
export class ExperimentConnection extends Connection(Experiment) {}
