import type { DatasetSpec } from '@finetrack/shared';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { Connection } from '../../common/pagination.js';
import { TeamResource } from '../../common/team-resource.js';

@ObjectType()
@Entity('datasets')
export class Dataset extends TeamResource {
  @Field(() => [String])
  @Column('text', { name: 'class_names', array: true })
  classNames: string[];

  @Field(() => Int)
  @Column('integer', { name: 'train_samples' })
  trainSamples: number;

  @Field(() => Int)
  @Column('integer', { name: 'validation_samples' })
  validationSamples: number;

  @Field(() => String, { nullable: true })
  @Column('text', { name: 'content_hash', nullable: true })
  contentHash: string | null;

  @Field(() => GraphQLJSONObject, { description: 'The loader spec the trainer understands.' })
  @Column('jsonb')
  spec: DatasetSpec;
}

@ObjectType()
export class DatasetConnection extends Connection(Dataset) {}
