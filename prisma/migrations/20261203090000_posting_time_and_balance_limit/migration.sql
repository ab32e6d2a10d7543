-- Two rules of every change to an account.
--
-- Time: an account's changes are stamped in the order they happen. The
-- stamp is the clock when the change is made (after waiting for the row's
-- lock), never earlier than the account's previous change, and a posting
-- carries its account's stamp. So along an account's versions createdAt
-- never decreases: history in time order is history in version order, and a
-- client syncing by time misses nothing. (The statement's start, now(), was
-- used before: a statement that waited for the lock posted after another
-- that had started later.)
--
-- Balance limit: a balance stays below BIGINT's range with room to spare,
-- so adding any amount (at most 10^15) to it cannot overflow: a credit past
-- the limit is refused like a debit past zero, not an arithmetic error.

CREATE FUNCTION "change_time"("previous" TIMESTAMPTZ) RETURNS TIMESTAMPTZ LANGUAGE sql VOLATILE AS $$
    SELECT GREATEST(clock_timestamp(), "previous")
$$;

-- In minor units; src/ledger/money.ts holds the same number (MAX_BALANCE_MINOR), checked by a test.
CREATE FUNCTION "balance_limit"() RETURNS BIGINT LANGUAGE sql IMMUTABLE AS $$
    SELECT 1000000000000000000::BIGINT
$$;

ALTER TABLE "accounts"
    ADD CONSTRAINT "accounts_balance_limit_check" CHECK ("balance" <= "balance_limit"());

-- Earlier postings on a contended account can be stamped out of version order by
-- the wait for its lock. Each such stamp becomes the latest stamp before it in
-- the account, a time between the posting's start and its commit, so the rule
-- above holds for the whole history. Nothing else about them changes.
ALTER TABLE "transactions" DISABLE TRIGGER "transactions_append_only";
UPDATE "transactions" t SET "created_at" = chained."at"
  FROM (SELECT "id", max("created_at") OVER (PARTITION BY "account_id" ORDER BY "account_version") AS "at"
          FROM "transactions") chained
 WHERE t."id" = chained."id" AND t."created_at" < chained."at";
ALTER TABLE "transactions" ENABLE TRIGGER "transactions_append_only";

-- History pages walk this index: time and version order are the same order now.
DROP INDEX "transactions_account_id_created_at_id_idx";
CREATE INDEX "transactions_account_id_created_at_account_version_idx" ON "transactions"("account_id", "created_at" DESC, "account_version" DESC);

-- move_funds as before, with the balance limit on the receiving account and
-- one stamp for both legs, after both accounts' previous changes.
CREATE OR REPLACE FUNCTION "move_funds"(
    "from_id" UUID, "to_id" UUID, "amount" BIGINT, "expected_from_version" INTEGER, "expected_to_version" INTEGER
) RETURNS SETOF "accounts" LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    "source" "accounts";
    "target" "accounts";
    "at" TIMESTAMPTZ;
BEGIN
    PERFORM 1 FROM "accounts" WHERE "id" IN ("from_id", "to_id") ORDER BY "id" FOR UPDATE;
    SELECT * INTO "source" FROM "accounts" WHERE "id" = "from_id";
    SELECT * INTO "target" FROM "accounts" WHERE "id" = "to_id";
    IF "source"."id" IS NULL OR "target"."id" IS NULL
       OR "source"."status" <> 'ACTIVE' OR "target"."status" <> 'ACTIVE'
       OR "source"."balance" < "amount"
       OR "target"."balance" > "balance_limit"() - "amount"
       OR ("expected_from_version" IS NOT NULL AND "source"."version" <> "expected_from_version")
       OR ("expected_to_version" IS NOT NULL AND "target"."version" <> "expected_to_version") THEN
        RETURN;
    END IF;
    "at" := "change_time"(GREATEST("source"."updated_at", "target"."updated_at"));
    RETURN QUERY
        UPDATE "accounts"
           SET "balance" = "balance" + CASE WHEN "id" = "from_id" THEN -"amount" ELSE "amount" END,
               "version" = "version" + 1,
               "updated_at" = "at"
         WHERE "id" IN ("from_id", "to_id")
        RETURNING *;
END
$$;

-- reverse_postings as before, with the balance limit on an account that gets
-- money back and one stamp for every account it moves.
CREATE OR REPLACE FUNCTION "reverse_postings"("transaction_id" UUID)
RETURNS TABLE ("original_id" UUID, "reversal_type" "TransactionType", "amount" BIGINT, "account" "accounts")
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    "ids" UUID[];
    "at" TIMESTAMPTZ;
BEGIN
    SELECT array_agg(t."id" ORDER BY t."id") INTO "ids"
      FROM "transactions" t
     WHERE t."id" = "transaction_id"
        OR t."transfer_id" = (SELECT o."transfer_id" FROM "transactions" o WHERE o."id" = "transaction_id");
    IF "ids" IS NULL THEN
        RETURN;
    END IF;
    PERFORM 1 FROM "transactions" t WHERE t."id" = ANY ("ids") ORDER BY t."id" FOR UPDATE;
    PERFORM 1 FROM "accounts" a
     WHERE a."id" IN (SELECT t."account_id" FROM "transactions" t WHERE t."id" = ANY ("ids"))
     ORDER BY a."id" FOR UPDATE;
    IF EXISTS (
        SELECT 1 FROM "transactions" t JOIN "accounts" a ON a."id" = t."account_id"
         WHERE t."id" = ANY ("ids")
           AND (t."status" <> 'POSTED' OR t."kind" = 'REVERSAL' OR a."status" <> 'ACTIVE'
                OR (t."type" = 'CREDIT' AND a."balance" < t."amount")
                OR (t."type" = 'DEBIT' AND a."balance" > "balance_limit"() - t."amount"))) THEN
        RETURN;
    END IF;
    SELECT "change_time"(max(a."updated_at")) INTO "at"
      FROM "accounts" a WHERE a."id" IN (SELECT t."account_id" FROM "transactions" t WHERE t."id" = ANY ("ids"));
    RETURN QUERY
        WITH "moves" AS (
            SELECT t."id", t."account_id", t."amount",
                   (CASE t."type" WHEN 'CREDIT' THEN 'DEBIT' ELSE 'CREDIT' END)::"TransactionType" AS "reversal_type"
              FROM "transactions" t WHERE t."id" = ANY ("ids")
        ), "moved" AS (
            UPDATE "accounts" a
               SET "balance" = a."balance" + CASE m."reversal_type" WHEN 'DEBIT' THEN -m."amount" ELSE m."amount" END,
                   "version" = a."version" + 1,
                   "updated_at" = "at"
              FROM "moves" m
             WHERE a."id" = m."account_id"
            RETURNING m."id" AS "original_id", m."reversal_type", m."amount", a
        )
        SELECT * FROM "moved";
    -- Marked after the accounts moved: the events of the originals carry the version the reversal leaves.
    UPDATE "transactions" t SET "status" = 'REVERSED' WHERE t."id" = ANY ("ids");
END
$$;
