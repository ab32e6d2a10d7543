-- A reference is unique among the transactions of one owner's accounts, no
-- longer across the whole ledger: a customer must neither learn that another
-- owner used a reference nor be able to take it first. Accounts without an
-- owner (the bank's) are one owner, hence NULLS NOT DISTINCT.

-- AlterTable
ALTER TABLE "transactions" ADD COLUMN     "owner_id" VARCHAR(255);

-- An account's owner never changes, so the copy on its transactions stays true.
UPDATE "transactions" t SET "owner_id" = a."owner_id"
  FROM "accounts" a
 WHERE a."id" = t."account_id" AND a."owner_id" IS NOT NULL;

-- DropIndex
DROP INDEX "transactions_reference_key";

-- CreateIndex (Prisma's @@unique([reference, ownerId]), made partial and NULLS NOT DISTINCT by hand)
CREATE UNIQUE INDEX "transactions_reference_owner_id_key" ON "transactions"("reference", "owner_id") NULLS NOT DISTINCT
    WHERE "reference" IS NOT NULL;

-- The owner joins the columns no one may change.
CREATE OR REPLACE FUNCTION "transactions_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'transactions are append-only: reverse a transaction instead of deleting it'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW."id", NEW."reference", NEW."account_id", NEW."owner_id", NEW."type", NEW."kind", NEW."amount", NEW."balance_after",
        NEW."account_version", NEW."transfer_id", NEW."reversal_of_id", NEW."actor", NEW."created_at")
       IS DISTINCT FROM
       (OLD."id", OLD."reference", OLD."account_id", OLD."owner_id", OLD."type", OLD."kind", OLD."amount", OLD."balance_after",
        OLD."account_version", OLD."transfer_id", OLD."reversal_of_id", OLD."actor", OLD."created_at")
       OR (OLD."status" = 'REVERSED' AND NEW."status" <> 'REVERSED') THEN
        RAISE EXCEPTION 'only the description, metadata and status of a transaction may change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
