import { ErrorCode, LEASE_LOST } from '@finetrack/shared';
import { AppError } from '../graphql/errors.js';

/** CONFLICT with reason LEASE_LOST: the caller's lease token is not the run's live lease. */
export const leaseLost = () =>
  new AppError(ErrorCode.Conflict, 'this lease is no longer the run’s: drop the run', {
    reason: LEASE_LOST,
  });
