import type pg from "pg";

/**
 * Brings PENDING holds' expiresAt forward to now (after their captures, so
 * that none was posted at or after it), as if the clock had jumped: the only
 * way to test expiry without waiting. Several holds expire in one statement,
 * so no sweep sees some of them expired and not the others. The append-only
 * trigger refuses such a change, so it runs with triggers off, on a
 * connection of its own.
 */
export async function expireHold(sql: pg.Pool, ...holdIds: string[]): Promise<void> {
  const client = await sql.connect();
  try {
    await client.query("SET session_replication_role = replica");
    await client.query(
      `UPDATE holds h SET expires_at = e.at, created_at = LEAST(h.created_at, e.at - interval '1 millisecond')
         FROM (SELECT x.id, GREATEST(clock_timestamp(), (SELECT max(t.created_at) + interval '1 millisecond' FROM transactions t WHERE t.hold_id = x.id)) AS at
                 FROM unnest($1::uuid[]) x(id)) e
        WHERE h.id = e.id AND h.status = 'PENDING'`,
      [holdIds],
    );
    // Past it on every clock that compares (expiresAt is kept to the millisecond).
    await new Promise((resolve) => setTimeout(resolve, 5));
  } finally {
    await client.query("RESET session_replication_role").catch(() => undefined);
    client.release();
  }
}
