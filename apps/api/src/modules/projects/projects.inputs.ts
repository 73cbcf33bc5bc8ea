import { IsOptional, MaxLength } from 'class-validator';
import { Field, ID, InputType } from 'type-graphql';
import { IsName } from '../../common/validation.js';

@InputType()
export class CreateProjectInput {
  @Field(() => ID)
  teamId: string;

  @Field()
  @IsName()
  name: string;

  @Field({ defaultValue: '' })
  @MaxLength(10_000)
  description: string;
}

@InputType()
export class UpdateProjectInput {
  @Field(() => ID)
  id: string;

  @Field({ nullable: true })
  @IsOptional()
  @IsName()
  name?: string;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(10_000)
  description?: string;
}

@InputType()
export class ProjectFilter {
  @Field({ nullable: true, description: 'Case-insensitive substring of the name.' })
  @IsOptional()
  @MaxLength(200)
  search?: string;
}
