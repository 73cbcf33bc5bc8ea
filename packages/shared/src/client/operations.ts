// The operations the Node client, the `finetrack` command and scripts use. `npm run codegen`
// types each one from schema.graphql into src/gql (generated, not in git).
import { graphql } from '../gql/index.js';

// What the command line reads of the caller: whom `login` checked, and the teams `projects` lists.
export const MeDocument = graphql(`
  query Me {
    me {
      email
      teams {
        id
        name
      }
    }
  }
`);

export const ProjectsDocument = graphql(`
  query Projects($teamId: ID!, $first: Int, $after: String) {
    projects(teamId: $teamId, first: $first, after: $after) {
      nodes {
        id
        name
        description
        teamId
        createdAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const ExperimentsDocument = graphql(`
  query Experiments($projectId: ID!, $first: Int, $after: String) {
    experiments(projectId: $projectId, first: $first, after: $after) {
      nodes {
        id
        name
        status
        projectId
        sourceModelId
        targetDatasetId
        createdAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const ExperimentGridDocument = graphql(`
  query ExperimentGrid($id: ID!, $metric: String!, $summary: GridSummary!) {
    experiment(id: $id) {
      id
      name
      grid(metric: $metric, summary: $summary) {
        metric
        summary
        lowerIsBetter
        cells {
          ...GridCellFields
        }
        scratch {
          ...GridStatsFields
        }
      }
    }
  }
`);

export const RunFieldsFragment = graphql(`
  fragment RunFields on Run {
    id
    experimentId
    status
    external
    initialization
    frozenLayers
    learningRate
    optimizer
    epochs
    batchSize
    seed
    bestValAccuracy
    lastValAccuracy
    bestValLoss
    lastValLoss
    bestEpoch
    wallSeconds
    samplesPerSecond
    errorMessage
    createdAt
    startedAt
    finishedAt
    queueState {
      position
      reason
      message
    }
  }
`);

export const RunsDocument = graphql(`
  query Runs($experimentId: ID!, $first: Int, $after: String) {
    runs(experimentId: $experimentId, first: $first, after: $after) {
      nodes {
        ...RunFields
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const RunDocument = graphql(`
  query Run($id: ID!) {
    run(id: $id) {
      ...RunFields
    }
  }
`);

export const CreateRunDocument = graphql(`
  mutation CreateRun($input: CreateRunInput!) {
    createRun(input: $input) {
      ...RunFields
    }
  }
`);

export const UpdateRunDocument = graphql(`
  mutation UpdateRun($input: UpdateRunInput!) {
    updateRun(input: $input) {
      ...RunFields
    }
  }
`);

export const LogMetricsDocument = graphql(`
  mutation LogMetrics($runId: ID!, $points: [MetricPointInput!]!) {
    logMetrics(runId: $runId, points: $points) {
      runId
      written
    }
  }
`);

export const PretrainModelDocument = graphql(`
  mutation PretrainModel($input: PretrainModelInput!) {
    pretrainModel(input: $input) {
      ...PretrainRunFields
    }
  }
`);

export const PretrainRunDocument = graphql(`
  query PretrainRun($id: ID!) {
    run(id: $id) {
      ...PretrainRunFields
    }
  }
`);

export const PretrainRunFieldsFragment = graphql(`
  fragment PretrainRunFields on Run {
    id
    kind
    status
    modelId
    resultModelId
    epochs
    learningRate
    batchSize
    seed
    bestValAccuracy
    errorMessage
  }
`);

export const DatasetNameDocument = graphql(`
  query DatasetName($id: ID!) {
    dataset(id: $id) {
      id
      name
    }
  }
`);

export const CreateDatasetFromUploadDocument = graphql(`
  mutation CreateDatasetFromUpload($input: CreateDatasetFromUploadInput!) {
    createDatasetFromUpload(input: $input) {
      id
      name
      version
      classNames
      trainSamples
      validationSamples
      classCounts {
        className
        train
        validation
      }
    }
  }
`);
