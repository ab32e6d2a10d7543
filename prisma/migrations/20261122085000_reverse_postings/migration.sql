-- Reverses a posting, and the other leg too when it belongs to a transfer, or
-- does nothing and returns no row.
--
-- The originals are locked first (two racing reversals queue on them; the
-- second finds them REVERSED), then their accounts in id order (as move_funds
-- does, so reversals and transfers cannot deadlock). Every check then runs on
-- fresh snapshots taken after the locks: the originals must be POSTED and not
-- reversals themselves, the accounts ACTIVE, and an account that gives money
-- back must hold it. Only then are the accounts moved and the originals marked
-- REVERSED. Returns, per original: its id, the account after the
-- reversal, and the reversal's direction.
CREATE FUNCTION "reverse_postings"("transaction_id" UUID)
RETURNS TABLE ("original_id" UUID, "reversal_type" "TransactionType", "amount" BIGINT, "account" "accounts")
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    "ids" UUID[];
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
                OR (t."type" = 'CREDIT' AND a."balance" < t."amount"))) THEN
        RETURN;
    END IF;
    RETURN QUERY
        WITH "moves" AS (
            SELECT t."id", t."account_id", t."amount",
                   (CASE t."type" WHEN 'CREDIT' THEN 'DEBIT' ELSE 'CREDIT' END)::"TransactionType" AS "reversal_type"
              FROM "transactions" t WHERE t."id" = ANY ("ids")
        ), "moved" AS (
            UPDATE "accounts" a
               SET "balance" = a."balance" + CASE m."reversal_type" WHEN 'DEBIT' THEN -m."amount" ELSE m."amount" END,
                   "version" = a."version" + 1,
                   "updated_at" = now()
              FROM "moves" m
             WHERE a."id" = m."account_id"
            RETURNING m."id" AS "original_id", m."reversal_type", m."amount", a
        )
        SELECT * FROM "moved";
    -- Marked after the accounts moved: the events of the originals carry the version the reversal leaves.
    UPDATE "transactions" t SET "status" = 'REVERSED' WHERE t."id" = ANY ("ids");
END
$$;
