import { resolve } from 'node:path';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface AuthConfig {
  /** HS256 shared secret (development and tests). */
  jwtSecret?: string;
  /** Remote JSON Web Key Set for RS256/ES256 tokens (Clerk in production). */
  jwksUrl?: string;
  issuer?: string;
  audience?: string;
  /** Least time between two key-set fetches caused by tokens naming an unknown key. */
  jwksCooldownMs: number;
}

export interface AppConfig {
  /** Unset: an embedded PostgreSQL keeps its data in `dataDir`. */
  databaseUrl?: string;
  dataDir: string;
  /** Streaming replicas that may serve queries (DATABASE_REPLICA_URLS). */
  databaseReplicaUrls: readonly string[];
  /** A replica further behind the primary than this is skipped until it catches up. */
  replicaMaxLagMs: number;
  port: number;
  host: string;
  logLevel: LogLevel;
  auth: AuthConfig;
  trustProxy: boolean;
  introspection: boolean;
  shutdownGraceMs: number;
  /** Live subscriptions one process serves at most (SUBSCRIPTIONS_MAX). */
  subscriptionsMax: number;
  statementTimeoutMs: number;
  production: boolean;
  /** Origins whose browser pages may call the API (CORS). */
  corsOrigins: readonly CorsOrigin[];
  /** Serve the offline GraphQL explorer on `GET /graphql` for browsers (never in production). */
  explorer: boolean;
  metrics: MetricsConfig;
  /** Server processes on one port (WEB_CONCURRENCY); above 1 a cluster primary forks that many workers. */
  webConcurrency: number;
  /**
   * Database connections one server process's pool may hold at most (DB_POOL_SIZE). With several
   * workers this is the wish: each gets less when N pools would not fit max_connections.
   */
  dbPoolSize: number;
}

/** An origin allowed by CORS: one port, or any port of the host (`http://localhost:*`). */
export interface CorsOrigin {
  protocol: 'http:' | 'https:';
  hostname: string;
  /** The port as a URL spells it ('' for the scheme's default), or 'any'. */
  port: string | 'any';
}

/** Where `/metrics` is served. */
export type MetricsConfig =
  | { on: 'api-port' }
  | { on: 'own-port'; port: number; host: string }
  /** Production without METRICS_PORT: the public port must not expose process internals. */
  | { on: 'nowhere' };

export class ConfigError extends Error {
  override name = 'ConfigError';
}

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

function parseInteger(name: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  }
  return value;
}

function parseBoolean(name: string, raw: string | undefined, fallback: boolean): boolean {
  if (raw === undefined || raw.trim() === '') return fallback;
  const normalized = raw.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(normalized)) return true;
  if (['0', 'false', 'no', 'off'].includes(normalized)) return false;
  throw new ConfigError(`${name} must be a boolean (true/false), got "${raw}"`);
}

/** "Set" means any value but an explicit no (0, false, no, off). */
function isSet(raw: string | undefined): boolean {
  const value = optional(raw)?.toLowerCase();
  return value !== undefined && !['0', 'false', 'no', 'off'].includes(value);
}

function optional(raw: string | undefined): string | undefined {
  return raw === undefined || raw.trim() === '' ? undefined : raw.trim();
}

const LOCAL_DEVELOPMENT_ORIGINS: readonly CorsOrigin[] = [
  { protocol: 'http:', hostname: 'localhost', port: 'any' },
  { protocol: 'http:', hostname: '127.0.0.1', port: 'any' },
];

function parseCorsOrigin(entry: string): CorsOrigin {
  const malformed = () =>
    new ConfigError(
      `CORS_ORIGINS: "${entry}" is not an origin; write scheme://host or scheme://host:port (:* for any port), e.g. https://app.example.com`,
    );
  const anyPort = entry.endsWith(':*');
  const spelled = anyPort ? entry.slice(0, -2) : entry;
  // An origin is scheme, host and port only: a path, query, fragment, credentials or wildcard host is a mistake.
  if (/[?#@*\\]/.test(spelled)) throw malformed();
  let url: URL;
  try {
    url = new URL(spelled);
  } catch {
    throw malformed();
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw malformed();
  if (url.pathname !== '/' || /^https?:\/\/[^/]+\/./i.test(spelled)) throw malformed();
  if (anyPort && url.port !== '') throw malformed();
  return { protocol: url.protocol, hostname: url.hostname, port: anyPort ? 'any' : url.port };
}

function parseCorsOrigins(raw: string | undefined, production: boolean): readonly CorsOrigin[] {
  const value = optional(raw);
  if (value === undefined) return production ? [] : LOCAL_DEVELOPMENT_ORIGINS;
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map(parseCorsOrigin);
}

function parseMetrics(env: NodeJS.ProcessEnv, production: boolean): MetricsConfig {
  const host = optional(env.METRICS_HOST) ?? '127.0.0.1';
  if (optional(env.METRICS_PORT) !== undefined) {
    return { on: 'own-port', port: parseInteger('METRICS_PORT', env.METRICS_PORT, 0, 0, 65535), host };
  }
  if (optional(env.METRICS_HOST) !== undefined) throw new ConfigError('METRICS_HOST needs METRICS_PORT');
  return production ? { on: 'nowhere' } : { on: 'api-port' };
}

function parseReplicaUrls(raw: string | undefined): readonly string[] {
  const value = optional(raw);
  if (value === undefined) return [];
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      if (!/^postgres(ql)?:\/\//.test(entry)) {
        throw new ConfigError(`DATABASE_REPLICA_URLS: entry ${index + 1} must start with postgres:// or postgresql://`);
      }
      try {
        new URL(entry);
      } catch {
        throw new ConfigError(`DATABASE_REPLICA_URLS: entry ${index + 1} is not a URL`);
      }
      return entry;
    });
}

/** Every environment variable the server reads, parsed and validated in one place. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  const databaseUrl = optional(env.DATABASE_URL);
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL must start with postgres:// or postgresql://');
  }
  const logLevel = (optional(env.LOG_LEVEL) ?? 'info') as LogLevel;
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}`);
  }
  const production = env.NODE_ENV === 'production';
  const jwksUrl = optional(env.AUTH_JWKS_URL);
  if (jwksUrl && !/^https?:\/\//.test(jwksUrl)) {
    throw new ConfigError('AUTH_JWKS_URL must be an http(s) URL');
  }
  return {
    databaseUrl,
    dataDir: resolve(optional(env.DATA_DIR) ?? '.data'),
    databaseReplicaUrls: parseReplicaUrls(env.DATABASE_REPLICA_URLS),
    replicaMaxLagMs: parseInteger('REPLICA_MAX_LAG_MS', env.REPLICA_MAX_LAG_MS, 5_000, 0, 3_600_000),
    port: parseInteger('PORT', env.PORT, 4000, 0, 65535),
    host: optional(env.HOST) ?? '127.0.0.1',
    logLevel,
    auth: {
      jwtSecret: optional(env.AUTH_JWT_SECRET),
      jwksUrl,
      issuer: optional(env.AUTH_ISSUER),
      audience: optional(env.AUTH_AUDIENCE),
      jwksCooldownMs: parseInteger('AUTH_JWKS_COOLDOWN_MS', env.AUTH_JWKS_COOLDOWN_MS, 30_000, 0, 3_600_000),
    },
    trustProxy: isSet(env.TRUST_PROXY),
    introspection: parseBoolean('GRAPHQL_INTROSPECTION', env.GRAPHQL_INTROSPECTION, !production),
    shutdownGraceMs: parseInteger('SHUTDOWN_GRACE_MS', env.SHUTDOWN_GRACE_MS, 10_000, 0, 600_000),
    subscriptionsMax: parseInteger('SUBSCRIPTIONS_MAX', env.SUBSCRIPTIONS_MAX, 10_000, 0, 1_000_000),
    statementTimeoutMs: parseInteger('DB_STATEMENT_TIMEOUT_MS', env.DB_STATEMENT_TIMEOUT_MS, 15_000, 0, 3_600_000),
    production,
    corsOrigins: parseCorsOrigins(env.CORS_ORIGINS, production),
    explorer: !production,
    metrics: parseMetrics(env, production),
    webConcurrency: parseInteger('WEB_CONCURRENCY', env.WEB_CONCURRENCY, 1, 1, 64),
    dbPoolSize: parseInteger('DB_POOL_SIZE', env.DB_POOL_SIZE, 10, 1, 1_000),
  };
}
