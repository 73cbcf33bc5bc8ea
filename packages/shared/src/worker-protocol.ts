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
 * - scoring jobs (issue 15, "which source model"; score-job-operations.ts): before each
 *   `claimRun` the worker asks `claimScoreJob` (never waits) → scores the source model on the
 *   dataset → `completeScoreJob` or `failScoreJob`. No heartbeats: the lease lasts
 *   SCORE_LEASE_SECONDS and a later claim takes over a job whose lease expired. A worker that
 *   sends `capabilities.scoreJobs: true` to `claimRun` gets null from its long poll as soon as a
 *   scoring job is queued. All of it is additive (protocol version unchanged): a worker that
 *   never asks for scoring jobs sees none, and a new worker facing an older API, which refuses
 *   `claimScoreJob` and `scoreJobs`, stops asking and claims runs only.
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
 * The operations are in worker-operations.ts, typed by codegen from schema.graphql (the API writes
 * that file from its resolvers); their result and variable types are generated, never written here.
 *
 * @module
 */
import type { LayerInput, SurgeryInput } from './gql/graphql.js';
import type { LayerInfo, SurgeryRecord } from './model.js';
import { Initialization, toGraphQLEnum } from './run.js';

/** Bumped when a worker and an API of different versions can no longer understand each other. */
export const WORKER_PROTOCOL_VERSION = 1;

/** Default lease when the API is not configured otherwise (seconds). */
export const DEFAULT_LEASE_SECONDS = 60;

/**
 * A worker is online while its last claimRun or heartbeatRun is at most this old (seconds), or
 * while it holds a lease. An idle worker claims again at least every 25 s (the longest claim
 * wait); a busy one heartbeats every third of its lease.
 */
export const WORKER_ONLINE_SECONDS = 90;

/** The worker registry lists workers seen within this many hours (older ones are gone). */
export const WORKER_LISTED_HOURS = 24;

/**
 * The token file the API writes on first start for the worker `npm start` runs:
 * `$FINETRACK_HOME/local-worker.token`, mode 0600, the secret followed by a newline.
 */
export const LOCAL_WORKER_TOKEN_FILE = 'local-worker.token';

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

/** Longest `error` `failRun` takes. */
export const MAX_RUN_ERROR_LENGTH = 4000;

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

/** `SurgeryRecord` → `SurgeryInput` (the initialization as its GraphQL value). */
export function toSurgeryInput(record: SurgeryRecord): SurgeryInput {
  return {
    cutLayer: record.cutLayer,
    headUnits: record.headUnits,
    frozenLayers: record.frozenLayers,
    frozenLayerNames: record.frozenLayerNames.slice(),
    learningRate: record.learningRate,
    initialization: toGraphQLEnum(Initialization, record.initialization),
  };
}
