-- Reads whose cost must not grow with the data (docs/history-query-plan.md).
--
-- A history filter on kind, type or status that matches little walked the account's
-- whole history in the history index, dropping the rows that did not match: each of
-- these indexes leads with the account and the filtered column, so the page is the
-- front of one index range, in page order, whatever the filter's selectivity.
--
-- The customerName filter (ILIKE '%fragment%') scanned every account: a trigram index
-- finds the accounts whose name holds the fragment's trigrams. fastupdate off: with it,
-- new names wait in a pending list that every search reads through until a vacuum
-- merges it (up to 4 MB), and while it is long the planner prefers reading the whole
-- table. Accounts are opened seldom; the few trigrams of a name go straight in.
--
-- Each CREATE INDEX holds a SHARE lock on its table while it builds: reads go on, postings
-- and account changes wait (seconds per million rows). The migration runner sends a
-- migration as one script in one transaction, where CONCURRENTLY is refused; on a large
-- live ledger, build these first with CREATE INDEX CONCURRENTLY under the same names:
-- IF NOT EXISTS then skips them here.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE INDEX IF NOT EXISTS "transactions_account_id_kind_created_at_account_version_idx"
    ON "transactions"("account_id", "kind", "created_at" DESC, "account_version" DESC);
CREATE INDEX IF NOT EXISTS "transactions_account_id_type_created_at_account_version_idx"
    ON "transactions"("account_id", "type", "created_at" DESC, "account_version" DESC);
CREATE INDEX IF NOT EXISTS "transactions_account_id_status_created_at_account_version_idx"
    ON "transactions"("account_id", "status", "created_at" DESC, "account_version" DESC);

CREATE INDEX IF NOT EXISTS "accounts_customer_name_idx" ON "accounts" USING GIN ("customer_name" gin_trgm_ops) WITH (fastupdate = off);
