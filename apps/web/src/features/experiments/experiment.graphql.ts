import { graphql } from '@/gql';

export const RunFieldsFragment = graphql(`
  fragment RunFields on Run {
    id
    status
    initialization
    frozenLayers
    trainSamples
    learningRate
    seed
    epochs
    batchSize
    optimizer
    external
    bestValAccuracy
    lastValAccuracy
    bestValLoss
    lastValLoss
    bestEpoch
    wallSeconds
    samplesPerSecond
    backend
    device
    attempts
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

/** What the page header shows: where the experiment sits and what it fine-tunes on. */
export const ExperimentHeaderFragment = graphql(`
  fragment ExperimentHeaderFields on Experiment {
    name
    project {
      id
      name
    }
    sourceModel {
      id
      name
    }
    targetDataset {
      id
      name
    }
  }
`);

/** The source model's layers: the grid names frozen depths by them, the drift section keys by them. */
export const SourceLayersFragment = graphql(`
  fragment SourceLayers on Experiment {
    sourceModel {
      id
      layers {
        name
        type
        weightBearing
        weightIndex
      }
    }
  }
`);

export const ExperimentQuery = graphql(`
  query Experiment($id: ID!) {
    experiment(id: $id) {
      id
      status
      teamId
      sweep
      createdAt
      ...ExperimentHeaderFields
      ...SourceLayers
      runs(first: 500, orderBy: { field: CREATED_AT, direction: ASC }) {
        nodes {
          ...RunFields
        }
        pageInfo {
          hasNextPage
          endCursor
        }
      }
    }
  }
`);

/** What the grid section draws: cells and the scratch baseline, as the API summarises them. */
export const RunGridFragment = graphql(`
  fragment RunGridFields on Grid {
    lowerIsBetter
    computeTarget
    cells {
      ...GridCellFields
    }
    scratch {
      ...GridStatsFields
    }
  }
`);

export const GridQuery = graphql(`
  query ExperimentGrid($id: ID!, $metric: String!, $summary: GridSummary!, $trainSamples: Int) {
    experiment(id: $id) {
      id
      grid(metric: $metric, summary: $summary, trainSamples: $trainSamples) {
        ...RunGridFields
      }
    }
  }
`);

export const MetricsQuery = graphql(`
  query Metrics(
    $runIds: [ID!]!
    $keys: [String!]!
    $maxPoints: Int!
    $withWallTimes: Boolean! = false
  ) {
    metrics(runIds: $runIds, keys: $keys, maxPoints: $maxPoints) {
      runId
      key
      steps
      values
      wallTimes @include(if: $withWallTimes)
    }
  }
`);

export const CancelRunMutation = graphql(`
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      id
      status
      finishedAt
    }
  }
`);

export const RetryRunMutation = graphql(`
  mutation RetryRun($id: ID!) {
    retryRun(id: $id) {
      id
      status
      attempts
      queuedAt
      finishedAt
      errorMessage
    }
  }
`);

/** Pushed by the API after every change of one of the experiment's runs. */
export const RunUpdatedSubscription = graphql(`
  subscription RunUpdated($experimentId: ID!) {
    runUpdated(experimentId: $experimentId) {
      id
      status
    }
  }
`);

export const NewExperimentOptionsQuery = graphql(`
  query NewExperimentOptions($teamId: ID!, $projectId: ID!) {
    project(id: $projectId) {
      id
      name
      teamId
    }
    models(teamId: $teamId, first: 100, filter: { kind: SOURCE }) {
      nodes {
        id
        name
        architecture
      }
    }
    datasets(teamId: $teamId, first: 100) {
      nodes {
        id
        name
        classNames
        trainSamples
      }
    }
  }
`);

/**
 * The chosen source model's layers, asked for one model at a time: a page of models with their
 * layers would be priced at 100 × 2,000 layers and refused by the cost limit.
 */
export const SourceModelLayersQuery = graphql(`
  query SourceModelLayers($id: ID!) {
    model(id: $id) {
      id
      layers {
        name
        type
        weightBearing
      }
    }
  }
`);

export const CreateExperimentMutation = graphql(`
  mutation CreateExperiment($input: CreateExperimentInput!) {
    createExperiment(input: $input) {
      id
      name
    }
  }
`);

export const DepthBySizeQuery = graphql(`
  query DepthBySize($id: ID!, $metric: String!, $summary: GridSummary!) {
    experiment(id: $id) {
      id
      depthBySize(metric: $metric, summary: $summary) {
        trainSamples
        bestFrozenLayers
        bestLearningRate
        bestMean
        scratchMean
        suggestedFrozenLayers
        suggestionReason
        agrees
      }
    }
  }
`);
