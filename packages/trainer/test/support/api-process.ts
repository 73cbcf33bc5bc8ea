// The API helpers live beside the worker benchmark, which needs them too.
export {
  apiEntry,
  startApi,
  UserSession,
  type ApiProcess,
} from '../../src/worker/bench/local-api.js';
export { freePort } from '@finetrack/shared/testing';
