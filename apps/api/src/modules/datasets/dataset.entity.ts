import type { DatasetSpec } from '@finetrack/shared';
import { GraphQLJSONObject } from 'graphql-scalars';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Connection } from '../../common/pagination.js';

@ObjectType()
@Entity('datasets')
export class Dataset {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column('uuid', { name: 'team_id' })
  teamId: string;

  @Field()
  @Column('text')
  name: string;

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

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@ObjectType()
export class DatasetConnection extends Connection(Dataset) {}
