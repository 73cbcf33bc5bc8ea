import { graphql } from '@/gql';

export const DatasetsQuery = graphql(`
  query Datasets($teamId: ID!) {
    datasets(teamId: $teamId, first: 100, orderBy: { field: NAME, direction: ASC }) {
      nodes {
        id
        name
        version
        classNames
        trainSamples
        validationSamples
        contentHash
        spec
        createdAt
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const ModelsQuery = graphql(`
  query Models($teamId: ID!) {
    models(teamId: $teamId, first: 100, orderBy: { field: CREATED_AT, direction: ASC }) {
      nodes {
        id
        name
        kind
        architecture
        totalParams
        trainableParams
        parentModelId
        dataset {
          id
          name
        }
        surgery {
          cutLayer
          frozenLayers
          frozenLayerNames
          headUnits
          learningRate
          initialization
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

export const ModelQuery = graphql(`
  query Model($id: ID!) {
    model(id: $id) {
      id
      name
      kind
      architecture
      inputShape
      preprocessing
      totalParams
      trainableParams
      weightsSha256
      createdAt
      dataset {
        id
        name
      }
      parent {
        id
        name
      }
      surgery {
        cutLayer
        frozenLayers
        frozenLayerNames
        headUnits
        learningRate
        initialization
      }
      layers {
        name
        type
        outputShape
        params
        trainable
        weightBearing
        weightIndex
      }
      children(first: 100) {
        nodes {
          id
          name
          surgery {
            cutLayer
            frozenLayers
            headUnits
            learningRate
          }
        }
      }
    }
  }
`);

export const CreateDatasetMutation = graphql(`
  mutation CreateDataset($input: CreateDatasetInput!) {
    createDataset(input: $input) {
      id
      name
    }
  }
`);

export const PretrainModelMutation = graphql(`
  mutation PretrainModel($input: PretrainModelInput!) {
    pretrainModel(input: $input) {
      id
      modelId
      status
    }
  }
`);

export const CreateDatasetFromUploadMutation = graphql(`
  mutation CreateDatasetFromUpload($input: CreateDatasetFromUploadInput!) {
    createDatasetFromUpload(input: $input) {
      id
      name
      version
    }
  }
`);

export const DatasetPageQuery = graphql(`
  query DatasetPage($id: ID!) {
    dataset(id: $id) {
      id
      name
      version
      spec
      classNames
      trainSamples
      validationSamples
      contentHash
      createdAt
      classCounts {
        className
        train
        validation
      }
      thumbnails {
        className
        url
      }
      versions {
        id
        version
        createdAt
        trainSamples
        validationSamples
        contentHash
      }
    }
  }
`);

/**
 * The experiments that used one version, asked per version: the API prices a list inside a list
 * at a page of pages, more than one query may cost.
 */
export const DatasetExperimentsQuery = graphql(`
  query DatasetExperiments($id: ID!) {
    dataset(id: $id) {
      id
      experiments {
        id
        name
      }
    }
  }
`);
