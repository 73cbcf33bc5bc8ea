import { Field, ObjectType } from 'type-graphql';
import { Column } from 'typeorm';
import { CreatedAtColumn, IdColumn, TeamIdColumn } from './columns.js';

/**
 * What a team's named resources (projects, datasets, models, experiments) all are: a row owned by
 * a team, listed per team and searched by name. Only the subclasses are tables and GraphQL types.
 */
@ObjectType()
export abstract class TeamResource {
  @IdColumn()
  id: string;

  @TeamIdColumn()
  teamId: string;

  @Field()
  @Column('text')
  name: string;

  @CreatedAtColumn()
  createdAt: Date;
}
