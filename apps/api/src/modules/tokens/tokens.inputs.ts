import { Field, ID, InputType } from 'type-graphql';
import { IsName } from '../../common/validation.js';
import { ApiTokenRole } from './api-token.entity.js';

@InputType()
export class CreateApiTokenInput {
  @Field()
  @IsName()
  name: string;

  @Field(() => ID, { nullable: true, description: 'Limit the token to one team.' })
  teamId?: string;

  @Field(() => Date, { nullable: true })
  expiresAt?: Date;

  @Field(() => ApiTokenRole, {
    nullable: true,
    defaultValue: ApiTokenRole.USER,
    description:
      'WORKER tokens: with teamId, the admin role in that team; without, an instance worker token that serves every team, for instance administrators only.',
  })
  role?: ApiTokenRole | null;
}
