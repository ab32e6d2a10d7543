import { DatabaseError } from "pg";
import { BatchWaitTimeout } from "./batches";

/** What PostgreSQL said, as Prisma's driver adapter passes it on. */
interface DriverCause {
  originalCode?: string;
  constraint?: { index?: string; fields?: string[] };
}

function cause(error: unknown): DriverCause | undefined {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: DriverCause } } } | null)?.meta;
  return meta?.driverAdapterError?.cause;
}

/** The SQLSTATE of a failed statement, e.g. "23505", whether it came through Prisma or straight from node-postgres. */
export function sqlState(error: unknown): string | undefined {
  return error instanceof DatabaseError ? error.code : cause(error)?.originalCode;
}

/** The name of the unique index a statement collided with. */
export function uniqueViolation(error: unknown): string | undefined {
  if (sqlState(error) !== "23505") return undefined;
  return error instanceof DatabaseError ? error.constraint : cause(error)?.constraint?.index;
}

/** Deadlocks and serialization failures: the statement did nothing and may simply run again. */
export function isRetryable(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40P01" || state === "40001";
}

/** What node-postgres's pool says when no connection could be had within connectionTimeoutMillis (it gives them no code). */
const POOL_TIMEOUTS = new Set(["timeout exceeded when trying to connect", "Connection terminated due to connection timeout"]);

/**
 * The database did not get to a statement in time: no connection of the
 * pool (or, for a write, no place in a batch) came free, a lock was not granted within lock_timeout (55P03), or
 * the statement ran out of statement_timeout (57014). The statement never
 * ran or was cancelled and its transaction rolled back, so nothing was
 * changed; the same request may be sent again. Prisma passes a pool timeout
 * on as it is, and a database error with its SQLSTATE (see sqlState).
 */
export function isDatabaseBusy(error: unknown): boolean {
  const state = sqlState(error);
  return (
    state === "55P03" || state === "57014" || error instanceof BatchWaitTimeout || (error instanceof Error && POOL_TIMEOUTS.has(error.message))
  );
}
