import { Field, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { UpdatedAtColumn } from '../../common/columns.js';
import { Connection } from '../../common/pagination.js';
import { TeamResource } from '../../common/team-resource.js';

@ObjectType()
@Entity('projects')
export class Project extends TeamResource {
  @Field()
  @Column('text')
  description: string;

  @UpdatedAtColumn()
  updatedAt: Date;
}

@ObjectType()
export class ProjectConnection extends Connection(Project) {}
