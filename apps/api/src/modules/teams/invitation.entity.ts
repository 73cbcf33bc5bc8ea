import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { CreatedAtColumn, IdColumn, ReferenceColumn, TeamIdColumn } from '../../common/columns.js';
import { TeamRole } from './team-role.js';

export enum InvitationStatus {
  PENDING = 'pending',
  ACCEPTED = 'accepted',
  DECLINED = 'declined',
  REVOKED = 'revoked',
}
registerEnumType(InvitationStatus, { name: 'InvitationStatus' });

/**
 * An invitation to join a team with a role, addressed to an email rather than an account: the
 * account signed in with that email (now, or after signing up later) may accept or decline it.
 */
@ObjectType()
@Entity('team_invitations')
export class Invitation {
  @IdColumn()
  id: string;

  @TeamIdColumn()
  teamId: string;

  @Field({ description: 'Lower-cased as it was sent.' })
  @Column('text')
  email: string;

  @Field(() => TeamRole, { description: 'The role the invitee gets on accepting.' })
  @Column('text')
  role: TeamRole;

  @ReferenceColumn('invited_by', { nullable: true })
  invitedBy: string | null;

  @Field(() => InvitationStatus)
  @Column('text')
  status: InvitationStatus;

  @CreatedAtColumn()
  createdAt: Date;

  @Field(() => Date)
  @Column('timestamptz', { name: 'expires_at' })
  expiresAt: Date;

  // Read with the invitation (not columns): what the invitee may know before joining.
  @Field({ description: "The team's name, shown to the invitee." })
  teamName: string;

  @Field(() => String, { nullable: true, description: 'Who sent it (null once they are gone).' })
  inviterName: string | null;
}
