import { randomInt, randomUUID } from "node:crypto";
import type pg from "pg";

/**
 * Runs `check` with an account in a currency the running server never loaded
 * (added after it started): formatting that account's balance fails inside
 * the server, an internal fault a test can cause at will. Cleans up after.
 */
export async function withFaultyAccount(sql: pg.Pool, currency: string, check: (accountId: string) => Promise<void>) {
  const id = randomUUID();
  await sql.query("INSERT INTO currencies (code, minor_units) VALUES ($1, 2)", [currency]);
  await sql.query("INSERT INTO accounts (id, account_number, customer_name, type, currency) VALUES ($1, $2, 'Fault', 'CHECKING', $3)", [
    id,
    String(randomInt(100_000_000, 999_999_999)),
    currency,
  ]);
  try {
    await check(id);
  } finally {
    await sql.query("DELETE FROM accounts WHERE id = $1", [id]);
    await sql.query("DELETE FROM currencies WHERE code = $1", [currency]);
  }
}
