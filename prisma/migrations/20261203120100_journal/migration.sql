-- Double entry. Every movement of money is one journal entry whose lines sum
-- to zero in one currency: its lines on accounts (the existing transactions,
-- one per account) and, when money enters or leaves the ledger, a line on the
-- currency's settlement account.
--
-- The settlement line is the entry's `settlement` column (net inflow, signed:
-- a deposit of 10 is +10, a withdrawal of 10 is -10, a transfer 0), not a
-- balance on an account row: every credit and debit of a currency would
-- otherwise update, and so lock, one row, and deposits would run one at a
-- time. The settlement account's balance is the sum of these append-only
-- lines, read when asked for (ledgerTotals) through an index that holds the
-- currency and the amount.
--
-- Every write of money goes through post_entry(), below: it locks the
-- accounts in id order, decides with line_refusal() whether each line may
-- apply, and writes the balances, the entry, its lines and the idempotency
-- key together. A deferred trigger checks at commit that each new entry
-- balances, whatever wrote it.

CREATE FUNCTION "uuid_v7"() RETURNS UUID LANGUAGE sql VOLATILE AS $$
    -- A random (v4) uuid whose first 48 bits become the Unix time in ms and whose version becomes 7.
    SELECT encode(set_bit(set_bit(overlay(uuid_send(gen_random_uuid())
               PLACING substring(int8send(floor(extract(epoch FROM clock_timestamp()) * 1000)::BIGINT) FROM 3)
               FROM 1 FOR 6), 52, 1), 53, 1), 'hex')::UUID
$$;

-- CreateTable
CREATE TABLE "journal_entries" (
    "id" UUID NOT NULL,
    "kind" "TransactionKind" NOT NULL,
    "currency" CHAR(3) NOT NULL,
    "settlement" BIGINT NOT NULL,
    "reversal_of_id" UUID,
    "actor" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "journal_entries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "journal_entries_reversal_of_id_key" ON "journal_entries"("reversal_of_id");

-- CreateIndex
CREATE INDEX "journal_entries_currency_settlement_idx" ON "journal_entries"("currency", "settlement");

-- AddForeignKey
ALTER TABLE "journal_entries" ADD CONSTRAINT "journal_entries_currency_fkey" FOREIGN KEY ("currency") REFERENCES "currencies"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "journal_entries" ADD CONSTRAINT "journal_entries_reversal_of_id_fkey" FOREIGN KEY ("reversal_of_id") REFERENCES "journal_entries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Existing postings are grouped into entries: a transfer's two legs are one
-- entry (with the transfer's id), a deposit or a withdrawal is an entry of its
-- own (with the posting's id), and the reversals of one entry's lines are one
-- REVERSAL entry (with the first reversal's id). An entry's settlement is what
-- its lines add up to, so each one balances by construction.
ALTER TABLE "transactions" ADD COLUMN "journal_entry_id" UUID;

UPDATE "transactions" SET "journal_entry_id" = COALESCE("transfer_id", "id") WHERE "kind" <> 'REVERSAL';

UPDATE "transactions" t SET "journal_entry_id" = grouped."entry_id"
  FROM (SELECT r."id", first_value(r."id") OVER (PARTITION BY o."journal_entry_id" ORDER BY r."id") AS "entry_id"
          FROM "transactions" r JOIN "transactions" o ON o."id" = r."reversal_of_id") grouped
 WHERE t."id" = grouped."id";

INSERT INTO "journal_entries" ("id", "kind", "currency", "settlement", "reversal_of_id", "actor", "created_at")
SELECT t."journal_entry_id",
       (array_agg(t."kind"))[1],
       (array_agg(a."currency"))[1],
       sum(CASE t."type" WHEN 'CREDIT' THEN t."amount" ELSE -t."amount" END),
       (array_agg(o."journal_entry_id"))[1],
       (array_agg(t."actor" ORDER BY t."id"))[1],
       max(t."created_at")
  FROM "transactions" t
  JOIN "accounts" a ON a."id" = t."account_id"
  LEFT JOIN "transactions" o ON o."id" = t."reversal_of_id"
 GROUP BY t."journal_entry_id";

-- What an idempotency key remembers: the entry its request wrote (and the account it opened).
UPDATE "idempotency_keys" k
   SET "result" = jsonb_strip_nulls(jsonb_build_object(
         'accountId', k."result" -> 'accountId',
         'journalEntryId', (SELECT t."journal_entry_id" FROM "transactions" t WHERE t."id" = (k."result" -> 'transactionIds' ->> 0)::UUID)));

ALTER TABLE "transactions" ALTER COLUMN "journal_entry_id" SET NOT NULL;

-- CreateIndex
CREATE INDEX "transactions_journal_entry_id_idx" ON "transactions"("journal_entry_id");

-- AddForeignKey
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_journal_entry_id_fkey" FOREIGN KEY ("journal_entry_id") REFERENCES "journal_entries"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Rules the Prisma schema cannot express.
ALTER TABLE "accounts"
    ADD CONSTRAINT "accounts_internal_owner_check" CHECK ("type" <> 'INTERNAL' OR "owner_id" IS NULL);
ALTER TABLE "journal_entries"
    ADD CONSTRAINT "journal_entries_reversal_check" CHECK (("kind" = 'REVERSAL') = ("reversal_of_id" IS NOT NULL)),
    ADD CONSTRAINT "journal_entries_settlement_check" CHECK (CASE "kind"
        WHEN 'DEPOSIT' THEN "settlement" > 0 WHEN 'WITHDRAWAL' THEN "settlement" < 0 WHEN 'TRANSFER' THEN "settlement" = 0 ELSE TRUE END);

-- Checked when the transaction commits, after all lines are in: the lines on
-- accounts add up to the settlement line, in the entry's currency, and an
-- entry has at least two lines counting the settlement line.
CREATE FUNCTION "journal_entry_balanced"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    "lines" INTEGER;
    "net" BIGINT;
    "foreign_lines" INTEGER;
BEGIN
    SELECT count(*), COALESCE(sum(CASE t."type" WHEN 'CREDIT' THEN t."amount" ELSE -t."amount" END), 0),
           count(*) FILTER (WHERE a."currency" <> NEW."currency")
      INTO "lines", "net", "foreign_lines"
      FROM "transactions" t JOIN "accounts" a ON a."id" = t."account_id"
     WHERE t."journal_entry_id" = NEW."id";
    IF "net" <> NEW."settlement" OR "foreign_lines" > 0 OR "lines" + (NEW."settlement" <> 0)::INTEGER < 2 THEN
        RAISE EXCEPTION 'journal entry % does not balance: lines add up to %, settlement %', NEW."id", "net", NEW."settlement"
            USING ERRCODE = 'check_violation';
    END IF;
    RETURN NULL;
END
$$;
CREATE CONSTRAINT TRIGGER "journal_entry_balanced" AFTER INSERT ON "journal_entries"
    DEFERRABLE INITIALLY DEFERRED FOR EACH ROW EXECUTE FUNCTION "journal_entry_balanced"();

CREATE FUNCTION "journal_entries_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'journal entries are append-only: reverse an entry instead of changing it'
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER "journal_entries_append_only"
    BEFORE UPDATE OR DELETE ON "journal_entries"
    FOR EACH ROW EXECUTE FUNCTION "journal_entries_append_only"();

-- The entry joins the columns of a transaction no one may change.
CREATE OR REPLACE FUNCTION "transactions_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'transactions are append-only: reverse a transaction instead of deleting it'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW."id", NEW."reference", NEW."account_id", NEW."owner_id", NEW."type", NEW."kind", NEW."amount", NEW."balance_after",
        NEW."account_version", NEW."transfer_id", NEW."reversal_of_id", NEW."actor", NEW."created_at", NEW."journal_entry_id")
       IS DISTINCT FROM
       (OLD."id", OLD."reference", OLD."account_id", OLD."owner_id", OLD."type", OLD."kind", OLD."amount", OLD."balance_after",
        OLD."account_version", OLD."transfer_id", OLD."reversal_of_id", OLD."actor", OLD."created_at", OLD."journal_entry_id")
       OR (OLD."status" = 'REVERSED' AND NEW."status" <> 'REVERSED') THEN
        RAISE EXCEPTION 'only the description, metadata and status of a transaction may change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;

-- Why one line may not apply to its account (NULL: it may), in the order the
-- reasons are reported. The only place the funds and limit rules are written;
-- the CHECKs on accounts back them up.
CREATE FUNCTION "line_refusal"("a" "accounts", "delta" BIGINT, "expected_version" INTEGER) RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN "a"."id" IS NULL THEN 'ACCOUNT_NOT_FOUND'
        WHEN "a"."status" <> 'ACTIVE' THEN 'ACCOUNT_NOT_ACTIVE'
        WHEN "expected_version" IS NOT NULL AND "a"."version" <> "expected_version" THEN 'VERSION_CONFLICT'
        WHEN "a"."balance" + "delta" < 0 THEN 'INSUFFICIENT_FUNDS'
        WHEN "a"."balance" + "delta" > "balance_limit"() THEN 'BALANCE_LIMIT_EXCEEDED'
    END
$$;

-- The one write path of money. Given the lines of an entry (one per account)
-- or, for a reversal, the transaction to reverse (the lines are then the
-- opposite of its entry's), it either writes everything or nothing and says
-- why: one row per line written, or one row naming the refusal, the line it
-- concerns, that account as it is and the line's amount. The first refusal
-- reported is the first reason in line_refusal's order, on the first line.
-- The idempotency key is inserted with the entry: a second request with the
-- same key fails on its primary key and changes nothing.
CREATE FUNCTION "post_entry"(
    "p_kind" "TransactionKind",
    "p_account_ids" UUID[],
    "p_types" "TransactionType"[],
    "p_amounts" BIGINT[],
    "p_expected_versions" INTEGER[],
    "p_reference" TEXT,
    "p_description" TEXT,
    "p_metadata" JSONB,
    "p_actor" TEXT,
    "p_reverses" UUID,
    "p_claim_scope" TEXT,
    "p_claim_key" TEXT,
    "p_claim_operation" TEXT,
    "p_claim_fingerprint" TEXT,
    "p_claim_result" JSONB
) RETURNS TABLE ("refusal" TEXT, "line" INTEGER, "amount" BIGINT, "account" "accounts", "posting" "transactions", "entry" "journal_entries")
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    "v_original" UUID;
    "v_entry" UUID := "uuid_v7"();
    "v_deltas" BIGINT[];
    "v_refusal" TEXT;
    "v_line" INTEGER;
    "v_at" TIMESTAMPTZ;
    "v_currency" CHAR(3);
BEGIN
    IF "p_reverses" IS NOT NULL THEN
        SELECT t."journal_entry_id" INTO "v_original" FROM "transactions" t WHERE t."id" = "p_reverses";
        IF "v_original" IS NULL THEN
            RETURN QUERY SELECT 'TRANSACTION_NOT_FOUND'::TEXT, NULL::INTEGER, NULL::BIGINT, NULL::"accounts", NULL::"transactions", NULL::"journal_entries";
            RETURN;
        END IF;
        SELECT array_agg(t."account_id" ORDER BY t."id"),
               array_agg((CASE t."type" WHEN 'CREDIT' THEN 'DEBIT' ELSE 'CREDIT' END)::"TransactionType" ORDER BY t."id"),
               array_agg(t."amount" ORDER BY t."id")
          INTO "p_account_ids", "p_types", "p_amounts"
          FROM "transactions" t WHERE t."journal_entry_id" = "v_original";
    END IF;

    PERFORM 1 FROM "accounts" a WHERE a."id" = ANY ("p_account_ids") ORDER BY a."id" FOR UPDATE;

    IF "p_reverses" IS NOT NULL AND EXISTS (
        SELECT 1 FROM "journal_entries" e
         WHERE (e."id" = "v_original" AND e."kind" = 'REVERSAL') OR e."reversal_of_id" = "v_original") THEN
        RETURN QUERY SELECT 'ALREADY_REVERSED'::TEXT, NULL::INTEGER, NULL::BIGINT, NULL::"accounts", NULL::"transactions", NULL::"journal_entries";
        RETURN;
    END IF;

    SELECT array_agg(CASE l."type" WHEN 'CREDIT' THEN l."amount" ELSE -l."amount" END ORDER BY l."i")
      INTO "v_deltas"
      FROM unnest("p_types", "p_amounts") WITH ORDINALITY l("type", "amount", "i");

    SELECT r."why", l."i" INTO "v_refusal", "v_line"
      FROM unnest("p_account_ids", "v_deltas", "p_expected_versions") WITH ORDINALITY l("id", "delta", "expected", "i")
      LEFT JOIN "accounts" a ON a."id" = l."id"
     CROSS JOIN LATERAL (SELECT "line_refusal"(a, l."delta", l."expected") AS "why") r
     WHERE r."why" IS NOT NULL
     ORDER BY array_position(ARRAY['ACCOUNT_NOT_FOUND', 'ACCOUNT_NOT_ACTIVE', 'VERSION_CONFLICT', 'INSUFFICIENT_FUNDS',
                                   'BALANCE_LIMIT_EXCEEDED'], r."why"), l."i"
     LIMIT 1;
    IF "v_refusal" IS NOT NULL THEN
        RETURN QUERY SELECT "v_refusal", "v_line", "p_amounts"["v_line"], a, NULL::"transactions", NULL::"journal_entries"
          FROM (SELECT 1) one LEFT JOIN "accounts" a ON a."id" = "p_account_ids"["v_line"];
        RETURN;
    END IF;

    SELECT "change_time"(max(a."updated_at")), (array_agg(a."currency"))[1] INTO "v_at", "v_currency"
      FROM "accounts" a WHERE a."id" = ANY ("p_account_ids");

    UPDATE "accounts" a
       SET "balance" = a."balance" + l."delta", "version" = a."version" + 1, "updated_at" = "v_at"
      FROM unnest("p_account_ids", "v_deltas") l("id", "delta")
     WHERE a."id" = l."id";

    INSERT INTO "journal_entries" ("id", "kind", "currency", "settlement", "reversal_of_id", "actor", "created_at")
    VALUES ("v_entry", "p_kind", "v_currency", (SELECT sum(d) FROM unnest("v_deltas") d), "v_original", "p_actor", "v_at");

    INSERT INTO "transactions" ("id", "reference", "account_id", "owner_id", "type", "kind", "amount", "balance_after",
                                "account_version", "description", "metadata", "transfer_id", "reversal_of_id", "actor",
                                "created_at", "journal_entry_id")
    SELECT "uuid_v7"(), CASE WHEN l."i" = 1 THEN "p_reference" END, a."id", a."owner_id", l."type", "p_kind", l."amount",
           a."balance", a."version", "p_description", "p_metadata",
           CASE WHEN "p_kind" = 'TRANSFER' THEN "v_entry" ELSE o."transfer_id" END, o."id", "p_actor", "v_at", "v_entry"
      FROM unnest("p_account_ids", "p_types", "p_amounts") WITH ORDINALITY l("id", "type", "amount", "i")
      JOIN "accounts" a ON a."id" = l."id"
      LEFT JOIN "transactions" o ON o."journal_entry_id" = "v_original" AND o."account_id" = l."id"
     ORDER BY l."i";

    IF "p_claim_key" IS NOT NULL THEN
        INSERT INTO "idempotency_keys" ("scope", "key", "operation", "fingerprint", "result")
        VALUES ("p_claim_scope", "p_claim_key", "p_claim_operation", "p_claim_fingerprint",
                COALESCE("p_claim_result", '{}'::JSONB) || jsonb_build_object('journalEntryId', "v_entry"));
    END IF;

    -- Marked after the accounts moved: the events of the originals carry the version the reversal leaves.
    IF "v_original" IS NOT NULL THEN
        UPDATE "transactions" t SET "status" = 'REVERSED' WHERE t."journal_entry_id" = "v_original";
    END IF;

    RETURN QUERY
        SELECT NULL::TEXT, l."i"::INTEGER, t."amount", a, t, e
          FROM unnest("p_account_ids") WITH ORDINALITY l("id", "i")
          JOIN "accounts" a ON a."id" = l."id"
          JOIN "transactions" t ON t."journal_entry_id" = "v_entry" AND t."account_id" = l."id"
          JOIN "journal_entries" e ON e."id" = "v_entry"
         ORDER BY l."i";
END
$$;

-- Opens an account, its opening deposit (when above zero) posted through post_entry.
CREATE FUNCTION "open_account"(
    "p_id" UUID,
    "p_account_number" TEXT,
    "p_owner_id" TEXT,
    "p_customer_name" TEXT,
    "p_type" "AccountType",
    "p_currency" TEXT,
    "p_deposit" BIGINT,
    "p_actor" TEXT,
    "p_claim_scope" TEXT,
    "p_claim_key" TEXT,
    "p_claim_operation" TEXT,
    "p_claim_fingerprint" TEXT
) RETURNS TABLE ("account" "accounts", "posting" "transactions")
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
BEGIN
    INSERT INTO "accounts" ("id", "account_number", "owner_id", "customer_name", "type", "currency")
    VALUES ("p_id", "p_account_number", "p_owner_id", "p_customer_name", "p_type", "p_currency");
    IF "p_deposit" > 0 THEN
        PERFORM 1 FROM "post_entry"('DEPOSIT', ARRAY["p_id"], ARRAY['CREDIT']::"TransactionType"[], ARRAY["p_deposit"],
                                    ARRAY[NULL]::INTEGER[], NULL, 'Opening deposit', NULL, "p_actor", NULL,
                                    "p_claim_scope", "p_claim_key", "p_claim_operation", "p_claim_fingerprint",
                                    jsonb_build_object('accountId', "p_id"));
    ELSE
        INSERT INTO "idempotency_keys" ("scope", "key", "operation", "fingerprint", "result")
        VALUES ("p_claim_scope", "p_claim_key", "p_claim_operation", "p_claim_fingerprint", jsonb_build_object('accountId', "p_id"));
    END IF;
    RETURN QUERY SELECT a, t FROM "accounts" a LEFT JOIN "transactions" t ON t."account_id" = a."id" WHERE a."id" = "p_id";
END
$$;

-- Every movement goes through post_entry now.
DROP FUNCTION "move_funds"(UUID, UUID, BIGINT, INTEGER, INTEGER);
DROP FUNCTION "reverse_postings"(UUID);
