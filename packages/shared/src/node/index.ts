// Node-only helpers that servers and tests of several workspaces use, reached as
// `@finetrack/shared/node` (never from the root entry point, which the browser bundle imports).
export { freePort } from './free-port.js';
