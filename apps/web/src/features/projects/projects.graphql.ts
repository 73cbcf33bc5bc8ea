import { graphql } from '@/gql';

export const ProjectsQuery = graphql(`
  query Projects($teamId: ID!, $after: String) {
    projects(
      teamId: $teamId
      first: 50
      after: $after
      orderBy: { field: CREATED_AT, direction: DESC }
    ) {
      nodes {
        id
        name
        description
        createdAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const CreateProjectMutation = graphql(`
  mutation CreateProject($input: CreateProjectInput!) {
    createProject(input: $input) {
      id
      name
    }
  }
`);

export const ProjectQuery = graphql(`
  query Project($id: ID!) {
    project(id: $id) {
      id
      name
      description
      teamId
    }
    experiments(projectId: $id, first: 100, orderBy: { field: CREATED_AT, direction: DESC }) {
      nodes {
        id
        name
        status
        createdAt
        sourceModel {
          id
          name
        }
        targetDataset {
          id
          name
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);
