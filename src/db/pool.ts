import pg from "pg";
import type { Pooler } from "../config";

export interface PoolOptions {
  max: number;
  pooler: Pooler;
  /** PostgreSQL cancels any statement that runs longer. */
  statementTimeoutMs?: number;
  /** ... or that waits longer for a lock. */
  lockTimeoutMs?: number;
  /** A query that cannot have a connection within this time fails. */
  connectionTimeoutMillis?: number;
  /** A connection idle for this long is closed. */
  idleTimeoutMillis?: number;
  /** node-postgres gives up waiting for an answer after this long (the connection is then dropped). */
  queryTimeoutMs?: number;
}

/**
 * A pool of connections to PostgreSQL, straight or through a pooler.
 * Straight, the timeouts are settings of each connection, sent when it opens.
 * A pooler in transaction mode refuses them there (PgBouncer 1.18:
 * "unsupported startup parameter"), and gives each transaction whichever
 * server connection is free, so a session setting would leak to other
 * clients: there each statement runs in a transaction of its own that sets
 * its timeouts with SET LOCAL, at the cost of two more round trips.
 */
export function createPool(url: string, { max, pooler, statementTimeoutMs, lockTimeoutMs, connectionTimeoutMillis, idleTimeoutMillis, queryTimeoutMs }: PoolOptions): pg.Pool {
  const config = { connectionString: url, max, connectionTimeoutMillis, idleTimeoutMillis, query_timeout: queryTimeoutMs };
  const timeouts = { statement_timeout: statementTimeoutMs, lock_timeout: lockTimeoutMs };
  if (pooler === "none") return new pg.Pool({ ...config, ...timeouts });
  const settings = Object.entries(timeouts).filter(([, ms]) => ms !== undefined);
  if (!settings.length) return new pg.Pool(config);
  return withTimeoutsPerTransaction(new pg.Pool(config), `BEGIN; ${settings.map(([name, ms]) => `SET LOCAL ${name} = ${Math.trunc(ms!)}`).join("; ")}`);
}

/** Every caller of pool.query (the ledger's Sql, Prisma's adapter, readiness) sends one statement and awaits the promise. */
function withTimeoutsPerTransaction(pool: pg.Pool, begin: string): pg.Pool {
  const query = async (statement: string | pg.QueryConfig, values?: unknown[]) => {
    const client = await pool.connect();
    try {
      await client.query(begin);
      const result = await client.query(statement, values);
      await client.query("COMMIT");
      client.release();
      return result;
    } catch (error) {
      // A connection that cannot even roll back is broken: the pool drops it.
      await client.query("ROLLBACK").then(
        () => client.release(),
        (rollbackError: Error) => client.release(rollbackError),
      );
      throw error;
    }
  };
  return Object.assign(pool, { query: query as pg.Pool["query"] });
}
