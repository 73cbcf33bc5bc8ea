import { IsEmail, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { IsName } from '../../common/validation.js';
import { TeamRole } from './team-role.js';

@InputType()
export class CreateTeamInput {
  @Field()
  @IsName()
  name: string;
}

@InputType()
export class UpdateTeamInput {
  @Field(() => ID)
  id: string;

  @Field()
  @IsName()
  name: string;
}

@InputType()
export class InviteTeamMemberInput {
  @Field(() => ID)
  teamId: string;

  @Field()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;

  @Field(() => TeamRole)
  role: TeamRole;
}

@InputType()
export class UpdateTeamMemberInput {
  @Field(() => ID)
  teamId: string;

  @Field(() => ID)
  userId: string;

  @Field(() => TeamRole)
  role: TeamRole;
}
