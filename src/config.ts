import path from "node:path";
import { availableParallelism } from "node:os";

/**
 * How callers prove who they are. "none" means nothing was configured: the
 * server then refuses to start, except on the embedded database, where it
 * signs tokens with a secret of its own for local use.
 */
export type AuthConfig =
  | { mode: "tokens"; secret?: Uint8Array; jwksUrl?: URL; issuer?: string; audience?: string }
  | { mode: "disabled" }
  | { mode: "none" };

export interface Limits {
  /** Mutations a subject may send per second, on average (0: no limit). */
  mutationsPerSecond: number;
  /** Mutations a subject may send at once after being idle. */
  mutationBurst: number;
  /** Deepest selection allowed. */
  maxDepth: number;
  /** Largest estimated cost of an operation: each field 1, a connection's fields times its `first`. */
  maxCost: number;
  /** Longest a request may take to arrive, and a statement to run. */
  requestTimeoutMs: number;
}

export interface Config {
  port: number;
  host: string;
  /** A PostgreSQL URL, or undefined for the embedded database. */
  databaseUrl?: string;
  /** Where the embedded database keeps its files. */
  dataDir: string;
  logLevel: string;
  /** Connections to PostgreSQL this process may hold. */
  poolSize: number;
  production: boolean;
  auth: AuthConfig;
  /** Schema introspection and the GraphiQL page at GET /graphql: on in development, off in production. */
  introspection: boolean;
  landingPage: boolean;
  limits: Limits;
  /** How long idempotency keys are kept, at least the 24 hours clients are promised. */
  idempotencyRetentionHours: number;
  /** How often expired idempotency keys are purged. */
  idempotencyPurgeIntervalSeconds: number;
}

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

/** Every setting, read and checked once at start-up: a bad one stops the server before it serves. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = env.LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new Error("DATABASE_URL must be a postgresql:// URL");
  const production = env.NODE_ENV === "production";
  const mutationsPerSecond = integer(env, "RATE_LIMIT_MUTATIONS_PER_SECOND", 100, 0, 1_000_000);
  return {
    port: integer(env, "PORT", 4000, 0, 65535),
    host: env.HOST || "127.0.0.1",
    databaseUrl,
    dataDir: path.resolve(env.SOLVENT_DATA_DIR || ".solvent-data"),
    logLevel,
    // Postings are short single statements: a few connections per core keep PostgreSQL busy without queueing in it.
    poolSize: integer(env, "DB_POOL_SIZE", Math.max(4, availableParallelism() * 4), 1, 1000),
    production,
    auth: authConfig(env),
    introspection: flag(env, "GRAPHQL_INTROSPECTION", !production),
    landingPage: flag(env, "GRAPHQL_LANDING_PAGE", !production),
    limits: {
      mutationsPerSecond,
      mutationBurst: integer(env, "RATE_LIMIT_MUTATION_BURST", Math.max(1, 2 * mutationsPerSecond), 1, 2_000_000),
      maxDepth: integer(env, "GRAPHQL_MAX_DEPTH", 10, 2, 100),
      maxCost: integer(env, "GRAPHQL_MAX_COST", 10_000, 10, 10_000_000),
      requestTimeoutMs: integer(env, "REQUEST_TIMEOUT_MS", 10_000, 100, 600_000),
    },
    idempotencyRetentionHours: integer(env, "IDEMPOTENCY_RETENTION_HOURS", 24, 24, 24 * 365),
    idempotencyPurgeIntervalSeconds: integer(env, "IDEMPOTENCY_PURGE_INTERVAL_SECONDS", 600, 1, 86_400),
  };
}
