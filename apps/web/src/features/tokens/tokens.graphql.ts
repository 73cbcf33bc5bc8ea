import { graphql } from '@/gql';

export const ApiTokensQuery = graphql(`
  query ApiTokens {
    apiTokens(first: 100) {
      nodes {
        id
        name
        prefix
        createdAt
        lastUsedAt
        expiresAt
        revokedAt
        teamId
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const CreateApiTokenMutation = graphql(`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      token
      apiToken {
        id
        name
        prefix
      }
    }
  }
`);

export const RevokeApiTokenMutation = graphql(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      id
      revokedAt
    }
  }
`);
