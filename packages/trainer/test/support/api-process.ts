// The API helpers live beside the worker benchmark, which needs them too.
export {
  apiEntry,
  freePort,
  startApi,
  UserSession,
  type ApiProcess,
} from '../../src/worker/bench/local-api.js';
