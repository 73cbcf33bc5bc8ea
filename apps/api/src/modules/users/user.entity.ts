import { Field, ObjectType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { CreatedAtColumn, IdColumn } from '../../common/columns.js';

@ObjectType()
@Entity('users')
export class User {
  @IdColumn()
  id: string;

  @Field()
  @Column('text')
  email: string;

  @Field()
  @Column('text')
  name: string;

  // Never a GraphQL field.
  @Column('text', { name: 'password_hash' })
  passwordHash: string;

  @CreatedAtColumn()
  createdAt: Date;
}
