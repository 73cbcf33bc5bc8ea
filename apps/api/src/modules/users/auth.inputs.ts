import { IsEmail, MaxLength, MinLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';
import { IsName } from '../../common/validation.js';

@InputType()
export class SignUpInput {
  @Field()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email: string;

  @Field()
  @MinLength(8, { message: 'password must be at least 8 characters' })
  @MaxLength(256)
  password: string;

  @Field()
  @IsName()
  name: string;
}

@InputType()
export class LogInInput {
  @Field()
  @MaxLength(254)
  email: string;

  @Field()
  @MaxLength(256)
  password: string;
}
