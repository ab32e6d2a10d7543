import path from "node:path";
import { availableParallelism } from "node:os";

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

/** Every setting, read and checked once at start-up: a bad one stops the server before it serves. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const logLevel = env.LOG_LEVEL || "info";
  if (!LOG_LEVELS.includes(logLevel)) throw new Error(`LOG_LEVEL must be one of ${LOG_LEVELS.join(", ")}`);
  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) throw new Error("DATABASE_URL must be a postgresql:// URL");
  return {
    port: integer(env, "PORT", 4000, 0, 65535),
    host: env.HOST || "127.0.0.1",
    databaseUrl,
    dataDir: path.resolve(env.SOLVENT_DATA_DIR || ".solvent-data"),
    logLevel,
    // Postings are short single statements: a few connections per core keep PostgreSQL busy without queueing in it.
    poolSize: integer(env, "DB_POOL_SIZE", Math.max(4, availableParallelism() * 4), 1, 1000),
    production: env.NODE_ENV === "production",
    idempotencyRetentionHours: integer(env, "IDEMPOTENCY_RETENTION_HOURS", 24, 24, 24 * 365),
    idempotencyPurgeIntervalSeconds: integer(env, "IDEMPOTENCY_PURGE_INTERVAL_SECONDS", 600, 1, 86_400),
  };
}
