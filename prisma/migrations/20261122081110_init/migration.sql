-- CreateEnum
CREATE TYPE "AccountType" AS ENUM ('CHECKING', 'SAVINGS');

-- CreateEnum
CREATE TYPE "AccountStatus" AS ENUM ('ACTIVE', 'FROZEN', 'CLOSED');

-- CreateEnum
CREATE TYPE "TransactionType" AS ENUM ('CREDIT', 'DEBIT');

-- CreateEnum
CREATE TYPE "TransactionKind" AS ENUM ('DEPOSIT', 'WITHDRAWAL', 'TRANSFER', 'REVERSAL');

-- CreateEnum
CREATE TYPE "TransactionStatus" AS ENUM ('POSTED', 'REVERSED');

-- CreateTable
CREATE TABLE "currencies" (
    "code" CHAR(3) NOT NULL,
    "minor_units" SMALLINT NOT NULL,

    CONSTRAINT "currencies_pkey" PRIMARY KEY ("code")
);

-- CreateTable
CREATE TABLE "accounts" (
    "id" UUID NOT NULL,
    "account_number" VARCHAR(34) NOT NULL,
    "owner_id" VARCHAR(255),
    "customer_name" VARCHAR(200) NOT NULL,
    "type" "AccountType" NOT NULL,
    "status" "AccountStatus" NOT NULL DEFAULT 'ACTIVE',
    "currency" CHAR(3) NOT NULL,
    "balance" BIGINT NOT NULL DEFAULT 0,
    "version" INTEGER NOT NULL DEFAULT 0,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "closed_at" TIMESTAMPTZ(3),

    CONSTRAINT "accounts_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "transactions" (
    "id" UUID NOT NULL,
    "reference" VARCHAR(255),
    "account_id" UUID NOT NULL,
    "type" "TransactionType" NOT NULL,
    "kind" "TransactionKind" NOT NULL,
    "amount" BIGINT NOT NULL,
    "balance_after" BIGINT NOT NULL,
    "account_version" INTEGER NOT NULL,
    "status" "TransactionStatus" NOT NULL DEFAULT 'POSTED',
    "description" VARCHAR(1000),
    "metadata" JSONB,
    "transfer_id" UUID,
    "reversal_of_id" UUID,
    "actor" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "transactions_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "idempotency_keys" (
    "scope" VARCHAR(255) NOT NULL,
    "key" VARCHAR(255) NOT NULL,
    "operation" VARCHAR(64) NOT NULL,
    "fingerprint" CHAR(64) NOT NULL,
    "result" JSONB NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "idempotency_keys_pkey" PRIMARY KEY ("scope","key")
);

-- CreateIndex
CREATE UNIQUE INDEX "accounts_account_number_key" ON "accounts"("account_number");

-- CreateIndex
CREATE INDEX "accounts_owner_id_idx" ON "accounts"("owner_id");

-- CreateIndex
CREATE INDEX "accounts_created_at_id_idx" ON "accounts"("created_at" DESC, "id" DESC);

-- CreateIndex
CREATE UNIQUE INDEX "transactions_reference_key" ON "transactions"("reference");

-- CreateIndex
CREATE UNIQUE INDEX "transactions_reversal_of_id_key" ON "transactions"("reversal_of_id");

-- CreateIndex
CREATE INDEX "transactions_account_id_created_at_id_idx" ON "transactions"("account_id", "created_at" DESC, "id" DESC);

-- CreateIndex
CREATE INDEX "transactions_transfer_id_idx" ON "transactions"("transfer_id");

-- CreateIndex
CREATE UNIQUE INDEX "transactions_account_id_account_version_key" ON "transactions"("account_id", "account_version");

-- CreateIndex
CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys"("created_at");

-- AddForeignKey
ALTER TABLE "accounts" ADD CONSTRAINT "accounts_currency_fkey" FOREIGN KEY ("currency") REFERENCES "currencies"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_reversal_of_id_fkey" FOREIGN KEY ("reversal_of_id") REFERENCES "transactions"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Rules the Prisma schema cannot express. The database is the last line of
-- defence: whatever the application does, these cannot be broken.

ALTER TABLE "currencies"
    ADD CONSTRAINT "currencies_code_check" CHECK ("code" ~ '^[A-Z]{3}$'),
    ADD CONSTRAINT "currencies_minor_units_check" CHECK ("minor_units" BETWEEN 0 AND 4);

ALTER TABLE "accounts"
    ADD CONSTRAINT "accounts_balance_check" CHECK ("balance" >= 0),
    ADD CONSTRAINT "accounts_version_check" CHECK ("version" >= 0),
    ADD CONSTRAINT "accounts_account_number_check" CHECK ("account_number" ~ '^[0-9]{6,34}$'),
    ADD CONSTRAINT "accounts_customer_name_check" CHECK (length(btrim("customer_name")) > 0),
    ADD CONSTRAINT "accounts_closed_check" CHECK (("status" = 'CLOSED') = ("closed_at" IS NOT NULL)),
    ADD CONSTRAINT "accounts_closed_balance_check" CHECK ("status" <> 'CLOSED' OR "balance" = 0);

ALTER TABLE "transactions"
    ADD CONSTRAINT "transactions_amount_check" CHECK ("amount" > 0),
    ADD CONSTRAINT "transactions_balance_after_check" CHECK ("balance_after" >= 0),
    ADD CONSTRAINT "transactions_account_version_check" CHECK ("account_version" >= 1),
    ADD CONSTRAINT "transactions_kind_type_check" CHECK (
        ("kind" <> 'DEPOSIT' OR "type" = 'CREDIT') AND ("kind" <> 'WITHDRAWAL' OR "type" = 'DEBIT')),
    ADD CONSTRAINT "transactions_transfer_check" CHECK ("kind" <> 'TRANSFER' OR "transfer_id" IS NOT NULL),
    ADD CONSTRAINT "transactions_reversal_check" CHECK (("kind" = 'REVERSAL') = ("reversal_of_id" IS NOT NULL));

ALTER TABLE "idempotency_keys"
    ADD CONSTRAINT "idempotency_keys_key_check" CHECK (length("key") >= 1);

-- Postings are append-only: only their annotations and their status (POSTED ->
-- REVERSED, once) may change, and no row is ever deleted.
CREATE FUNCTION "transactions_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'transactions are append-only: reverse a transaction instead of deleting it'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW."id", NEW."reference", NEW."account_id", NEW."type", NEW."kind", NEW."amount", NEW."balance_after",
        NEW."account_version", NEW."transfer_id", NEW."reversal_of_id", NEW."actor", NEW."created_at")
       IS DISTINCT FROM
       (OLD."id", OLD."reference", OLD."account_id", OLD."type", OLD."kind", OLD."amount", OLD."balance_after",
        OLD."account_version", OLD."transfer_id", OLD."reversal_of_id", OLD."actor", OLD."created_at")
       OR (OLD."status" = 'REVERSED' AND NEW."status" <> 'REVERSED') THEN
        RAISE EXCEPTION 'only the description, metadata and status of a transaction may change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER "transactions_append_only"
    BEFORE UPDATE OR DELETE ON "transactions"
    FOR EACH ROW EXECUTE FUNCTION "transactions_append_only"();

-- ISO 4217 currencies the ledger accepts, with their minor-unit digits.
INSERT INTO "currencies" ("code", "minor_units") VALUES
    ('USD', 2), ('EUR', 2), ('GBP', 2), ('CHF', 2), ('CAD', 2), ('AUD', 2), ('NZD', 2),
    ('SEK', 2), ('NOK', 2), ('DKK', 2), ('PLN', 2), ('CZK', 2), ('HUF', 2), ('RON', 2),
    ('CNY', 2), ('HKD', 2), ('SGD', 2), ('INR', 2), ('MXN', 2), ('BRL', 2), ('ZAR', 2),
    ('TRY', 2), ('ILS', 2), ('AED', 2), ('SAR', 2), ('THB', 2), ('PHP', 2), ('MYR', 2),
    ('JPY', 0), ('KRW', 0), ('ISK', 0), ('CLP', 0), ('VND', 0), ('UGX', 0), ('XOF', 0), ('XAF', 0),
    ('KWD', 3), ('BHD', 3), ('OMR', 3), ('JOD', 3), ('TND', 3), ('LYD', 3), ('IQD', 3);
