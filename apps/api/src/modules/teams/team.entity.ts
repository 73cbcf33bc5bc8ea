import { Field, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { CreatedAtColumn, IdColumn } from '../../common/columns.js';
import { Connection } from '../../common/pagination.js';

@ObjectType()
@Entity('teams')
export class Team {
  @IdColumn()
  id: string;

  @Field()
  @Column('text')
  name: string;

  @CreatedAtColumn()
  createdAt: Date;
}

@ObjectType()
export class TeamConnection extends Connection(Team) {}
