import { graphql } from '@/gql';

export const RunQuery = graphql(`
  query Run($id: ID!) {
    run(id: $id) {
      ...RunFields
      experimentId
      kind
      modelId
      resultModelId
      teamId
      optimizer
      errorMessage
      queuedAt
      heartbeatAt
      workerId
      updatedAt
      worstClass
      worstClassAccuracy
      augmentation {
        flip
        crop
        rotation
      }
      featureCache
      confusionMatrix {
        classNames
        counts
        perClassAccuracy
      }
      artifacts {
        id
        kind
        fileName
        byteSize
        sha256
        createdAt
      }
    }
  }
`);

export const RunExperimentQuery = graphql(`
  query RunExperiment($id: ID!) {
    experiment(id: $id) {
      id
      name
      project {
        id
        name
      }
      sourceModel {
        id
        name
        layers {
          name
          weightBearing
        }
      }
    }
  }
`);
