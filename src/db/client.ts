import { PrismaPg } from "@prisma/adapter-pg";
import type { Pooler } from "../config";
import { PrismaClient } from "./generated/prisma/client";
import { createPool } from "./pool";
import { Sql, type QueryListener } from "./sql";

export type Db = PrismaClient;
export type { QueryListener } from "./sql";

export interface DbOptions {
  poolSize: number;
  /** Straight to PostgreSQL (the default) or through a pooler in transaction mode (see createPool). */
  pooler?: Pooler;
  /** Told when an idle connection breaks (the pool replaces it at the next use). */
  onIdleError?: (error: Error) => void;
  /** PostgreSQL cancels any statement that runs longer. */
  statementTimeoutMs?: number;
  /** ... or that waits longer for a lock. */
  lockTimeoutMs?: number;
  /** A query that cannot have a connection of the pool within this time fails (see isDatabaseBusy). */
  poolTimeoutMs?: number;
  /** A connection idle for this long is closed (node-postgres's default: 10 s). */
  poolIdleTimeoutMs?: number;
  /** Whether the ledger's statements may be prepared once per connection (see Sql). */
  preparedStatements?: boolean;
  onQuery?: QueryListener;
}

/** Prisma, and the ledger's own statements, on one pool of connections. */
export interface Database {
  db: Db;
  sql: Sql;
  close(): Promise<void>;
}

export function createDatabase(
  url: string,
  { poolSize, pooler = "none", statementTimeoutMs, lockTimeoutMs, poolTimeoutMs, poolIdleTimeoutMs, preparedStatements = true, onQuery, onIdleError = () => {} }: DbOptions,
): Database {
  const pool = createPool(url, {
    max: poolSize,
    pooler,
    statementTimeoutMs,
    lockTimeoutMs,
    connectionTimeoutMillis: poolTimeoutMs,
    idleTimeoutMillis: poolIdleTimeoutMs,
  });
  pool.on("error", onIdleError);
  const adapter = new PrismaPg(pool);
  const db = onQuery ? new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] }) : new PrismaClient({ adapter });
  if (onQuery) {
    (db as PrismaClient<"query">).$on("query", (event) => onQuery(event.query, event.duration, JSON.parse(event.params) as unknown[]));
  }
  return {
    db: db as Db,
    sql: new Sql(pool, { prepared: preparedStatements, onQuery }),
    async close() {
      await db.$disconnect();
      await pool.end();
    },
  };
}
