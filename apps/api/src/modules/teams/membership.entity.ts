import { Field, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { CreatedAtColumn, IdColumn, ReferenceColumn, TeamIdColumn } from '../../common/columns.js';
import { Connection } from '../../common/pagination.js';
import { TeamRole } from './team-role.js';

@ObjectType()
@Entity('memberships')
export class Membership {
  @IdColumn()
  id: string;

  @TeamIdColumn()
  teamId: string;

  @ReferenceColumn('user_id')
  userId: string;

  @Field(() => TeamRole)
  @Column('text')
  role: TeamRole;

  @CreatedAtColumn()
  createdAt: Date;
}

@ObjectType()
export class MembershipConnection extends Connection(Membership) {}
