// The API's tests speak to it through the workspace-wide GraphQL test client.
export {
  GraphQLTestClient as ApiClient,
  type GraphQLResponse,
  type Loose,
} from '@finetrack/shared/testing';
