import type { DatasetSpec } from '@finetrack/shared';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, Int, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { Connection } from '../../common/pagination.js';
import { TeamResource } from '../../common/team-resource.js';

@ObjectType({ description: "A class's images in each split of an uploaded dataset." })
export class ClassCount {
  @Field()
  className: string;

  @Field(() => Int)
  train: number;

  @Field(() => Int)
  validation: number;
}

@ObjectType({ description: 'A small sample image of one class, served by the API.' })
export class DatasetThumbnail {
  @Field()
  className: string;

  @Field()
  url: string;
}

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

  @Field(() => Int, {
    description: 'Uploads under a name the team already uses make the next version (from 1).',
  })
  @Column('integer', { default: 1 })
  version: number;

  /** Per-class split counts of an uploaded dataset (null for the other kinds). */
  @Column('jsonb', { name: 'class_counts', nullable: true })
  classCountsJson: ClassCount[] | null;

  @Field(() => GraphQLJSONObject, { description: 'The loader spec the trainer understands.' })
  @Column('jsonb')
  spec: DatasetSpec;
}

@ObjectType()
export class DatasetConnection extends Connection(Dataset) {}
