import { DatabaseError } from "pg";

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
