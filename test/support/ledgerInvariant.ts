import type pg from "pg";

/*
 * The promise of the ledger, checked against the database itself:
 * - every balance equals the sum of its account's postings;
 * - each account's postings, in version order, add up step by step to their balanceAfter;
 * - along an account's versions, createdAt never decreases (posting order is time order);
 * - no balance is negative;
 * - every journal entry balances: its lines add up to its settlement line, in its currency,
 *   and it has at least two lines counting the settlement line;
 * - per currency, the balances of all accounts equal the net inflow through settlement;
 * - what an account holds back is the sum of what its PENDING holds have left, and never more
 *   than its balance; a hold never captures and releases more than its amount, is settled in
 *   full once it is no longer PENDING, and no capture was posted at or after its expiresAt.
 * Returns the list of broken rules (empty when the ledger is sound).
 */
export async function ledgerViolations(sql: pg.Pool): Promise<string[]> {
  const broken: string[] = [];
  const unbalanced = await sql.query(`
    SELECT a.id, a.balance, COALESCE(SUM(CASE t.type WHEN 'CREDIT' THEN t.amount ELSE -t.amount END), 0) AS posted
      FROM accounts a LEFT JOIN transactions t ON t.account_id = a.id
     GROUP BY a.id, a.balance
    HAVING a.balance <> COALESCE(SUM(CASE t.type WHEN 'CREDIT' THEN t.amount ELSE -t.amount END), 0)`);
  for (const row of unbalanced.rows) broken.push(`account ${row.id}: balance ${row.balance} but postings sum to ${row.posted}`);

  const chain = await sql.query(`
    SELECT account_id, account_version, balance_after, running FROM (
      SELECT account_id, account_version, balance_after,
             SUM(CASE type WHEN 'CREDIT' THEN amount ELSE -amount END)
               OVER (PARTITION BY account_id ORDER BY account_version) AS running
        FROM transactions) s
     WHERE balance_after <> running OR running < 0`);
  for (const row of chain.rows) {
    broken.push(`account ${row.account_id} v${row.account_version}: balanceAfter ${row.balance_after}, running sum ${row.running}`);
  }

  const backwards = await sql.query(`
    SELECT account_id, account_version, created_at, before FROM (
      SELECT account_id, account_version, created_at,
             lag(created_at) OVER (PARTITION BY account_id ORDER BY account_version) AS before
        FROM transactions) s
     WHERE created_at < before`);
  for (const row of backwards.rows) {
    broken.push(`account ${row.account_id} v${row.account_version}: createdAt ${row.created_at.toISOString()} before v${row.account_version - 1}'s ${row.before.toISOString()}`);
  }

  const negative = await sql.query(`SELECT id, balance FROM accounts WHERE balance < 0`);
  for (const row of negative.rows) broken.push(`account ${row.id}: negative balance ${row.balance}`);

  const entries = await sql.query(`
    SELECT e.id, e.settlement, count(t.id) AS lines, COALESCE(sum(CASE t.type WHEN 'CREDIT' THEN t.amount ELSE -t.amount END), 0) AS net,
           count(*) FILTER (WHERE a.currency <> e.currency) AS foreign_lines
      FROM journal_entries e LEFT JOIN transactions t ON t.journal_entry_id = e.id LEFT JOIN accounts a ON a.id = t.account_id
     GROUP BY e.id, e.settlement
    HAVING COALESCE(sum(CASE t.type WHEN 'CREDIT' THEN t.amount ELSE -t.amount END), 0) <> e.settlement
        OR count(*) FILTER (WHERE a.currency <> e.currency) > 0
        OR count(t.id) + (e.settlement <> 0)::int < 2`);
  for (const row of entries.rows) {
    broken.push(`journal entry ${row.id}: ${row.lines} lines add up to ${row.net} (${row.foreign_lines} in another currency), settlement ${row.settlement}`);
  }

  const totals = await sql.query(`
    SELECT COALESCE(a.currency, e.currency) AS currency, COALESCE(a.balances, 0) AS balances, COALESCE(e.inflow, 0) AS inflow
      FROM (SELECT currency, sum(balance) AS balances FROM accounts GROUP BY currency) a
      FULL JOIN (SELECT currency, sum(settlement) AS inflow FROM journal_entries GROUP BY currency) e ON e.currency = a.currency
     WHERE COALESCE(a.balances, 0) <> COALESCE(e.inflow, 0)`);
  for (const row of totals.rows) {
    broken.push(`${row.currency}: accounts hold ${row.balances} but the net inflow through settlement is ${row.inflow}`);
  }
  const held = await sql.query(`
    SELECT a.id, a.held, a.balance, COALESCE(h.remaining, 0) AS remaining
      FROM accounts a
      LEFT JOIN (SELECT account_id, sum(amount - captured - released) AS remaining FROM holds WHERE status = 'PENDING' GROUP BY account_id) h
        ON h.account_id = a.id
     WHERE a.held <> COALESCE(h.remaining, 0) OR a.held > a.balance`);
  for (const row of held.rows) broken.push(`account ${row.id}: holds back ${row.held} of ${row.balance}, its PENDING holds have ${row.remaining} left`);

  const holds = await sql.query(`
    SELECT h.id, h.status, h.amount, h.captured, h.released,
           (SELECT COALESCE(sum(t.amount), 0) FROM transactions t WHERE t.hold_id = h.id AND t.account_id = h.account_id) AS posted,
           (SELECT count(*) FROM transactions t WHERE t.hold_id = h.id AND t.created_at >= h.expires_at) AS late
      FROM holds h`);
  for (const row of holds.rows) {
    const [amount, captured, released, posted] = [row.amount, row.captured, row.released, row.posted].map(BigInt);
    if (captured + released > amount || (row.status !== "PENDING" && captured + released !== amount) || posted !== captured || Number(row.late) > 0) {
      broken.push(`hold ${row.id} (${row.status}): amount ${amount}, captured ${captured} (posted ${posted}), released ${released}, ${row.late} captures at or after expiry`);
    }
  }
  return broken;
}

/** A digest of every row the API can write: equal digests mean nothing changed. */
export async function databaseDigest(sql: pg.Pool): Promise<string> {
  const { rows } = await sql.query(`
    SELECT (SELECT md5(COALESCE(string_agg(a::text, '|' ORDER BY id), '')) FROM accounts a) ||
           (SELECT md5(COALESCE(string_agg(t::text, '|' ORDER BY id), '')) FROM transactions t) ||
           (SELECT md5(COALESCE(string_agg(e::text, '|' ORDER BY id), '')) FROM journal_entries e) ||
           (SELECT md5(COALESCE(string_agg(k::text, '|' ORDER BY scope, key), '')) FROM idempotency_keys k) AS digest`);
  return rows[0].digest;
}
