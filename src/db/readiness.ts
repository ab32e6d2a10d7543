import type { Pooler } from "../config";
import { createPool } from "./pool";

/** A readiness probe usually gives up after 1 s: the check answers within that, ready or not. */
const READINESS_TIMEOUT_MS = 1000;

export interface Readiness {
  /** Whether the database answers and has every expected migration; fails after READINESS_TIMEOUT_MS at most. */
  ready(): Promise<boolean>;
  close(): Promise<void>;
}

/**
 * Readiness asked on a connection of its own: behind the request pool, which
 * waiters on one held row can fill, /readyz would hang as long as the row
 * stays locked. Connecting and the query are both bounded; a connection
 * whose query timed out is dropped, not reused.
 */
export function readiness(url: string, pooler: Pooler, expectedMigrations: string[]): Readiness {
  const pool = createPool(url, {
    max: 1,
    pooler,
    connectionTimeoutMillis: READINESS_TIMEOUT_MS,
    queryTimeoutMs: READINESS_TIMEOUT_MS,
    statementTimeoutMs: READINESS_TIMEOUT_MS,
  });
  // A broken idle connection is replaced at the next check, which says whether the database answers.
  pool.on("error", () => {});
  return {
    async ready() {
      const { rows } = await pool.query<{ migration_name: string }>(
        "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL",
      );
      const applied = new Set(rows.map((row) => row.migration_name));
      return expectedMigrations.every((name) => applied.has(name));
    },
    close: () => pool.end(),
  };
}
