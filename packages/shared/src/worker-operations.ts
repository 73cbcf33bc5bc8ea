// The worker protocol's operations (see worker-protocol.ts for who calls what, leases and
// idempotency). `npm run codegen` types each one from ../schema.graphql into src/gql
// (generated, not in git); request them with `ApiClient.request`, which infers the result.
import type {
  ClaimRunMutation,
  CreateArtifactMutation,
  TypedDocumentString,
} from './gql/graphql.js';
import { graphql } from './gql/index.js';

/** Worker → API: take the next queued run of the token's team, or null (nothing queued). */
export const CLAIM_RUN = graphql(`
  mutation ClaimRun($input: ClaimRunInput!) {
    claimRun(input: $input) {
      runId
      teamId
      experimentId
      kind
      attempt
      leaseToken
      leaseExpiresAt
      leaseSeconds
      heartbeatSeconds
      hyperparameters {
        frozenLayers
        learningRate
        epochs
        batchSize
        optimizer
        seed
        initialization
        trainSamples
        augmentation {
          flip
          crop
          rotation
        }
      }
      architecture
      dataset {
        ...ClaimedDatasetFields
      }
      sourceModel {
        ...ClaimedModelFields
      }
      resume {
        epoch
        globalStep
        artifacts {
          id
          kind
          fileName
          byteSize
          sha256
        }
      }
      targetModelName
    }
  }
`);

/**
 * Worker → API, every `heartbeatSeconds`: extends the lease. `cancelled: true` means a user
 * cancelled the run: the worker stops within this heartbeat and sends nothing more for it (the
 * run is already `cancelled`). The first heartbeat carries `backend` and `device`.
 */
export const HEARTBEAT_RUN = graphql(`
  mutation HeartbeatRun($input: HeartbeatRunInput!) {
    heartbeatRun(input: $input) {
      cancelled
      leaseExpiresAt
    }
  }
`);

/**
 * Worker → API: up to MAX_METRIC_BATCH points; the same (key, step) again overwrites. A worker
 * token must pass the run's live `leaseToken` (else `CONFLICT`, `LEASE_LOST`, and nothing is
 * written), so a worker that lost its lease cannot write into a run another worker now holds.
 * User and script tokens (external runs, which have no lease) leave it out.
 */
export const LOG_METRICS = graphql(`
  mutation WorkerLogMetrics($runId: ID!, $points: [MetricPointInput!]!, $leaseToken: String) {
    logMetrics(runId: $runId, points: $points, leaseToken: $leaseToken) {
      runId
      written
    }
  }
`);

/** Worker → API: announce an upload; then `PUT /artifacts/:id`. Run artifacts need the lease token. */
export const CREATE_ARTIFACT = graphql(`
  mutation CreateArtifact($input: CreateArtifactInput!) {
    createArtifact(input: $input) {
      id
      kind
      fileName
      byteSize
      sha256
    }
  }
`);

/**
 * Worker → API after an epoch's checkpoint files are uploaded (and that epoch's metrics are
 * acknowledged): this checkpoint is now where a new claim resumes. The API may delete older ones.
 */
export const RECORD_CHECKPOINT = graphql(`
  mutation RecordCheckpoint($input: RecordCheckpointInput!) {
    recordCheckpoint(input: $input) {
      id
    }
  }
`);

/** Worker → API: the run succeeded. Idempotent for the same lease token. */
export const COMPLETE_RUN = graphql(`
  mutation CompleteRun($input: CompleteRunInput!) {
    completeRun(input: $input) {
      run {
        id
        status
      }
      model {
        id
        name
        parentModelId
      }
    }
  }
`);

/**
 * Worker → API: the run failed for good (bad source model, bad dataset spec, a training error).
 * `error` is a readable sentence for the run page (≤ MAX_RUN_ERROR_LENGTH characters, no stack).
 * The run ends `failed`; the queue moves on. Idempotent for the same lease token.
 */
export const FAIL_RUN = graphql(`
  mutation FailRun($input: FailRunInput!) {
    failRun(input: $input) {
      id
      status
    }
  }
`);

/**
 * Worker → API on SIGTERM: the worker stopped after its last recorded checkpoint; the lease ends
 * now and the run goes back to the queue (`queued`), to resume from that checkpoint.
 */
export const RELEASE_RUN = graphql(`
  mutation ReleaseRun($input: ReleaseRunInput!) {
    releaseRun(input: $input) {
      id
      status
    }
  }
`);

/* ------------------------------ operations (users, tests, bench) ------------------------------ */

/** Queued or running → cancelled. */
export const CANCEL_RUN = graphql(`
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      id
      status
    }
  }
`);

/** Failed or cancelled → queued (the resume pointer is kept). */
export const RETRY_RUN = graphql(`
  mutation RetryRun($id: ID!) {
    retryRun(id: $id) {
      id
      status
    }
  }
`);

/** Queues every queued run of the experiment without a job (idempotent). */
export const START_EXPERIMENT = graphql(`
  mutation StartExperiment($id: ID!) {
    startExperiment(id: $id) {
      id
    }
  }
`);

/** Subscription: one event per accepted `logMetrics` batch of the run (after commit). */
export const METRICS_APPENDED = graphql(`
  subscription MetricsAppended($runId: ID!) {
    metricsAppended(runId: $runId) {
      runId
      keys
      count
      maxStep
    }
  }
`);

/** Subscription: the run row after every status, lease or summary change of the experiment's runs. */
export const RUN_UPDATED = graphql(`
  subscription RunUpdated($experimentId: ID!) {
    runUpdated(experimentId: $experimentId) {
      id
      status
      attempts
      workerId
      errorMessage
      lastValAccuracy
    }
  }
`);

/* Generated types of the worker's operations and inputs, for the worker, the API's tests and scripts. */
export type {
  ClaimRunMutation,
  ClaimRunMutationVariables,
  CompleteRunInput,
  CompleteRunMutation,
  CompleteRunMutationVariables,
  CompletedModelInput,
  CreateArtifactInput,
  CreateArtifactMutation,
  CreateArtifactMutationVariables,
  FailRunInput,
  FailRunMutation,
  FailRunMutationVariables,
  HeartbeatRunInput,
  HeartbeatRunMutation,
  HeartbeatRunMutationVariables,
  LayerInput,
  MetricPointInput,
  RecordCheckpointInput,
  RecordCheckpointMutation,
  RecordCheckpointMutationVariables,
  ReleaseRunInput,
  ReleaseRunMutation,
  ReleaseRunMutationVariables,
  RunSummaryInput,
  SurgeryInput,
  WorkerCapabilitiesInput,
  WorkerLogMetricsMutation,
  WorkerLogMetricsMutationVariables,
} from './gql/graphql.js';

/** Any operation's text: a string, or a generated document (`String(document)` is its text). */
export type GraphQLDocument = string | TypedDocumentString<unknown, never>;

/** One job as `claimRun` describes it, GraphQL values as sent (`kind: 'FINETUNE'`, `optimizer: 'ADAM'`). */
export type ClaimedRun = NonNullable<ClaimRunMutation['claimRun']>;

/** A stored file the worker may download. `byteSize` in bytes, `sha256` lower-case hex. */
export type ArtifactRef = CreateArtifactMutation['createArtifact'];

export type { TypedDocumentString };
