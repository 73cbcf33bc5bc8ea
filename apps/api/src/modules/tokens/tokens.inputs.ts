import { Field, ID, InputType } from 'type-graphql';
import { IsName } from '../../common/validation.js';

@InputType()
export class CreateApiTokenInput {
  @Field()
  @IsName()
  name: string;

  @Field(() => ID, { nullable: true, description: 'Limit the token to one team.' })
  teamId?: string;

  @Field(() => Date, { nullable: true })
  expiresAt?: Date;
}
