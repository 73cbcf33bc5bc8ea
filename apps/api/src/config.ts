import path from 'node:path';

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
  maxQueryDepth: number;
  maxQueryCost: number;
  sessionTtlHours: number;
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
  return {
    port: integer(env, 'PORT', 4000, 0, 65535),
    host: env.HOST || '127.0.0.1',
    databaseUrl,
    finetrackHome: path.resolve(env.FINETRACK_HOME || '.finetrack'),
    nodeEnv,
    webOrigins,
    logLevel: env.LOG_LEVEL || (nodeEnv === 'test' ? 'silent' : 'info'),
    bodyLimitBytes: integer(env, 'BODY_LIMIT_BYTES', 5 * 1024 * 1024, 1024, 100 * 1024 * 1024),
    maxQueryDepth: integer(env, 'MAX_QUERY_DEPTH', 12, 2, 100),
    maxQueryCost: integer(env, 'MAX_QUERY_COST', 50_000, 10, 10_000_000),
    sessionTtlHours: integer(env, 'SESSION_TTL_HOURS', 24 * 14, 1, 24 * 365),
  };
}
