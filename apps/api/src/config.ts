import path from 'node:path';
import {
  DEFAULT_BODY_LIMIT_BYTES,
  DEFAULT_DATASET_ARCHIVE_LIMITS,
  DEFAULT_LEASE_SECONDS,
  INVITATIONS_PER_INVITER_PER_HOUR,
  INVITATIONS_PER_TEAM_PER_HOUR,
} from '@finetrack/shared';

export interface Config {
  port: number;
  host: string;
  /** Unset means: start an embedded PostgreSQL under `finetrackHome`. */
  databaseUrl: string | undefined;
  finetrackHome: string;
  nodeEnv: 'development' | 'production' | 'test';
  /** Origins allowed to call the API from a browser with credentials (CORS). */
  webOrigins: string[];
  logLevel: string;
  bodyLimitBytes: number;
  /** Metric batches of one team written at once per API process; more wait their turn. */
  teamMaxConcurrentWrites: number;
  /** Batches of one team that may wait; past them logMetrics answers RATE_LIMITED. */
  teamMaxQueuedWrites: number;
  /** Invitations one team may send per rolling hour (INVITATIONS_PER_TEAM_PER_HOUR). */
  invitationsPerTeamPerHour: number;
  /** Invitations one person may send per rolling hour (INVITATIONS_PER_INVITER_PER_HOUR). */
  invitationsPerInviterPerHour: number;
  /** Largest GraphQL answer sent; a larger one is replaced by a BAD_USER_INPUT error. */
  responseLimitBytes: number;
  /** Largest WebSocket message accepted; a larger one closes the socket (1009). */
  wsMaxMessageBytes: number;
  /** Subscriptions one socket may hold at once. */
  wsMaxSubscriptionsPerSocket: number;
  /** Sockets that may wait for their connection_init at once (each gets 3 s to send it). */
  wsMaxPendingSockets: number;
  maxQueryDepth: number;
  maxQueryCost: number;
  sessionTtlHours: number;
  /** How long a worker's claim lasts without a heartbeat (RUN_LEASE_SECONDS). */
  runLeaseSeconds: number;
  /**
   * How often a waiting claim looks at the queue unprompted (CLAIM_POLL_SECONDS). A run queued for
   * the team wakes waiting claims at once (NOTIFY); this bounds the wait when a notification is
   * lost, as while the listening connection reconnects.
   */
  claimPollSeconds: number;
  /** Where artifact files are stored (ARTIFACT_DIR, default `<FINETRACK_HOME>/artifacts`). */
  artifactDir: string;
  /** Largest artifact accepted (ARTIFACT_MAX_BYTES). */
  artifactMaxBytes: number;
  /**
   * Largest dataset archive an upload may announce (DATASET_MAX_ARCHIVE_BYTES, default the shared
   * limit); the other archive limits are the shared defaults.
   */
  datasetMaxArchiveBytes: number;
  /**
   * Hours an unfinished dataset upload is kept for resuming (UPLOAD_EXPIRY_HOURS, default 24);
   * older ones are deleted at start-up and hourly.
   */
  uploadExpiryHours: number;
  /** Largest total an archive may unpack to (DATASET_MAX_UNCOMPRESSED_BYTES, shared default). */
  datasetMaxUncompressedBytes: number;
  /** Seed the demo team, user, worker token and runs on first start (FINETRACK_DEMO=0 disables). */
  demo: boolean;
  demoEmail: string;
  /**
   * Instance administrators (FINETRACK_ADMIN_EMAILS, comma-separated, lower-cased): they may
   * create instance worker tokens, which serve every team of the install.
   */
  adminEmails: string[];
  /** Unset: a password is generated and printed once. */
  demoPassword: string | undefined;
  /** Web app address printed at start-up (WEB_URL). */
  webUrl: string;
  /**
   * Which proxies to believe about the client address (TRUST_PROXY): false (default: the socket's
   * peer is the client), true (any peer), or a comma-separated list of proxy addresses/CIDRs.
   * (Fastify ignores hop counts, so they are not offered.)
   */
  trustProxy: boolean | string[];
  /** Failed log-ins per account (email) in a window before RATE_LIMITED. */
  loginMaxFailuresPerAccount: number;
  /** Failed log-ins per client address in a window before RATE_LIMITED. */
  loginMaxFailuresPerAddress: number;
  loginFailureWindowSeconds: number;
  /**
   * Sign-ups per client address in a window before RATE_LIMITED (SIGNUP_MAX_PER_ADDRESS,
   * SIGNUP_WINDOW_SECONDS): each one costs an argon2 hash, so an unauthenticated caller could
   * otherwise keep the API's CPU busy.
   */
  signUpMaxPerAddress: number;
  signUpWindowSeconds: number;
}

/** An IPv4 address (four parts) or an IPv6 one (has a colon), with an optional /prefix. */
const ADDRESS_OR_CIDR = /^((\d{1,3}\.){3}\d{1,3}|[0-9a-fA-F:.]*:[0-9a-fA-F:.]*)(\/\d{1,3})?$/;

function trustProxy(raw: string | undefined): boolean | string[] {
  if (raw === undefined || raw === '' || raw === 'false') return false;
  if (raw === 'true') return true;
  const entries = raw
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean);
  for (const entry of entries)
    if (!ADDRESS_OR_CIDR.test(entry) && !/^(loopback|linklocal|uniquelocal)$/.test(entry))
      throw new ConfigError(
        `TRUST_PROXY must be true, false or proxy addresses/CIDRs, got "${entry}"`,
      );
  return entries;
}

export class ConfigError extends Error {
  override name = 'ConfigError';
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number) {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    throw new ConfigError(`${name} must be an integer from ${min} to ${max}, got "${raw}"`);
  return value;
}

/** Reads and validates the environment once; throws ConfigError naming the bad variable. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const nodeEnv = env.NODE_ENV ?? 'development';
  if (nodeEnv !== 'development' && nodeEnv !== 'production' && nodeEnv !== 'test')
    throw new ConfigError(`NODE_ENV must be development, production or test, got "${nodeEnv}"`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl))
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  const webOrigins = (env.WEB_ORIGIN ?? 'http://localhost:3000,http://127.0.0.1:3000')
    .split(',')
    .map((origin) => origin.trim().replace(/\/$/, ''))
    .filter(Boolean);
  for (const origin of webOrigins)
    if (!/^https?:\/\/[^/]+$/.test(origin))
      throw new ConfigError(`WEB_ORIGIN entries must look like http://host:port, got "${origin}"`);
  const finetrackHome = path.resolve(env.FINETRACK_HOME || '.finetrack');
  const demo = env.FINETRACK_DEMO ?? (nodeEnv === 'test' ? '0' : '1');
  if (demo !== '0' && demo !== '1')
    throw new ConfigError(`FINETRACK_DEMO must be 0 or 1, got "${demo}"`);
  const demoEmail = env.FINETRACK_DEMO_EMAIL || 'demo@finetrack.local';
  if (!/^[^@\s]+@[^@\s]+$/.test(demoEmail))
    throw new ConfigError('FINETRACK_DEMO_EMAIL must be an email address');
  const demoPassword = env.FINETRACK_DEMO_PASSWORD || undefined;
  if (demoPassword !== undefined && demoPassword.length < 8)
    throw new ConfigError('FINETRACK_DEMO_PASSWORD must have at least 8 characters');
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    finetrackHome,
    nodeEnv,
    webOrigins,
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    bodyLimitBytes: integer(
      env,
      'BODY_LIMIT_BYTES',
      DEFAULT_BODY_LIMIT_BYTES,
      1024,
      100 * 1024 * 1024,
    ),
    teamMaxConcurrentWrites: integer(env, 'TEAM_MAX_CONCURRENT_WRITES', 3, 1, 1000),
    teamMaxQueuedWrites: integer(env, 'TEAM_MAX_QUEUED_WRITES', 200, 0, 100_000),
    invitationsPerTeamPerHour: integer(
      env,
      'INVITATIONS_PER_TEAM_PER_HOUR',
      INVITATIONS_PER_TEAM_PER_HOUR,
      1,
      1_000_000,
    ),
    invitationsPerInviterPerHour: integer(
      env,
      'INVITATIONS_PER_INVITER_PER_HOUR',
      INVITATIONS_PER_INVITER_PER_HOUR,
      1,
      1_000_000,
    ),
    responseLimitBytes: integer(
      env,
      'RESPONSE_LIMIT_BYTES',
      32 * 1024 * 1024,
      1024,
      1024 * 1024 * 1024,
    ),
    wsMaxMessageBytes: integer(env, 'WS_MAX_MESSAGE_BYTES', 64 * 1024, 1024, 16 * 1024 * 1024),
    wsMaxSubscriptionsPerSocket: integer(env, 'WS_MAX_SUBSCRIPTIONS_PER_SOCKET', 50, 1, 10_000),
    wsMaxPendingSockets: integer(env, 'WS_MAX_PENDING_SOCKETS', 100, 1, 100_000),
    maxQueryDepth: integer(env, 'MAX_QUERY_DEPTH', 12, 2, 100),
    maxQueryCost: integer(env, 'MAX_QUERY_COST', 50_000, 10, 10_000_000),
    sessionTtlHours: integer(env, 'SESSION_TTL_HOURS', 24 * 14, 1, 24 * 365),
    runLeaseSeconds: integer(env, 'RUN_LEASE_SECONDS', DEFAULT_LEASE_SECONDS, 2, 3600),
    claimPollSeconds: integer(env, 'CLAIM_POLL_SECONDS', 2, 1, 3600),
    artifactDir: path.resolve(env.ARTIFACT_DIR || path.join(finetrackHome, 'artifacts')),
    artifactMaxBytes: integer(env, 'ARTIFACT_MAX_BYTES', 2 * 1024 ** 3, 1, 1024 ** 4),
    datasetMaxArchiveBytes: integer(
      env,
      'DATASET_MAX_ARCHIVE_BYTES',
      DEFAULT_DATASET_ARCHIVE_LIMITS.maxArchiveBytes,
      1,
      1024 ** 4,
    ),
    uploadExpiryHours: integer(env, 'UPLOAD_EXPIRY_HOURS', 24, 1, 24 * 365),
    datasetMaxUncompressedBytes: integer(
      env,
      'DATASET_MAX_UNCOMPRESSED_BYTES',
      DEFAULT_DATASET_ARCHIVE_LIMITS.maxUncompressedBytes,
      1,
      1024 ** 4,
    ),
    demo: demo === '1',
    demoEmail,
    adminEmails: (env.FINETRACK_ADMIN_EMAILS ?? '')
      .split(',')
      .map((email) => email.trim().toLowerCase())
      .filter(Boolean),
    demoPassword,
    webUrl: (env.WEB_URL || 'http://localhost:3000').replace(/\/$/, ''),
    trustProxy: trustProxy(env.TRUST_PROXY),
    loginMaxFailuresPerAccount: integer(env, 'LOGIN_MAX_FAILURES_PER_ACCOUNT', 10, 1, 1_000_000),
    loginMaxFailuresPerAddress: integer(env, 'LOGIN_MAX_FAILURES_PER_ADDRESS', 100, 1, 1_000_000),
    loginFailureWindowSeconds: integer(env, 'LOGIN_FAILURE_WINDOW_SECONDS', 300, 1, 86_400),
    signUpMaxPerAddress: integer(env, 'SIGNUP_MAX_PER_ADDRESS', 100, 1, 1_000_000),
    signUpWindowSeconds: integer(env, 'SIGNUP_WINDOW_SECONDS', 3600, 1, 7 * 86_400),
  };
}
