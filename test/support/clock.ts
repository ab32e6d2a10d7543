import type pg from "pg";

/**
 * Brings a PENDING hold's expiresAt forward to now (after its captures, so
 * that none was posted at or after it), as if the clock had jumped: the only
 * way to test expiry without waiting. The append-only trigger refuses such a
 * change, so it runs with triggers off, on a connection of its own.
 */
export async function expireHold(sql: pg.Pool, holdId: string): Promise<void> {
  const client = await sql.connect();
  try {
    await client.query("SET session_replication_role = replica");
    await client.query(
      `UPDATE holds h SET expires_at = e.at, created_at = LEAST(h.created_at, e.at - interval '1 millisecond')
         FROM (SELECT GREATEST(clock_timestamp(), (SELECT max(t.created_at) + interval '1 millisecond' FROM transactions t WHERE t.hold_id = $1)) AS at) e
        WHERE h.id = $1 AND h.status = 'PENDING'`,
      [holdId],
    );
    // Past it on every clock that compares (expiresAt is kept to the millisecond).
    await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    await client.query("RESET session_replication_role").catch(() => undefined);
    client.release();
  }
}
