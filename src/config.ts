import path from "node:path";
import { availableParallelism } from "node:os";
import type { Role } from "./ledger/caller";

/**
 * How callers prove who they are. "none" means nothing was configured: the
 * server then refuses to start, except on the embedded database, where it
 * signs tokens with a secret of its own for local use.
 */
export type AuthConfig =
  | { mode: "tokens"; secret?: Uint8Array; jwksUrl?: URL; issuer?: string; audience?: string }
  | { mode: "disabled" }
  | { mode: "none" };

/** A token bucket's settings. */
export interface MutationRate {
  /** Mutations a subject may send per second, on average (0: no limit). */
  perSecond: number;
  /** Mutations a subject may send at once after being idle. */
  burst: number;
}

export interface Limits {
  /** The mutation rate limit of each subject, by its role. */
  mutationRates: Record<Role, MutationRate>;
  /** Deepest selection allowed. */
  maxDepth: number;
  /** Largest estimated cost of an operation: each field 1, a connection's fields times its `first`. */
  maxCost: number;
  /** Longest a request may take to arrive, and a statement to run. */
  requestTimeoutMs: number;
}

/** Where events go besides the outbox and GraphQL subscriptions, and how hard the relay tries. */
export interface EventsConfig {
  /** The CloudEvents `source` of every event. */
  source: string;
  nats?: { url: string; stream: string; subjectPrefix: string };
  webhook?: { url: URL; secret: string; timeoutMs: number };
  /** Attempts per event and sink before it is given up on (dead-lettered). */
  maxAttempts: number;
  /** The first retry waits about this long; each next one twice as long, up to retryMaxMs. */
  retryBaseMs: number;
  retryMaxMs: number;
  /** How often an idle relay looks for new events. */
  pollIntervalMs: number;
  /** How long a relay owns the events it is sending: a relay that dies frees them after this. */
  leaseMs: number;
  /** How long delivered events stay in the outbox. */
  retentionHours: number;
}

export interface Config {
  port: number;
  host: string;
  /** A PostgreSQL URL, or undefined for the embedded database. */
  databaseUrl?: string;
  /** How DATABASE_URL reaches PostgreSQL: straight, or through a pooler in transaction mode (docs/scaling.md). */
  pooler: Pooler;
  /**
   * Where migrations run, when not on DATABASE_URL: straight to PostgreSQL.
   * They take a session lock, which a pooler in transaction mode would leave
   * on a server connection that other clients then get.
   */
  directDatabaseUrl?: string;
  /** Where the embedded database keeps its files. */
  dataDir: string;
  logLevel: string;
  /** Connections to PostgreSQL this process may hold. */
  poolSize: number;
  /** How many write statements (each a batch of entries) may run at once; writes arriving meanwhile wait and go together. */
  writeConcurrency: number;
  /** How long a request waits for one of those connections (a write: for its batch) before it is answered SERVICE_UNAVAILABLE. */
  poolTimeoutMs: number;
  /** How long a connection may stay idle in the pool before it is closed. */
  poolIdleTimeoutMs: number;
  /** How long a statement waits for a row lock: less than it may run, so waiters on a held row give their connections back sooner. */
  lockTimeoutMs: number;
  /** Prepare the ledger's statements once per connection (off by default behind a pooler in transaction mode). */
  preparedStatements: boolean;
  production: boolean;
  auth: AuthConfig;
  /** Schema introspection and the GraphiQL page at GET /graphql: on in development, off in production. */
  introspection: boolean;
  landingPage: boolean;
  limits: Limits;
  /** How long idempotency keys are kept, at least the 24 hours clients are promised. */
  idempotencyRetentionHours: number;
  /** How often expired idempotency keys and delivered events are purged. */
  idempotencyPurgeIntervalSeconds: number;
  events: EventsConfig;
  holds: HoldConfig;
  /** OpenTelemetry tracing, when OTEL_EXPORTER_OTLP_ENDPOINT is set. */
  tracing?: TracingConfig;
}

/** The exporter reads OTEL_EXPORTER_OTLP_ENDPOINT and its other settings itself (src/tracing.ts). */
export interface TracingConfig {
  /** The `service.name` of every span. */
  serviceName: string;
}

export interface HoldConfig {
  /** How long a hold lasts when authorizeHold gives no expiresAt. */
  defaultExpirySeconds: number;
  /** The latest expiresAt authorizeHold accepts, from now. */
  maxExpirySeconds: number;
  /** How often each process releases expired holds. */
  sweepIntervalMs: number;
}

/** "transaction": a pooler (PgBouncer pool_mode = transaction) may give each transaction another server connection. */
export type Pooler = "none" | "transaction";
const POOLERS: Pooler[] = ["none", "transaction"];

const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"];

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new Error(`${name} must be an integer from ${min} to ${max}, not "${raw}"`);
  }
  return value;
}

function flag(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  if (raw !== "true" && raw !== "false") throw new Error(`${name} must be true or false, not "${raw}"`);
  return raw === "true";
}

/** A rate limit: `perSecondName` (0: none), and `burstName`, twice the rate unless set. */
function mutationRate(env: NodeJS.ProcessEnv, perSecondName: string, burstName: string, defaultPerSecond: number): MutationRate {
  const perSecond = integer(env, perSecondName, defaultPerSecond, 0, 1_000_000);
  return { perSecond, burst: integer(env, burstName, Math.max(1, 2 * perSecond), 1, 2_000_000) };
}

/** Settings that were replaced: refused, so that a deployment still setting one does not silently lose its limit. */
const REPLACED_SETTINGS: Record<string, string> = {
  RATE_LIMIT_MUTATIONS_PER_SECOND: "RATE_LIMIT_CUSTOMER_MUTATIONS_PER_SECOND (and _TELLER_, _ADMIN_: limits are per role)",
  RATE_LIMIT_MUTATION_BURST: "RATE_LIMIT_CUSTOMER_MUTATION_BURST (and _TELLER_, _ADMIN_: limits are per role)",
};

function refuseReplacedSettings(env: NodeJS.ProcessEnv) {
  const name = Object.keys(REPLACED_SETTINGS).find((setting) => env[setting] !== undefined);
  if (name) throw new Error(`${name} is no longer read: use ${REPLACED_SETTINGS[name]}`);
}

/** HS256 needs a key of at least 256 bits. */
const MIN_SECRET_LENGTH = 32;

function authConfig(env: NodeJS.ProcessEnv): AuthConfig {
  const secret = env.AUTH_JWT_SECRET || undefined;
  const jwks = env.AUTH_JWKS_URL || undefined;
  if (flag(env, "AUTH_DISABLED", false)) {
    if (secret || jwks) throw new Error("AUTH_DISABLED=true cannot be combined with AUTH_JWT_SECRET or AUTH_JWKS_URL");
    return { mode: "disabled" };
  }
  if (!secret && !jwks) return { mode: "none" };
  if (secret && secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`AUTH_JWT_SECRET must be at least ${MIN_SECRET_LENGTH} characters`);
  }
  let jwksUrl: URL | undefined;
  if (jwks) {
    jwksUrl = URL.canParse(jwks) ? new URL(jwks) : undefined;
    if (!jwksUrl || !/^https?:$/.test(jwksUrl.protocol)) throw new Error("AUTH_JWKS_URL must be an http(s) URL");
  }
  return {
    mode: "tokens",
    secret: secret ? new TextEncoder().encode(secret) : undefined,
    jwksUrl,
    issuer: env.AUTH_JWT_ISSUER || undefined,
    audience: env.AUTH_JWT_AUDIENCE || undefined,
  };
}

/** NATS subject tokens: no dots, spaces or wildcards inside one. */
const SUBJECT_PREFIX = /^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$/;

function eventsConfig(env: NodeJS.ProcessEnv): EventsConfig {
  const natsUrl = env.EVENTS_NATS_URL || undefined;
  const webhookUrl = env.EVENTS_WEBHOOK_URL || undefined;
  const secret = env.EVENTS_WEBHOOK_SECRET || "";
  const subjectPrefix = env.EVENTS_NATS_SUBJECT_PREFIX || "solvent";
  if (!SUBJECT_PREFIX.test(subjectPrefix)) throw new Error("EVENTS_NATS_SUBJECT_PREFIX must be dot-separated NATS tokens");
  if (webhookUrl && !(URL.canParse(webhookUrl) && /^https?:$/.test(new URL(webhookUrl).protocol))) {
    throw new Error("EVENTS_WEBHOOK_URL must be an http(s) URL");
  }
  if (webhookUrl && secret.length < MIN_SECRET_LENGTH) {
    throw new Error(`EVENTS_WEBHOOK_SECRET must be at least ${MIN_SECRET_LENGTH} characters when EVENTS_WEBHOOK_URL is set`);
  }
  return {
    source: env.EVENTS_SOURCE || "urn:solvent:ledger",
    nats: natsUrl ? { url: natsUrl, stream: env.EVENTS_NATS_STREAM || "SOLVENT", subjectPrefix } : undefined,
    webhook: webhookUrl
      ? { url: new URL(webhookUrl), secret, timeoutMs: integer(env, "EVENTS_WEBHOOK_TIMEOUT_MS", 5000, 100, 120_000) }
      : undefined,
    maxAttempts: integer(env, "EVENTS_MAX_ATTEMPTS", 10, 1, 1000),
    retryBaseMs: integer(env, "EVENTS_RETRY_BASE_MS", 1000, 1, 3_600_000),
    retryMaxMs: integer(env, "EVENTS_RETRY_MAX_MS", 300_000, 1, 86_400_000),
    pollIntervalMs: integer(env, "EVENTS_POLL_INTERVAL_MS", 200, 10, 60_000),
    leaseMs: integer(env, "EVENTS_LEASE_MS", 60_000, 100, 3_600_000),
    retentionHours: integer(env, "EVENTS_RETENTION_HOURS", 168, 1, 24 * 3650),
  };
}

/**
 * DATABASE_URL, checked as node-postgres will read it: a URL that does not
 * parse (a port that is not a number), has no host, or has a malformed
 * %-escape would otherwise fail later, deep in the driver. The message never
 * repeats the URL: it may hold a password.
 */
function databaseUrl(env: NodeJS.ProcessEnv, name = "DATABASE_URL"): string | undefined {
  const raw = env[name] || undefined;
  if (!raw) return undefined;
  const url = URL.canParse(raw) ? new URL(raw) : undefined;
  if (!url || !/^postgres(ql)?:$/.test(url.protocol)) {
    throw new Error(`${name} must be a URL like postgresql://user:password@host:5432/database (with a numeric port, if any)`);
  }
  if (!url.hostname && !url.searchParams.get("host")) throw new Error(`${name} names no host`);
  try {
    for (const part of [url.username, url.password, url.hostname, url.pathname]) decodeURIComponent(part);
  } catch {
    throw new Error(`${name} has a malformed %-escape (write a literal % as %25)`);
  }
  return raw;
}

/** DB_POOLER, and the direct URL that transaction mode requires for migrations. */
function pooling(env: NodeJS.ProcessEnv) {
  const pooler = (env.DB_POOLER || "none") as Pooler;
  if (!POOLERS.includes(pooler)) throw new Error(`DB_POOLER must be one of ${POOLERS.join(", ")}, not "${env.DB_POOLER}"`);
  const directDatabaseUrl = databaseUrl(env, "DIRECT_DATABASE_URL");
  if (pooler === "transaction") {
    if (!env.DATABASE_URL) throw new Error("DB_POOLER=transaction needs DATABASE_URL (the pooler's address); the embedded database has no pooler");
    if (!directDatabaseUrl) throw new Error("DB_POOLER=transaction needs DIRECT_DATABASE_URL: migrations take a session lock, which must not go through the pooler");
  }
  return {
    pooler,
    directDatabaseUrl,
    // Named statements live in one server session; PgBouncer >= 1.21 with max_prepared_statements keeps them across (then set true).
    preparedStatements: flag(env, "DB_PREPARED_STATEMENTS", pooler !== "transaction"),
  };
}

/** A lock timeout at or above the statement timeout would never fire: the statement timeout would, later. */
function lockTimeoutMs(env: NodeJS.ProcessEnv, statementTimeoutMs: number): number {
  const lockTimeout = integer(env, "DB_LOCK_TIMEOUT_MS", Math.min(2000, Math.floor(statementTimeoutMs / 2)), 1, 600_000);
  if (lockTimeout >= statementTimeoutMs) {
    throw new Error(`DB_LOCK_TIMEOUT_MS (${lockTimeout}) must be below the statement timeout REQUEST_TIMEOUT_MS (${statementTimeoutMs})`);
  }
  return lockTimeout;
}

/** Every setting, read and checked once at start-up: a bad one stops the server before it serves. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = env.LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const production = env.NODE_ENV === "production";
  refuseReplacedSettings(env);
  const requestTimeoutMs = integer(env, "REQUEST_TIMEOUT_MS", 10_000, 100, 600_000);
  return {
    port: integer(env, "PORT", 4000, 0, 65535),
    host: env.HOST || "127.0.0.1",
    databaseUrl: databaseUrl(env),
    ...pooling(env),
    dataDir: path.resolve(env.SOLVENT_DATA_DIR || ".solvent-data"),
    logLevel,
    // Postings are short single statements: a few connections per core keep PostgreSQL busy without queueing in it.
    poolSize: integer(env, "DB_POOL_SIZE", Math.max(4, availableParallelism() * 4), 1, 1000),
    // About one write statement per core keeps PostgreSQL busy, and the writes that wait meanwhile go together: fewer
    // at once make bigger batches (on 2 cores, 2 wrote 6-17 % more than 4; 1 more debits but fewer transfers than 2).
    writeConcurrency: integer(env, "DB_WRITE_CONCURRENCY", Math.max(2, availableParallelism()), 1, 1000),
    // Queueing for a connection takes milliseconds under normal load; seconds mean the pool is stuck (on a lock, say).
    poolTimeoutMs: integer(env, "DB_POOL_TIMEOUT_MS", 5000, 1, 600_000),
    // A new connection's first ledger statement costs ~35 ms more than the next (PostgreSQL's catalog caches, the ledger's
    // PL/pgSQL compiled and planned): node-postgres's default of 10 s would make a request after every quiet spell pay it.
    poolIdleTimeoutMs: integer(env, "DB_POOL_IDLE_TIMEOUT_MS", 300_000, 1000, 86_400_000),
    lockTimeoutMs: lockTimeoutMs(env, requestTimeoutMs),
    production,
    auth: authConfig(env),
    introspection: flag(env, "GRAPHQL_INTROSPECTION", !production),
    landingPage: flag(env, "GRAPHQL_LANDING_PAGE", !production),
    limits: {
      // Customers are many and untrusted; staff are people and backend services, limited only when configured.
      mutationRates: {
        customer: mutationRate(env, "RATE_LIMIT_CUSTOMER_MUTATIONS_PER_SECOND", "RATE_LIMIT_CUSTOMER_MUTATION_BURST", 100),
        teller: mutationRate(env, "RATE_LIMIT_TELLER_MUTATIONS_PER_SECOND", "RATE_LIMIT_TELLER_MUTATION_BURST", 0),
        admin: mutationRate(env, "RATE_LIMIT_ADMIN_MUTATIONS_PER_SECOND", "RATE_LIMIT_ADMIN_MUTATION_BURST", 0),
      },
      maxDepth: integer(env, "GRAPHQL_MAX_DEPTH", 10, 2, 100),
      maxCost: integer(env, "GRAPHQL_MAX_COST", 10_000, 10, 10_000_000),
      requestTimeoutMs,
    },
    idempotencyRetentionHours: integer(env, "IDEMPOTENCY_RETENTION_HOURS", 24, 24, 24 * 365),
    idempotencyPurgeIntervalSeconds: integer(env, "IDEMPOTENCY_PURGE_INTERVAL_SECONDS", 600, 1, 86_400),
    events: eventsConfig(env),
    holds: holdConfig(env),
    tracing: tracingConfig(env),
  };
}

function tracingConfig(env: NodeJS.ProcessEnv): TracingConfig | undefined {
  const endpoint = env.OTEL_EXPORTER_OTLP_ENDPOINT || undefined;
  if (!endpoint) return undefined;
  if (!(URL.canParse(endpoint) && /^https?:$/.test(new URL(endpoint).protocol))) {
    throw new Error("OTEL_EXPORTER_OTLP_ENDPOINT must be an http(s) URL");
  }
  return { serviceName: env.OTEL_SERVICE_NAME || "solvent" };
}

function holdConfig(env: NodeJS.ProcessEnv): HoldConfig {
  const maxExpirySeconds = integer(env, "HOLD_MAX_EXPIRY_SECONDS", 30 * 86_400, 60, 3650 * 86_400);
  return {
    defaultExpirySeconds: integer(env, "HOLD_DEFAULT_EXPIRY_SECONDS", Math.min(7 * 86_400, maxExpirySeconds), 1, maxExpirySeconds),
    maxExpirySeconds,
    sweepIntervalMs: integer(env, "HOLD_SWEEP_INTERVAL_MS", 5000, 50, 3_600_000),
  };
}
