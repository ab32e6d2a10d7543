import type pg from "pg";

/**
 * Brings PENDING holds' expiresAt forward to now (after their captures, so
 * that none was posted at or after it), as if the clock had jumped: the only
 * way to test expiry without waiting. Several holds expire in one statement,
 * so no sweep sees some of them expired and not the others. The append-only
 * trigger refuses such a change, so it runs with triggers off, in a
 * transaction of its own (SET LOCAL: the embedded database shares one session
 * among its connections).
 *
 * It changes holds the way the ledger does: under their accounts' locks, so
 * that no write in progress (a sweep, a debit) finds them unexpired in one
 * statement and expired in its next; and only forward, as the clock moves: a
 * hold already past its expiresAt keeps it. (Moved later while a sweep was
 * releasing it, a hold stayed PENDING with its account no longer holding it
 * back: a state the ledger, whose holds never change expiresAt, cannot reach.)
 */
export async function expireHold(sql: pg.Pool, ...holdIds: string[]): Promise<void> {
  const client = await sql.connect();
  try {
    await client.query("BEGIN");
    await client.query("SET LOCAL session_replication_role = replica");
    await client.query("SELECT 1 FROM accounts WHERE id IN (SELECT account_id FROM holds WHERE id = ANY($1::uuid[])) ORDER BY id FOR NO KEY UPDATE", [holdIds]);
    await client.query(
      `UPDATE holds h SET expires_at = e.at, created_at = LEAST(h.created_at, e.at - interval '1 millisecond')
         FROM (SELECT x.id, GREATEST(clock_timestamp(), (SELECT max(t.created_at) + interval '1 millisecond' FROM transactions t WHERE t.hold_id = x.id)) AS at
                 FROM unnest($1::uuid[]) x(id)) e
        WHERE h.id = e.id AND h.status = 'PENDING' AND h.expires_at > e.at`,
      [holdIds],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  } finally {
    client.release();
  }
  // Past it on every clock that compares (expiresAt is kept to the millisecond).
  await new Promise((resolve) => setTimeout(resolve, 5));
}
