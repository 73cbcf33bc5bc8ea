import { graphql } from '@/gql';

/** The latest score per source model for a dataset version, ranked by LogME (polled while pending). */
export const SourceModelScoresQuery = graphql(`
  query WebSourceModelScores($datasetId: ID!) {
    sourceModelScores(datasetId: $datasetId) {
      id
      modelId
      status
      trainSamples
      logMe
      leep
      nce
      samples
      errorMessage
      bestFineTunedAccuracy
      model {
        id
        name
      }
    }
  }
`);

export const ScoreSourceModelsMutation = graphql(`
  mutation WebScoreSourceModels($input: ScoreSourceModelsInput!) {
    scoreSourceModels(input: $input) {
      id
      status
    }
  }
`);
