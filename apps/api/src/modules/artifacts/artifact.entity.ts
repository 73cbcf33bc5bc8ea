import { Field, Float, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { CreatedAtColumn, IdColumn, ReferenceColumn, TeamIdColumn } from '../../common/columns.js';

export enum ArtifactStatus {
  PENDING = 'pending',
  STORED = 'stored',
}

/**
 * A file owned by a run or a model. Announced by `createArtifact` (pending, invisible), then
 * stored by `PUT /artifacts/:id` once its bytes match the announced size and sha256.
 */
@ObjectType()
@Entity('artifacts')
export class Artifact {
  @IdColumn()
  id: string;

  @TeamIdColumn()
  teamId: string;

  @ReferenceColumn('run_id', { nullable: true })
  runId: string | null;

  @ReferenceColumn('model_id', { nullable: true })
  modelId: string | null;

  @Field({ description: 'e.g. weights, model-json, log' })
  @Column('text')
  kind: string;

  @Field()
  @Column('text', { name: 'file_name' })
  fileName: string;

  @Column('text', { default: ArtifactStatus.STORED })
  status: ArtifactStatus;

  @Field(() => Float)
  @Column('bigint', {
    name: 'byte_size',
    transformer: { to: (v: number) => v, from: (v: string) => Number(v) },
  })
  byteSize: number;

  @Field()
  @Column('text')
  sha256: string;

  /** Server-side location; not exposed. */
  @Column('text', { name: 'storage_path' })
  storagePath: string;

  @CreatedAtColumn()
  createdAt: Date;
}
