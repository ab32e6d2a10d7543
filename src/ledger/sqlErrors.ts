/** What PostgreSQL said, as Prisma's driver adapter passes it on. */
interface DriverCause {
  originalCode?: string;
  constraint?: { index?: string; fields?: string[] };
}

function cause(error: unknown): DriverCause | undefined {
  const meta = (error as { meta?: { driverAdapterError?: { cause?: DriverCause } } } | null)?.meta;
  return meta?.driverAdapterError?.cause;
}

/** The SQLSTATE of a failed statement, e.g. "23505". */
export function sqlState(error: unknown): string | undefined {
  return cause(error)?.originalCode;
}

/** The name of the unique index a statement collided with. */
export function uniqueViolation(error: unknown): string | undefined {
  return sqlState(error) === "23505" ? cause(error)?.constraint?.index : undefined;
}

/** Deadlocks and serialization failures: the statement did nothing and may simply run again. */
export function isRetryable(error: unknown): boolean {
  const state = sqlState(error);
  return state === "40P01" || state === "40001";
}
