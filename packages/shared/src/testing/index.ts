// Node-only helpers for the tests and benchmarks of every workspace, reached as
// `@finetrack/shared/testing` (never from the root entry point, which the browser bundle imports).
export { freePort } from '../node/free-port.js';
export { GraphQLTestClient, type GraphQLResponse, type Loose } from './graphql-test-client.js';
export { smallCnnLayers, type LayerFixture } from './small-cnn-layers.js';
export {
  datasetEntries,
  makeTar,
  makeZip,
  pngBytes,
  type FixtureEntry,
} from './archive-fixtures.js';
