import { Field, ID, ObjectType } from 'type-graphql';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { Connection } from '../../common/pagination.js';
import { TeamRole } from './team-role.js';

@ObjectType()
@Entity('memberships')
export class Membership {
  @Field(() => ID)
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Field(() => ID)
  @Column('uuid', { name: 'team_id' })
  teamId: string;

  @Field(() => ID)
  @Column('uuid', { name: 'user_id' })
  userId: string;

  @Field(() => TeamRole)
  @Column('text')
  role: TeamRole;

  @Field()
  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}

@ObjectType()
export class MembershipConnection extends Connection(Membership) {}
