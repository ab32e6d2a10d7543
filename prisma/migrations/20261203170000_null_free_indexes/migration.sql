-- Four indexes serve lookups by a reference that most rows do not have: the transactions of
-- a transfer, of a hold's captures, the reversal of a transaction or of a journal entry.
-- Indexed whole, every deposit and withdrawal wrote a NULL entry into each of them. Every
-- lookup that uses them compares with = or = ANY, which no NULL satisfies, so the planner
-- proves the predicate and uses them as before (generic plans included), and the ON DELETE
-- RESTRICT checks of the foreign keys look up by value too. Uniqueness is unchanged: NULLs
-- never collided. Measured with pgbench on the benchmark's database (PostgreSQL's CPU per
-- statement, three interleaved rounds): a debit 1.13-1.34 ms whole, 1.01-1.16 ms partial;
-- a transfer, whose two lines carry a transfer id, 1.29-1.43 against 1.27-1.39.
-- Each is rebuilt by one scan of its table, under a lock that holds writes back meanwhile.
-- schema.prisma declares them without the predicate, as it does the reference indexes.

DROP INDEX "transactions_transfer_id_idx";
CREATE INDEX "transactions_transfer_id_idx" ON "transactions"("transfer_id") WHERE "transfer_id" IS NOT NULL;

DROP INDEX "transactions_hold_id_idx";
CREATE INDEX "transactions_hold_id_idx" ON "transactions"("hold_id") WHERE "hold_id" IS NOT NULL;

DROP INDEX "transactions_reversal_of_id_key";
CREATE UNIQUE INDEX "transactions_reversal_of_id_key" ON "transactions"("reversal_of_id") WHERE "reversal_of_id" IS NOT NULL;

DROP INDEX "journal_entries_reversal_of_id_key";
CREATE UNIQUE INDEX "journal_entries_reversal_of_id_key" ON "journal_entries"("reversal_of_id") WHERE "reversal_of_id" IS NOT NULL;
