// The scoring jobs' operations: the worker's side (claim, complete, fail) and the members' side
// (queue, read). Typed by `npm run codegen` from ../schema.graphql, like worker-operations.ts.
import type {
  ClaimScoreJobMutation,
  ScoreSourceModelsMutation,
  SourceModelScoresQuery,
} from './gql/graphql.js';
import { graphql } from './gql/index.js';

/**
 * Worker → API, before each `claimRun`: the next scoring job of the token's team, or null. It
 * never waits; a worker that sends `capabilities.scoreJobs: true` to `claimRun` gets null from
 * that long poll as soon as a scoring job is queued, and claims it here.
 */
export const CLAIM_SCORE_JOB = graphql(`
  mutation ClaimScoreJob($input: ClaimScoreJobInput!) {
    claimScoreJob(input: $input) {
      scoreId
      teamId
      attempt
      leaseToken
      leaseExpiresAt
      trainSamples
      dataset {
        ...ClaimedDatasetFields
      }
      sourceModel {
        ...ClaimedModelFields
      }
    }
  }
`);

/** Worker → API: the scores. Idempotent for the same lease token. */
export const COMPLETE_SCORE_JOB = graphql(`
  mutation CompleteScoreJob($input: CompleteScoreJobInput!) {
    completeScoreJob(input: $input) {
      id
      status
    }
  }
`);

/** Worker → API: scoring failed for good (a readable sentence, ≤ MAX_SCORE_ERROR_LENGTH). */
export const FAIL_SCORE_JOB = graphql(`
  mutation FailScoreJob($input: FailScoreJobInput!) {
    failScoreJob(input: $input) {
      id
      status
    }
  }
`);

/** Member: queue scoring jobs for source models against a dataset version. */
export const SCORE_SOURCE_MODELS = graphql(`
  mutation ScoreSourceModels($input: ScoreSourceModelsInput!) {
    scoreSourceModels(input: $input) {
      id
      modelId
      status
      trainSamples
      logMe
    }
  }
`);

/** Viewer: the latest score per source model for a dataset version, ranked by LogME. */
export const SOURCE_MODEL_SCORES = graphql(`
  query SourceModelScores($datasetId: ID!) {
    sourceModelScores(datasetId: $datasetId) {
      id
      modelId
      status
      trainSamples
      logMe
      leep
      nce
      featureDimension
      samples
      seconds
      errorMessage
      model {
        id
        name
      }
    }
  }
`);

/** One scoring job as `claimScoreJob` describes it. */
export type ClaimedScoreJob = NonNullable<ClaimScoreJobMutation['claimScoreJob']>;
export type SourceModelScoreRow = SourceModelScoresQuery['sourceModelScores'][number];
export type ScoredJob = ScoreSourceModelsMutation['scoreSourceModels'][number];

export type {
  ClaimScoreJobInput,
  ClaimScoreJobMutation,
  CompleteScoreJobInput,
  CompleteScoreJobMutation,
  FailScoreJobInput,
  FailScoreJobMutation,
  ScoreSourceModelsMutation,
  SourceModelScoresQuery,
} from './gql/graphql.js';
