import { applyDecorators } from './decorators.js';
import { IsNotEmpty, MaxLength, Matches } from 'class-validator';

export const MAX_NAME_LENGTH = 200;

/** A display name: 1–200 characters, not only whitespace. */
export function IsName(): PropertyDecorator {
  return applyDecorators(
    IsNotEmpty({ message: '$property must not be empty' }),
    Matches(/\S/, { message: '$property must not be blank' }),
    MaxLength(MAX_NAME_LENGTH, {
      message: `$property must be at most ${MAX_NAME_LENGTH} characters`,
    }),
  );
}
