import pg from "pg";
import { readMigrations } from "../src/db/migrations";
import {
  CreditDocument,
  EntryOfTransactionDocument,
  LedgerTotalsDocument,
  ReverseTransactionDocument,
  TransactionByReferenceDocument,
} from "./generated/graphql";
import { key, startTestServer } from "./support/harness";
import { legacyDatabase } from "./support/legacyDatabase";
import { ledgerViolations } from "./support/ledgerInvariant";

/*
 * test/fixtures/pre-journal.sql is a ledger made through the API by the code
 * before the journal migration. Loaded into a database migrated as of then,
 * it is a sound ledger; the journal migration must convert it in place.
 */
const BEFORE = "20261203120000";

test("a ledger made before the journal is converted in place: every posting in a balanced entry, old keys replay, old entries reverse", async () => {
  const database = await legacyDatabase("prejournal", { before: BEFORE, fixture: "pre-journal.sql" });
  const sql = new pg.Pool({ connectionString: database.url, max: 1 });
  try {
    // Sound as that code saw it: every balance is the sum of its postings.
    const unbalanced = await sql.query(`
      SELECT a.id FROM accounts a
       WHERE a.balance <> (SELECT COALESCE(sum(CASE t.type WHEN 'CREDIT' THEN t.amount ELSE -t.amount END), 0)
                             FROM transactions t WHERE t.account_id = a.id)`);
    expect(unbalanced.rows).toEqual([]);
    const { rows } = await sql.query(`
      SELECT (SELECT count(*) FROM accounts)::int AS accounts,
             (SELECT count(DISTINCT currency) FROM accounts)::int AS currencies,
             (SELECT count(*) FROM accounts WHERE status = 'CLOSED')::int AS closed,
             (SELECT count(*) FROM accounts WHERE status = 'FROZEN' AND balance > 0)::int AS frozen,
             (SELECT count(*) FROM transactions)::int AS postings,
             (SELECT count(*) FROM transactions WHERE kind = 'REVERSAL')::int AS reversals,
             (SELECT count(*) FROM transactions WHERE status = 'REVERSED')::int AS reversed,
             (SELECT count(*) FROM idempotency_keys)::int AS keys`);
    expect(rows[0]).toEqual({ accounts: 8, currencies: 3, closed: 1, frozen: 1, postings: 25, reversals: 4, reversed: 4, keys: 23 });

    // The migrations named from BEFORE on convert it.
    expect(await database.migrate()).toEqual(readMigrations().migrationDirectories.map((m) => m.path).filter((name) => name >= BEFORE));
    expect(await ledgerViolations(sql)).toEqual([]);
    const { rows: entries } = await sql.query(`SELECT kind, count(*)::int AS n FROM journal_entries GROUP BY kind ORDER BY kind`);
    // 10 deposits (5 opening), 3 withdrawals, 4 transfers, and 3 reversals (the transfer's two legs are one).
    expect(entries).toEqual([
      { kind: "DEPOSIT", n: 10 },
      { kind: "WITHDRAWAL", n: 3 },
      { kind: "TRANSFER", n: 4 },
      { kind: "REVERSAL", n: 3 },
    ]);
    const { rows: keys } = await sql.query(`
      SELECT count(*)::int AS n FROM idempotency_keys k
       WHERE NOT (k.result ? 'transactionIds') AND NOT (k.result ? 'transferId')
         AND (EXISTS (SELECT 1 FROM journal_entries e WHERE e.id = (k.result ->> 'journalEntryId')::uuid)
              OR (k.operation = 'openAccount' AND k.result ? 'accountId' AND NOT (k.result ? 'journalEntryId')))`);
    expect(keys[0].n).toBe(23);
    // The keys were made when the fixture was; kept fresh so that the retention purge leaves them for the replays below.
    await sql.query(`UPDATE idempotency_keys SET created_at = now()`);

    const server = await startTestServer({ databaseUrl: database.url });
    try {
      const { ledgerTotals } = await server.query(LedgerTotalsDocument);
      expect(ledgerTotals).toEqual([
        { currency: "EUR", accountBalances: "9980.00", heldBalance: "0.00", netInflow: "9980.00", balanced: true },
        { currency: "JPY", accountBalances: expect.any(String), heldBalance: "0", netInflow: expect.any(String), balanced: true },
        { currency: "USD", accountBalances: expect.any(String), heldBalance: "0.00", netInflow: expect.any(String), balanced: true },
      ]);

      // A retry of a request answered before the conversion replays its answer.
      const admin = await server.as({ subject: "fixture-admin", role: "admin" });
      const payroll = (await admin.query(TransactionByReferenceDocument, { reference: "DEP-0001" })).transaction!;
      const replayed = await admin.query(CreditDocument, {
        input: {
          accountId: (await sql.query(`SELECT account_id FROM transactions WHERE id = $1`, [payroll.id])).rows[0].account_id,
          amount: "200.00",
          idempotencyKey: "credit-alice-savings-payroll",
          reference: "DEP-0001",
          description: "Payroll",
          metadata: { source: "payroll", batch: 7 },
        },
      });
      expect(replayed.credit).toMatchObject({ __typename: "PostingSuccess", replayed: true, transaction: { id: payroll.id } });

      // A transfer made before the conversion is one entry, reversed as a whole.
      const transfer = (await admin.query(TransactionByReferenceDocument, { reference: "XFER-0001" })).transaction!;
      const entry = (await admin.query(EntryOfTransactionDocument, { id: transfer.id })).transaction!.journalEntry;
      expect(entry).toMatchObject({ kind: "TRANSFER", settlement: null });
      expect(entry.transactions).toHaveLength(2);
      const reversed = await admin.query(ReverseTransactionDocument, { input: { transactionId: transfer.id, idempotencyKey: key() } });
      expect(reversed.reverseTransaction).toMatchObject({ __typename: "ReverseTransactionSuccess", original: { status: "REVERSED" } });
      expect(await ledgerViolations(sql)).toEqual([]);
    } finally {
      await server.stop();
    }
  } finally {
    await sql.end();
    await database.drop();
  }
});
