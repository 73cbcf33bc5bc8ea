/**
 * The worker protocol: everything a `finetrack-worker` says to the API and what it gets back.
 * Workers talk only to the API (GraphQL at `POST /graphql`, artifacts at `/artifacts/:id`), with a
 * team-bound API token of role WORKER; they never hold database credentials.
 *
 * Who calls what:
 * - the worker: `claimRun` → `heartbeatRun` (every `heartbeatSeconds`) → `logMetrics` (batches)
 *   → per epoch: `createArtifact` + `PUT /artifacts/:id` for the checkpoint files, then
 *   `recordCheckpoint` → at the end: `createArtifact` + `PUT` for the model files, then
 *   `completeRun`; or `failRun` (error), or `releaseRun` (SIGTERM); downloads with
 *   `GET /artifacts/:id`.
 * - users (and the tests and benchmark): `createExperiment` (queues one job per run),
 *   `startExperiment`, `cancelRun`, `retryRun`, the `runUpdated` / `metricsAppended` subscriptions.
 *
 * Leases: a claim gives the worker a lease (`leaseToken`, `leaseSeconds`, default 60 s,
 * configurable on the API). Every worker mutation on a run carries the lease token; a call with a
 * token that is not the run's live lease answers `CONFLICT` with `extensions.reason = 'LEASE_LOST'`
 * and the worker drops the run without completing it. When a lease expires (a worker killed with
 * -9), the API puts the run back in the queue and the next claim resumes it from its last recorded
 * checkpoint.
 *
 * Idempotency (every worker call may be retried after a network error whose answer was lost):
 * - `claimRun`: a worker id holds at most one lease; a claim from a worker id that already holds a
 *   live lease returns that same lease, so a retried claim never strands a run.
 * - `logMetrics`: (run, key, step) is a key; the same point again overwrites. A worker resumed from
 *   epoch E reproduces the same global steps after E, so points re-sent after a resume overwrite
 *   those of the dead attempt: the series stays one contiguous curve without duplicates.
 * - `recordCheckpoint` for an epoch already recorded replaces it; `completeRun`, `failRun` and
 *   `releaseRun` a second time with the same lease token return the same answer and change nothing.
 * - `createArtifact` retried may leave a pending artifact that never receives bytes: pending
 *   artifacts are invisible and the API deletes them after a while.
 * - `PUT /artifacts/:id` again after a successful upload answers 200 with the same body.
 *
 * Ordering rules the worker keeps (they make "no gaps" hold across hosts): every metric point of
 * steps ≤ a checkpoint's `globalStep` is acknowledged by `logMetrics` before `recordCheckpoint`
 * for that checkpoint is sent; all metrics are acknowledged before `completeRun`.
 *
 * The GraphQL the API exposes for this (SDL; names follow schema.graphql):
 *
 * ```graphql
 * enum RunKind { PRETRAIN FINETUNE }
 * enum ApiTokenRole { USER WORKER }          # CreateApiTokenInput.role: ApiTokenRole = USER;
 *                                             # WORKER tokens need teamId and an admin of that team
 * input WorkerCapabilitiesInput {
 *   protocolVersion: Int!   # WORKER_PROTOCOL_VERSION
 *   backends: [String!]!    # TensorFlow.js backends the worker can run: wasm, cpu, tensorflow…
 *   device: String!         # human-readable, e.g. "cpu: wasm SIMD 1 thread (host-a)"
 *   kinds: [RunKind!]!      # job kinds it accepts
 *   hostname: String!
 * }
 * input ClaimRunInput {
 *   workerId: String!       # stable for one worker process: "<hostname>:<pid>:<random>"
 *   capabilities: WorkerCapabilitiesInput!
 *   waitSeconds: Int = 0    # 0–25: the API may hold the request that long waiting for a job
 * }
 * type ArtifactRef { id: ID! kind: String! fileName: String! byteSize: Float! sha256: String! }
 * type ClaimedDataset { id: ID! name: String! spec: JSONObject! classNames: [String!]! }
 * type ClaimedModel { id: ID! name: String! architecture: String! inputShape: [Int!]!
 *                     artifacts: [ArtifactRef!]! }          # model-json, weights, model-metadata
 * type ResumePoint { epoch: Int! globalStep: Int! artifacts: [ArtifactRef!]! } # checkpoint-*
 * type ClaimedRun {
 *   runId: ID! teamId: ID! experimentId: ID    # experimentId is null for pretraining jobs
 *   kind: RunKind! attempt: Int!               # attempt: 1 on the first claim
 *   leaseToken: String! leaseExpiresAt: DateTimeISO! leaseSeconds: Int! heartbeatSeconds: Int!
 *   hyperparameters: JSONObject!               # RunHyperparameters (lower-case enum values)
 *   architecture: String                       # PRETRAIN: small-cnn | vgg-mini | resnet-mini
 *   dataset: ClaimedDataset!                   # FINETUNE: the target dataset; PRETRAIN: the source's
 *   sourceModel: ClaimedModel                  # FINETUNE only
 *   resume: ResumePoint                        # null when starting fresh
 *   targetModelName: String!                   # name to register the trained model under
 * }
 * input HeartbeatRunInput { runId: ID! leaseToken: String! epoch: Int step: Int
 *                           backend: String device: String }
 * type HeartbeatResult { cancelled: Boolean! leaseExpiresAt: DateTimeISO! }
 * input CreateArtifactInput { runId: ID modelId: ID leaseToken: String kind: String!
 *                             fileName: String! byteSize: Float! sha256: String! }
 * input RecordCheckpointInput { runId: ID! leaseToken: String! epoch: Int! globalStep: Int!
 *                               artifactIds: [ID!]! }
 * input RunSummaryInput { bestValAccuracy: Float lastValAccuracy: Float bestValLoss: Float
 *                         lastValLoss: Float bestEpoch: Int wallSeconds: Float
 *                         samplesPerSecond: Float backend: String device: String }
 * input CompletedModelInput {                # CreateModelInput minus teamId, plus artifactIds
 *   name: String! kind: ModelKind! architecture: String! inputShape: [Int!]!
 *   layers: [LayerInput!]! totalParams: Float! trainableParams: Float! weightsSha256: String
 *   datasetId: ID parentModelId: ID surgery: SurgeryInput   # parent + surgery for TARGET
 *   artifactIds: [ID!]!                      # run artifacts that become the model's files
 * }
 * input CompleteRunInput { runId: ID! leaseToken: String! summary: RunSummaryInput!
 *                          model: CompletedModelInput! }
 * type CompleteRunResult { run: Run! model: Model! }
 * input FailRunInput { runId: ID! leaseToken: String! error: String! }  # error ≤ 4,000 chars
 * input ReleaseRunInput { runId: ID! leaseToken: String! reason: String! }
 * type MetricsAppendedEvent { runId: ID! keys: [String!]! count: Int! maxStep: Int! }
 *
 * type Mutation {
 *   claimRun(input: ClaimRunInput!): ClaimedRun           # null: nothing queued for this team
 *   heartbeatRun(input: HeartbeatRunInput!): HeartbeatResult!
 *   createArtifact(input: CreateArtifactInput!): Artifact!
 *   recordCheckpoint(input: RecordCheckpointInput!): Run!
 *   completeRun(input: CompleteRunInput!): CompleteRunResult!
 *   failRun(input: FailRunInput!): Run!
 *   releaseRun(input: ReleaseRunInput!): Run!
 *   # users:
 *   startExperiment(id: ID!): Experiment!     # queues every queued run without a job (idempotent)
 *   cancelRun(id: ID!): Run!                  # queued or running → cancelled
 *   retryRun(id: ID!): Run!                   # failed or cancelled → queued (resume pointer kept)
 * }
 * type Subscription {                          # graphql-ws at ws(s)://<api>/graphql,
 *   runUpdated(experimentId: ID!): Run!        # connectionParams { authorization: "Bearer …" }
 *   metricsAppended(runId: ID!): MetricsAppendedEvent!
 * }
 * # Artifact gains `fileName: String!`.
 * ```
 *
 * @module
 */
import type { DatasetSpec } from './dataset-spec.js';
import type { LayerInfo, SurgeryRecord } from './model.js';
import type { RunHyperparameters, RunSummary } from './run.js';

/** Bumped when a worker and an API of different versions can no longer understand each other. */
export const WORKER_PROTOCOL_VERSION = 1;

/** Default lease when the API is not configured otherwise (seconds). */
export const DEFAULT_LEASE_SECONDS = 60;

/**
 * The token file the API writes on first start for the worker `npm start` runs:
 * `$FINETRACK_HOME/local-worker.token`, mode 0600, the secret followed by a newline.
 */
export const LOCAL_WORKER_TOKEN_FILE = 'local-worker.token';

/** Job kinds as GraphQL enum values. */
export const RunKind = { Pretrain: 'PRETRAIN', Finetune: 'FINETUNE' } as const;
export type RunKind = (typeof RunKind)[keyof typeof RunKind];

/** `extensions.reason` of the CONFLICT a worker gets once its lease is no longer the run's. */
export const LEASE_LOST = 'LEASE_LOST';

/**
 * Artifact kinds and the file each one is. Models are stored per file (no bundle), so a worker
 * downloads exactly the files `loadModelDirectory` reads and each one is checked by its sha256.
 */
export const ArtifactKind = {
  ModelJson: 'model-json',
  Weights: 'weights',
  ModelMetadata: 'model-metadata',
  CheckpointJson: 'checkpoint-json',
  CheckpointBin: 'checkpoint-bin',
  Log: 'log',
} as const;
export type ArtifactKind = (typeof ArtifactKind)[keyof typeof ArtifactKind];

/** File name a worker gives each kind (the trainer's own file names). */
export const ARTIFACT_FILE_NAMES: Readonly<Record<ArtifactKind, string>> = {
  'model-json': 'model.json',
  weights: 'weights.bin',
  'model-metadata': 'finetrack.json',
  'checkpoint-json': 'checkpoint.json',
  'checkpoint-bin': 'checkpoint.bin',
  log: 'worker.log',
};

/** Artifact file names the API accepts: a plain name, no path. */
export const ARTIFACT_FILE_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * Artifacts over HTTP (same base URL as GraphQL, same `Authorization: Bearer <token>`, same team
 * scope: another team's artifact answers 404, not 403).
 *
 * Upload: `createArtifact` announces `{ runId | modelId, kind, fileName, byteSize, sha256 }` and
 * returns a pending artifact; then `PUT /artifacts/:id` with the raw bytes as the body
 * (`Content-Type: application/octet-stream`, `Content-Length: byteSize`). The API streams the body
 * to a temporary file under `FINETRACK_HOME` and renames it into place only when both the size and
 * the sha256 match. Answers (JSON bodies; errors in GraphQL's `{ errors: [{ message, extensions:
 * { code } }] }` shape):
 * - 201 `{ id, byteSize, sha256 }`: stored; the artifact is now visible.
 * - 200 the same body: it was already stored with these bytes (a retried PUT).
 * - 400 BAD_USER_INPUT: size or sha256 mismatch; nothing is kept, the PUT may be sent again.
 * - 409 CONFLICT: another upload of this artifact is in progress.
 * - 413: over the API's size limit (also refused earlier by `createArtifact`).
 * - 401 / 403 / 404 as for GraphQL.
 * A connection cut off halfway leaves the artifact pending and invisible.
 *
 * Download: `GET /artifacts/:id` streams a stored artifact with `Content-Length`,
 * `Content-Type: application/octet-stream` and `ETag: "<sha256>"`; pending ones answer 404.
 */
export const ARTIFACT_PATH_PREFIX = '/artifacts/';

/** Body of a 200/201 answer to `PUT /artifacts/:id`. */
export interface ArtifactUploadResult {
  id: string;
  byteSize: number;
  sha256: string;
}

/** A stored file the worker may download. `byteSize` in bytes, `sha256` lower-case hex. */
export interface ArtifactRef {
  id: string;
  kind: ArtifactKind | (string & {});
  fileName: string;
  byteSize: number;
  sha256: string;
}

/** What a worker can run; sent with every claim. */
export interface WorkerCapabilities {
  protocolVersion: number;
  backends: string[];
  device: string;
  kinds: RunKind[];
  hostname: string;
}

export interface ClaimedDataset {
  id: string;
  name: string;
  spec: DatasetSpec;
  classNames: string[];
}

export interface ClaimedModel {
  id: string;
  name: string;
  architecture: string;
  inputShape: number[];
  /** `model-json`, `weights`, `model-metadata`: download them into one folder under their fileName. */
  artifacts: ArtifactRef[];
}

/** The checkpoint to continue from: `epoch` epochs and `globalStep` optimizer steps are done. */
export interface ResumePoint {
  epoch: number;
  globalStep: number;
  /** `checkpoint-json` and `checkpoint-bin`: download into one folder, then `readCheckpoint`. */
  artifacts: ArtifactRef[];
}

/** One job, as `claimRun` describes it. */
export interface ClaimedRun {
  runId: string;
  teamId: string;
  /** Null for pretraining jobs. */
  experimentId: string | null;
  kind: RunKind;
  /** 1 on the first claim, 2 after one lease expiry or release, … */
  attempt: number;
  leaseToken: string;
  /** ISO date-time. */
  leaseExpiresAt: string;
  leaseSeconds: number;
  /** The worker heartbeats at least this often (the API sends about a third of the lease). */
  heartbeatSeconds: number;
  /** Lower-case values as in `@finetrack/shared` (`adam`, `pretrained`, …). */
  hyperparameters: RunHyperparameters;
  /** PRETRAIN only: the architecture to build. */
  architecture: string | null;
  /** FINETUNE: the target dataset; PRETRAIN: the source task's dataset. */
  dataset: ClaimedDataset;
  /** FINETUNE only: the source model and its files. */
  sourceModel: ClaimedModel | null;
  resume: ResumePoint | null;
  /** Name to register the trained model under. */
  targetModelName: string;
}

/* ----------------------------------- operations (worker) ----------------------------------- */

const ARTIFACT_REF_FIELDS = 'id kind fileName byteSize sha256';

/** Worker → API: take the next queued run of the token's team, or null (nothing queued). */
export const CLAIM_RUN = /* GraphQL */ `
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
      hyperparameters
      architecture
      dataset { id name spec classNames }
      sourceModel { id name architecture inputShape artifacts { ${ARTIFACT_REF_FIELDS} } }
      resume { epoch globalStep artifacts { ${ARTIFACT_REF_FIELDS} } }
      targetModelName
    }
  }
`;
export interface ClaimRunVariables {
  input: { workerId: string; capabilities: WorkerCapabilities; waitSeconds?: number };
}
export interface ClaimRunResult {
  claimRun: ClaimedRun | null;
}

/**
 * Worker → API, every `heartbeatSeconds`: extends the lease. `cancelled: true` means a user
 * cancelled the run: the worker stops within this heartbeat and sends nothing more for it (the
 * run is already `cancelled`). The first heartbeat carries `backend` and `device`.
 */
export const HEARTBEAT_RUN = /* GraphQL */ `
  mutation HeartbeatRun($input: HeartbeatRunInput!) {
    heartbeatRun(input: $input) {
      cancelled
      leaseExpiresAt
    }
  }
`;
export interface HeartbeatRunVariables {
  input: {
    runId: string;
    leaseToken: string;
    epoch?: number;
    step?: number;
    backend?: string;
    device?: string;
  };
}
export interface HeartbeatRunResult {
  heartbeatRun: { cancelled: boolean; leaseExpiresAt: string };
}

/** One point as `logMetrics` takes it. `wallTime` is Unix **seconds** (the trainer counts ms). */
export interface MetricPointInput {
  key: string;
  step: number;
  value: number;
  wallTime?: number;
}

/**
 * Worker → API: up to 10,000 points; the same (key, step) again overwrites (existing mutation).
 * A worker token must pass the run's live `leaseToken` (else `CONFLICT`, `LEASE_LOST`, and nothing
 * is written), so a worker that lost its lease cannot write into a run another worker now holds.
 * User and script tokens (external runs, which have no lease) leave it out.
 */
export const LOG_METRICS = /* GraphQL */ `
  mutation LogMetrics($runId: ID!, $points: [MetricPointInput!]!, $leaseToken: String) {
    logMetrics(runId: $runId, points: $points, leaseToken: $leaseToken) {
      runId
      written
    }
  }
`;
export interface LogMetricsVariables {
  runId: string;
  points: MetricPointInput[];
  /** Required with a worker token; omitted by users and scripts. */
  leaseToken?: string;
}
export interface LogMetricsResult {
  logMetrics: { runId: string; written: number };
}
/** Largest batch `logMetrics` accepts. */
export const MAX_METRIC_BATCH = 10_000;

/** Worker → API: announce an upload; then `PUT /artifacts/:id`. Run artifacts need the lease token. */
export const CREATE_ARTIFACT = /* GraphQL */ `
  mutation CreateArtifact($input: CreateArtifactInput!) {
    createArtifact(input: $input) { ${ARTIFACT_REF_FIELDS} }
  }
`;
export interface CreateArtifactVariables {
  input: {
    runId?: string;
    modelId?: string;
    leaseToken?: string;
    kind: ArtifactKind;
    fileName: string;
    byteSize: number;
    sha256: string;
  };
}
export interface CreateArtifactResult {
  createArtifact: ArtifactRef;
}

/**
 * Worker → API after an epoch's checkpoint files are uploaded (and that epoch's metrics are
 * acknowledged): this checkpoint is now where a new claim resumes. The API may delete older ones.
 */
export const RECORD_CHECKPOINT = /* GraphQL */ `
  mutation RecordCheckpoint($input: RecordCheckpointInput!) {
    recordCheckpoint(input: $input) {
      id
    }
  }
`;
export interface RecordCheckpointVariables {
  input: {
    runId: string;
    leaseToken: string;
    epoch: number;
    globalStep: number;
    artifactIds: string[];
  };
}
export interface RecordCheckpointResult {
  recordCheckpoint: { id: string };
}

/** `LayerInput` of the schema: `outputShape` uses -1 for the batch dimension. */
export interface LayerInput {
  name: string;
  type: string;
  outputShape: number[];
  params: number;
  weightBearing: boolean;
  weightIndex: number | null;
  trainable: boolean;
}

/** `SurgeryInput` of the schema: `SurgeryRecord` with an upper-case initialization. */
export interface SurgeryInput {
  cutLayer: string;
  headUnits: number;
  frozenLayers: number;
  frozenLayerNames: string[];
  learningRate: number;
  initialization: 'PRETRAINED' | 'SCRATCH';
}

/** The trained model `completeRun` registers (a SOURCE for pretraining, a TARGET otherwise). */
export interface CompletedModelInput {
  name: string;
  kind: 'SOURCE' | 'TARGET';
  architecture: string;
  inputShape: number[];
  layers: LayerInput[];
  totalParams: number;
  trainableParams: number;
  weightsSha256?: string | null;
  datasetId?: string | null;
  /** TARGET: the source model. */
  parentModelId?: string | null;
  /** TARGET: what surgery made it. */
  surgery?: SurgeryInput | null;
  /** Run artifacts (model-json, weights, model-metadata) that become the model's files. */
  artifactIds: string[];
}

/** Worker → API: the run succeeded. Idempotent for the same lease token. */
export const COMPLETE_RUN = /* GraphQL */ `
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
`;
export interface CompleteRunVariables {
  input: {
    runId: string;
    leaseToken: string;
    summary: RunSummary;
    model: CompletedModelInput;
  };
}
export interface CompleteRunResult {
  completeRun: {
    run: { id: string; status: string };
    model: { id: string; name: string; parentModelId: string | null };
  };
}

/**
 * Worker → API: the run failed for good (bad source model, bad dataset spec, a training error).
 * `error` is a readable sentence for the run page (≤ 4,000 characters, no stack). The run ends
 * `failed`; the queue moves on. Idempotent for the same lease token.
 */
export const FAIL_RUN = /* GraphQL */ `
  mutation FailRun($input: FailRunInput!) {
    failRun(input: $input) {
      id
      status
    }
  }
`;
export interface FailRunVariables {
  input: { runId: string; leaseToken: string; error: string };
}
export interface FailRunResult {
  failRun: { id: string; status: string };
}
/** Longest `error` `failRun` takes. */
export const MAX_RUN_ERROR_LENGTH = 4000;

/**
 * Worker → API on SIGTERM: the worker stopped after its last recorded checkpoint; the lease ends
 * now and the run goes back to the queue (`queued`), to resume from that checkpoint.
 */
export const RELEASE_RUN = /* GraphQL */ `
  mutation ReleaseRun($input: ReleaseRunInput!) {
    releaseRun(input: $input) {
      id
      status
    }
  }
`;
export interface ReleaseRunVariables {
  input: { runId: string; leaseToken: string; reason: string };
}
export interface ReleaseRunResult {
  releaseRun: { id: string; status: string };
}

/* ------------------------------ operations (users, tests, bench) ------------------------------ */

export const CANCEL_RUN = /* GraphQL */ `
  mutation CancelRun($id: ID!) {
    cancelRun(id: $id) {
      id
      status
    }
  }
`;
export interface CancelRunVariables {
  id: string;
}
export interface CancelRunResult {
  cancelRun: { id: string; status: string };
}

export const RETRY_RUN = /* GraphQL */ `
  mutation RetryRun($id: ID!) {
    retryRun(id: $id) {
      id
      status
    }
  }
`;
export interface RetryRunVariables {
  id: string;
}
export interface RetryRunResult {
  retryRun: { id: string; status: string };
}

export const START_EXPERIMENT = /* GraphQL */ `
  mutation StartExperiment($id: ID!) {
    startExperiment(id: $id) {
      id
    }
  }
`;
export interface StartExperimentVariables {
  id: string;
}
export interface StartExperimentResult {
  startExperiment: { id: string };
}

/** Subscription: one event per accepted `logMetrics` batch of the run (after commit). */
export const METRICS_APPENDED = /* GraphQL */ `
  subscription MetricsAppended($runId: ID!) {
    metricsAppended(runId: $runId) {
      runId
      keys
      count
      maxStep
    }
  }
`;
export interface MetricsAppendedVariables {
  runId: string;
}
export interface MetricsAppendedResult {
  metricsAppended: { runId: string; keys: string[]; count: number; maxStep: number };
}

/** Subscription: the run row after every status, lease or summary change of the experiment's runs. */
export const RUN_UPDATED = /* GraphQL */ `
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
`;
export interface RunUpdatedVariables {
  experimentId: string;
}
export interface RunUpdatedResult {
  runUpdated: {
    id: string;
    status: string;
    attempts: number;
    workerId: string | null;
    errorMessage: string | null;
    lastValAccuracy: number | null;
  };
}

/* --------------------------------------- conversions --------------------------------------- */

/** `LayerInfo` → `LayerInput` (null batch dimension → -1). */
export function toLayerInput(layer: LayerInfo): LayerInput {
  return {
    name: layer.name,
    type: layer.type,
    outputShape: layer.outputShape.map((dimension) => dimension ?? -1),
    params: layer.params,
    weightBearing: layer.weightBearing,
    weightIndex: layer.weightIndex,
    trainable: layer.trainable,
  };
}

/** `SurgeryRecord` → `SurgeryInput` (enum value in upper case). */
export function toSurgeryInput(record: SurgeryRecord): SurgeryInput {
  return {
    cutLayer: record.cutLayer,
    headUnits: record.headUnits,
    frozenLayers: record.frozenLayers,
    frozenLayerNames: record.frozenLayerNames.slice(),
    learningRate: record.learningRate,
    initialization: record.initialization === 'scratch' ? 'SCRATCH' : 'PRETRAINED',
  };
}
