import { Field, ID } from 'type-graphql';
import { Column, CreateDateColumn, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { applyDecorators } from './decorators.js';

/**
 * The columns every table spells the same way, each one TypeORM column and one GraphQL field
 * (the entities are also the schema's object types).
 */

/** `id`: a generated uuid primary key, an `ID!` field. */
export const IdColumn = (): PropertyDecorator =>
  applyDecorators(
    Field(() => ID),
    PrimaryGeneratedColumn('uuid'),
  );

/** A uuid pointing at another row, stored as `name`; an `ID` field (`ID!` unless nullable). */
export const ReferenceColumn = (
  name: string,
  options: { nullable?: boolean; description?: string } = {},
): PropertyDecorator =>
  applyDecorators(
    Field(() => ID, options),
    Column('uuid', { name, nullable: options.nullable }),
  );

/** `teamId`: the team that owns the row. */
export const TeamIdColumn = (): PropertyDecorator => ReferenceColumn('team_id');

/** `createdAt`: set by PostgreSQL on insert. */
export const CreatedAtColumn = (): PropertyDecorator =>
  applyDecorators(
    Field(() => Date),
    CreateDateColumn({ name: 'created_at', type: 'timestamptz' }),
  );

/** `updatedAt`: set by TypeORM on every update through a repository. */
export const UpdatedAtColumn = (): PropertyDecorator =>
  applyDecorators(
    Field(() => Date),
    UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' }),
  );
