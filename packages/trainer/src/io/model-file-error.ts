/** Why a model directory could not be read or written; callers branch on `code`. */
export const ModelFileErrorCode = {
  /** No model.json, or a folder that does not exist. */
  NotFound: 'MODEL_NOT_FOUND',
  /** model.json is not JSON, not a layers model, or its manifest is malformed. */
  InvalidManifest: 'INVALID_MODEL_MANIFEST',
  /** A shard path escapes the model folder (`..`, absolute, a link out of it). */
  UnsafePath: 'UNSAFE_WEIGHT_PATH',
  /** A shard named in the manifest does not exist. */
  MissingShard: 'MISSING_WEIGHT_SHARD',
  /** Shard sizes differ from what the manifest's shapes and dtypes need. */
  SizeMismatch: 'WEIGHT_SIZE_MISMATCH',
  /** The manifest claims more parameters than the configured limit. */
  TooManyParameters: 'TOO_MANY_PARAMETERS',
  /** finetrack.json's sha256 does not match the weight bytes. */
  ChecksumMismatch: 'WEIGHT_CHECKSUM_MISMATCH',
  /** The weights do not fit the topology (names or shapes), found while building the model. */
  TopologyMismatch: 'TOPOLOGY_MISMATCH',
} as const;
export type ModelFileErrorCode = (typeof ModelFileErrorCode)[keyof typeof ModelFileErrorCode];

export class ModelFileError extends Error {
  constructor(
    readonly code: ModelFileErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ModelFileError';
  }
}
