import { Field, ObjectType, registerEnumType } from 'type-graphql';
import { Column, Entity } from 'typeorm';
import { CreatedAtColumn, IdColumn, ReferenceColumn } from '../../common/columns.js';
import { Connection } from '../../common/pagination.js';

export enum ApiTokenRole {
  USER = 'user',
  WORKER = 'worker',
}
registerEnumType(ApiTokenRole, {
  name: 'ApiTokenRole',
  description:
    'user: acts as its owner; worker: a trainer host, only the worker operations: of one team (teamId set) or of every team (an instance worker, no teamId)',
});

/** A script's credential. Only its sha256 is stored; `prefix` lets people tell tokens apart. */
@ObjectType()
@Entity('api_tokens')
export class ApiToken {
  @IdColumn()
  id: string;

  @ReferenceColumn('user_id', {
    nullable: true,
    description: 'The owner; none for the instance worker token the server made itself.',
  })
  userId: string | null;

  @ReferenceColumn('team_id', {
    nullable: true,
    description: 'When set, the token only reaches this team.',
  })
  teamId: string | null;

  @Field()
  @Column('text')
  name: string;

  @Field(() => ApiTokenRole)
  @Column('text', { default: ApiTokenRole.USER })
  role: ApiTokenRole;

  @Field({ description: 'The first characters of the secret, safe to display.' })
  @Column('text')
  prefix: string;

  @Column('text', { name: 'token_hash' })
  tokenHash: string;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'expires_at', nullable: true })
  expiresAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'last_used_at', nullable: true })
  lastUsedAt: Date | null;

  @Field(() => Date, { nullable: true })
  @Column('timestamptz', { name: 'revoked_at', nullable: true })
  revokedAt: Date | null;

  @CreatedAtColumn()
  createdAt: Date;
}

@ObjectType()
export class ApiTokenConnection extends Connection(ApiToken) {}

@ObjectType()
export class CreatedApiToken {
  @Field({ description: 'The secret. Shown once; store it now.' })
  token: string;

  @Field(() => ApiToken)
  apiToken: ApiToken;
}
