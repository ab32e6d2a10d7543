-- Holds. A hold reserves money on one account: the money stays in `balance`
-- (the posted balance) and leaves the available balance (balance - held)
-- until it is captured (then posted) or released (void, expiry).
--
-- `accounts.held` is the sum of the remaining amounts of the account's
-- PENDING holds, kept by post_entry in the same statement as the holds. A
-- hold whose expiresAt has passed counts as released for every funds check
-- at once (the database clock decides), and is marked EXPIRED by the next
-- write on its account or by the sweeper (sweep_expired_holds), whichever
-- comes first; either bumps the account's version once.

-- CreateEnum
CREATE TYPE "HoldStatus" AS ENUM ('PENDING', 'CAPTURED', 'VOIDED', 'EXPIRED');

-- AlterTable
ALTER TABLE "accounts" ADD COLUMN "held" BIGINT NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "holds" (
    "id" UUID NOT NULL,
    "reference" VARCHAR(255),
    "owner_id" VARCHAR(255),
    "account_id" UUID NOT NULL,
    "destination_id" UUID,
    "currency" CHAR(3) NOT NULL,
    "amount" BIGINT NOT NULL,
    "captured" BIGINT NOT NULL DEFAULT 0,
    "released" BIGINT NOT NULL DEFAULT 0,
    "status" "HoldStatus" NOT NULL DEFAULT 'PENDING',
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    "description" VARCHAR(1000),
    "metadata" JSONB,
    "actor" VARCHAR(255) NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "resolved_at" TIMESTAMPTZ(3),

    CONSTRAINT "holds_pkey" PRIMARY KEY ("id")
);

-- AlterTable
ALTER TABLE "transactions" ADD COLUMN "hold_id" UUID;

-- CreateIndex (Prisma's @@unique([reference, ownerId]), made partial and NULLS NOT DISTINCT by hand, as for transactions)
CREATE UNIQUE INDEX "holds_reference_owner_id_key" ON "holds"("reference", "owner_id") NULLS NOT DISTINCT WHERE "reference" IS NOT NULL;

-- CreateIndex
CREATE INDEX "holds_account_id_created_at_id_idx" ON "holds"("account_id", "created_at" DESC, "id" DESC);

-- CreateIndex (partial by hand: only PENDING holds can expire)
CREATE INDEX "holds_account_id_expires_at_idx" ON "holds"("account_id", "expires_at") WHERE "status" = 'PENDING';

-- CreateIndex
CREATE INDEX "holds_expires_at_idx" ON "holds"("expires_at") WHERE "status" = 'PENDING';

-- CreateIndex
CREATE INDEX "transactions_hold_id_idx" ON "transactions"("hold_id");

-- AddForeignKey
ALTER TABLE "holds" ADD CONSTRAINT "holds_account_id_fkey" FOREIGN KEY ("account_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "holds" ADD CONSTRAINT "holds_destination_id_fkey" FOREIGN KEY ("destination_id") REFERENCES "accounts"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "holds" ADD CONSTRAINT "holds_currency_fkey" FOREIGN KEY ("currency") REFERENCES "currencies"("code") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "transactions" ADD CONSTRAINT "transactions_hold_id_fkey" FOREIGN KEY ("hold_id") REFERENCES "holds"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- Rules the Prisma schema cannot express.
ALTER TABLE "accounts"
    ADD CONSTRAINT "accounts_held_check" CHECK ("held" >= 0 AND "held" <= "balance");
ALTER TABLE "holds"
    ADD CONSTRAINT "holds_amount_check" CHECK ("amount" > 0),
    ADD CONSTRAINT "holds_parts_check" CHECK ("captured" >= 0 AND "released" >= 0 AND "captured" + "released" <= "amount"),
    ADD CONSTRAINT "holds_resolved_check" CHECK (("status" = 'PENDING') = ("resolved_at" IS NULL)),
    ADD CONSTRAINT "holds_terminal_check" CHECK ("status" = 'PENDING' OR "captured" + "released" = "amount"),
    ADD CONSTRAINT "holds_destination_check" CHECK ("destination_id" <> "account_id"),
    ADD CONSTRAINT "holds_expiry_check" CHECK ("expires_at" > "created_at");

-- A terminal hold never changes again; nothing but a hold's progress (captured, released, status,
-- resolved_at) and its annotations ever changes; no hold is deleted.
CREATE FUNCTION "holds_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR OLD."status" <> 'PENDING'
       OR (NEW."id", NEW."reference", NEW."owner_id", NEW."account_id", NEW."destination_id", NEW."currency", NEW."amount",
           NEW."expires_at", NEW."actor", NEW."created_at")
          IS DISTINCT FROM
          (OLD."id", OLD."reference", OLD."owner_id", OLD."account_id", OLD."destination_id", OLD."currency", OLD."amount",
           OLD."expires_at", OLD."actor", OLD."created_at")
       OR NEW."captured" < OLD."captured" OR NEW."released" < OLD."released" THEN
        RAISE EXCEPTION 'a hold only moves forward, and a terminal hold never changes' USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;
CREATE TRIGGER "holds_append_only" BEFORE UPDATE OR DELETE ON "holds" FOR EACH ROW EXECUTE FUNCTION "holds_append_only"();

-- The hold a posting captured joins the columns of a transaction no one may change.
CREATE OR REPLACE FUNCTION "transactions_append_only"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'transactions are append-only: reverse a transaction instead of deleting it'
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF (NEW."id", NEW."reference", NEW."account_id", NEW."owner_id", NEW."type", NEW."kind", NEW."amount", NEW."balance_after",
        NEW."account_version", NEW."transfer_id", NEW."reversal_of_id", NEW."actor", NEW."created_at", NEW."journal_entry_id",
        NEW."hold_id")
       IS DISTINCT FROM
       (OLD."id", OLD."reference", OLD."account_id", OLD."owner_id", OLD."type", OLD."kind", OLD."amount", OLD."balance_after",
        OLD."account_version", OLD."transfer_id", OLD."reversal_of_id", OLD."actor", OLD."created_at", OLD."journal_entry_id",
        OLD."hold_id")
       OR (OLD."status" = 'REVERSED' AND NEW."status" <> 'REVERSED') THEN
        RAISE EXCEPTION 'only the description, metadata and status of a transaction may change'
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END
$$;

-- ------------------------------------------------------------------ events

ALTER TABLE "outbox" DROP CONSTRAINT "outbox_type_check";
ALTER TABLE "outbox"
    ADD CONSTRAINT "outbox_type_check" CHECK ("type" IN ('solvent.account.opened', 'solvent.account.updated',
        'solvent.account.closed', 'solvent.transaction.posted', 'solvent.transaction.reversed', 'solvent.transaction.updated',
        'solvent.hold.authorized', 'solvent.hold.captured', 'solvent.hold.voided', 'solvent.hold.expired'));

-- Money as text in events: `held` too.
CREATE OR REPLACE FUNCTION "outbox_account_row"("a" "accounts") RETURNS JSONB LANGUAGE sql STABLE AS $$
    SELECT to_jsonb("a") || jsonb_build_object('balance', "a"."balance"::text, 'held', "a"."held"::text)
$$;

CREATE FUNCTION "outbox_hold_row"("h" "holds") RETURNS JSONB LANGUAGE sql STABLE AS $$
    SELECT to_jsonb("h") || jsonb_build_object('amount', "h"."amount"::text, 'captured', "h"."captured"::text,
                                               'released', "h"."released"::text)
$$;

-- Hold events come after the account's postings of the same version (position rank 5).
CREATE OR REPLACE FUNCTION "outbox_emit"("type" TEXT, "subject" UUID, "version" INTEGER, "transaction_id" UUID, "data" JSONB)
RETURNS VOID LANGUAGE plpgsql AS $$
DECLARE
    "event_seq" BIGINT;
BEGIN
    INSERT INTO "outbox" ("id", "type", "subject", "account_version", "transaction_id", "data")
    VALUES (gen_random_uuid(), "type", "subject", "version", "transaction_id", "data")
    RETURNING "seq" INTO "event_seq";
    INSERT INTO "outbox_deliveries" ("sink", "event_seq", "subject", "position")
    SELECT s."name", "event_seq", "subject",
           "version"::bigint * 8 + CASE "type"
               WHEN 'solvent.account.opened' THEN 0 WHEN 'solvent.account.updated' THEN 1 WHEN 'solvent.account.closed' THEN 1
               WHEN 'solvent.transaction.posted' THEN 2 WHEN 'solvent.transaction.reversed' THEN 3
               WHEN 'solvent.transaction.updated' THEN 4 ELSE 5 END
      FROM "outbox_sinks" s;
END
$$;

-- A hold's event carries the hold and its account as the change left them.
CREATE FUNCTION "outbox_hold_changed"() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    "a" "accounts";
BEGIN
    SELECT * INTO "a" FROM "accounts" WHERE "id" = NEW."account_id";
    PERFORM "outbox_emit"(
        CASE WHEN TG_OP = 'INSERT' THEN 'solvent.hold.authorized'
             WHEN NEW."status" = 'VOIDED' THEN 'solvent.hold.voided'
             WHEN NEW."status" = 'EXPIRED' THEN 'solvent.hold.expired'
             ELSE 'solvent.hold.captured' END,
        NEW."account_id", "a"."version", NULL,
        jsonb_build_object('hold', "outbox_hold_row"(NEW), 'account', "outbox_account_row"("a")));
    RETURN NULL;
END
$$;
CREATE TRIGGER "outbox_hold_changed" AFTER INSERT OR UPDATE ON "holds"
    FOR EACH ROW EXECUTE FUNCTION "outbox_hold_changed"();

-- ------------------------------------------------------------------ the write path, with holds

-- Why one line may not apply to its account (NULL: it may), in the order the
-- reasons are reported. `delta` changes the balance, `held` is what the
-- account's holds reserve after the line (expired ones released). The only
-- place the funds rule is written: the available balance (balance - held)
-- never goes below zero. A line that only releases reserved money applies
-- to an account of any status.
DROP FUNCTION "line_refusal"("accounts", BIGINT, INTEGER);
CREATE FUNCTION "line_refusal"("a" "accounts", "delta" BIGINT, "held" BIGINT, "expected_version" INTEGER) RETURNS TEXT
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN "a"."id" IS NULL THEN 'ACCOUNT_NOT_FOUND'
        WHEN "a"."status" <> 'ACTIVE' AND ("delta" <> 0 OR "held" > "a"."held") THEN 'ACCOUNT_NOT_ACTIVE'
        WHEN "expected_version" IS NOT NULL AND "a"."version" <> "expected_version" THEN 'VERSION_CONFLICT'
        WHEN "a"."balance" + "delta" - "held" < 0 THEN 'INSUFFICIENT_FUNDS'
        WHEN "a"."balance" + "delta" > "balance_limit"() THEN 'BALANCE_LIMIT_EXCEEDED'
    END
$$;

DROP FUNCTION "open_account"(UUID, TEXT, TEXT, TEXT, "AccountType", TEXT, BIGINT, TEXT, TEXT, TEXT, TEXT, TEXT);
DROP FUNCTION "post_entry"("TransactionKind", UUID[], "TransactionType"[], BIGINT[], INTEGER[], TEXT, TEXT, JSONB, TEXT, UUID,
                           TEXT, TEXT, TEXT, TEXT, JSONB);

-- The one write path of money and of holds. The lines (one per account) are
-- given, or derived: for a reversal from the entry of the transaction
-- `p_reverses` (turned around), for a capture or a void from the hold
-- `p_hold`. Each line changes its account's balance by its amount (0 for a
-- line that only reserves or releases) and what its holds reserve by its held
-- delta. Under the accounts' locks (in id order), then the hold's:
--   * refusals are decided (the hold's state first, then line_refusal for each
--     line) and reported with the line, its account as it is, the amount and
--     the available balance, the hold as it is: nothing is written;
--   * otherwise the accounts move (version + 1 each, one change time), their
--     expired holds are released, the entry and its lines are written when
--     money moved, the hold is created or moves on, and the idempotency key
--     is stored with what the request made.
-- The hold operations: AUTHORIZE (p_hold is the new hold's id; line 1
-- reserves its amount), CAPTURE (p_hold_amount, or all that remains;
-- p_hold_final releases the rest), VOID (releases what remains). With no
-- lines of money (a sweep), only expired holds are released.
CREATE FUNCTION "post_entry"(
    "p_kind" "TransactionKind",
    "p_account_ids" UUID[],
    "p_types" "TransactionType"[],
    "p_amounts" BIGINT[],
    "p_expected_versions" INTEGER[] DEFAULT NULL,
    "p_held_deltas" BIGINT[] DEFAULT NULL,
    "p_reference" TEXT DEFAULT NULL,
    "p_description" TEXT DEFAULT NULL,
    "p_metadata" JSONB DEFAULT NULL,
    "p_actor" TEXT DEFAULT NULL,
    "p_reverses" UUID DEFAULT NULL,
    "p_hold" UUID DEFAULT NULL,
    "p_hold_op" TEXT DEFAULT NULL,
    "p_hold_amount" BIGINT DEFAULT NULL,
    "p_hold_final" BOOLEAN DEFAULT NULL,
    "p_hold_destination" UUID DEFAULT NULL,
    "p_hold_expires_at" TIMESTAMPTZ DEFAULT NULL,
    "p_claim_scope" TEXT DEFAULT NULL,
    "p_claim_key" TEXT DEFAULT NULL,
    "p_claim_operation" TEXT DEFAULT NULL,
    "p_claim_fingerprint" TEXT DEFAULT NULL,
    "p_claim_result" JSONB DEFAULT NULL
) RETURNS TABLE ("refusal" TEXT, "line" INTEGER, "amount" BIGINT, "available" BIGINT, "account" "accounts",
                 "posting" "transactions", "entry" "journal_entries", "hold" "holds")
LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
    "v_original" UUID;
    "v_entry" UUID;
    "v_hold" "holds";
    "v_remaining" BIGINT;
    "v_capture" BIGINT;
    "v_deltas" BIGINT[];
    "v_expired" BIGINT[];
    "v_refusal" TEXT;
    "v_line" INTEGER;
    "v_at" TIMESTAMPTZ;
    "v_currency" CHAR(3);
BEGIN
    IF "p_reverses" IS NOT NULL THEN
        SELECT t."journal_entry_id" INTO "v_original" FROM "transactions" t WHERE t."id" = "p_reverses";
        IF "v_original" IS NULL THEN
            RETURN QUERY SELECT 'TRANSACTION_NOT_FOUND'::TEXT, NULL::INTEGER, NULL::BIGINT, NULL::BIGINT, NULL::"accounts",
                                NULL::"transactions", NULL::"journal_entries", NULL::"holds";
            RETURN;
        END IF;
        SELECT array_agg(t."account_id" ORDER BY t."id"),
               array_agg((CASE t."type" WHEN 'CREDIT' THEN 'DEBIT' ELSE 'CREDIT' END)::"TransactionType" ORDER BY t."id"),
               array_agg(t."amount" ORDER BY t."id")
          INTO "p_account_ids", "p_types", "p_amounts"
          FROM "transactions" t WHERE t."journal_entry_id" = "v_original";
    ELSIF "p_hold_op" IN ('CAPTURE', 'VOID') THEN
        -- The hold's accounts never change: read them to know what to lock.
        SELECT * INTO "v_hold" FROM "holds" h WHERE h."id" = "p_hold";
        IF "v_hold"."id" IS NULL THEN
            RETURN QUERY SELECT 'HOLD_NOT_FOUND'::TEXT, NULL::INTEGER, NULL::BIGINT, NULL::BIGINT, NULL::"accounts",
                                NULL::"transactions", NULL::"journal_entries", NULL::"holds";
            RETURN;
        END IF;
        "p_account_ids" := ARRAY["v_hold"."account_id"] || CASE WHEN "p_hold_op" = 'CAPTURE' AND "v_hold"."destination_id" IS NOT NULL
                                                               THEN ARRAY["v_hold"."destination_id"] ELSE ARRAY[]::UUID[] END;
    END IF;

    PERFORM 1 FROM "accounts" a WHERE a."id" = ANY ("p_account_ids") ORDER BY a."id" FOR UPDATE;
    "v_at" := (SELECT "change_time"(max(a."updated_at")) FROM "accounts" a WHERE a."id" = ANY ("p_account_ids"))::TIMESTAMPTZ(3);

    IF "p_reverses" IS NOT NULL AND EXISTS (
        SELECT 1 FROM "journal_entries" e
         WHERE (e."id" = "v_original" AND e."kind" = 'REVERSAL') OR e."reversal_of_id" = "v_original") THEN
        RETURN QUERY SELECT 'ALREADY_REVERSED'::TEXT, NULL::INTEGER, NULL::BIGINT, NULL::BIGINT, NULL::"accounts",
                            NULL::"transactions", NULL::"journal_entries", NULL::"holds";
        RETURN;
    END IF;

    IF "p_hold_op" IN ('CAPTURE', 'VOID') THEN
        SELECT * INTO "v_hold" FROM "holds" h WHERE h."id" = "p_hold" FOR UPDATE;
        "v_remaining" := "v_hold"."amount" - "v_hold"."captured" - "v_hold"."released";
        "v_capture" := COALESCE("p_hold_amount", "v_remaining");
        -- At or after expiresAt (on this clock, at the instant the posting would carry) a hold is expired, swept or not.
        "v_refusal" := CASE
            WHEN "v_hold"."status" = 'EXPIRED' OR ("v_hold"."status" = 'PENDING' AND "v_hold"."expires_at" <= "v_at") THEN 'HOLD_EXPIRED'
            WHEN "v_hold"."status" <> 'PENDING' THEN 'HOLD_NOT_PENDING'
            WHEN "p_hold_op" = 'CAPTURE' AND "v_capture" > "v_remaining" THEN 'AMOUNT_EXCEEDS_HOLD'
        END;
        IF "v_refusal" IS NOT NULL THEN
            RETURN QUERY SELECT "v_refusal", NULL::INTEGER, "v_capture", NULL::BIGINT, NULL::"accounts",
                                NULL::"transactions", NULL::"journal_entries", "v_hold";
            RETURN;
        END IF;
        IF "p_hold_op" = 'CAPTURE' THEN
            "p_kind" := CASE WHEN "v_hold"."destination_id" IS NULL THEN 'WITHDRAWAL' ELSE 'TRANSFER' END;
            "p_types" := (ARRAY['DEBIT', 'CREDIT']::"TransactionType"[])[1:cardinality("p_account_ids")];
            "p_amounts" := array_fill("v_capture", ARRAY[cardinality("p_account_ids")]);
            -- The capture takes what it posts from the reservation, and a final one releases the rest.
            "p_held_deltas" := ARRAY[0 - CASE WHEN "p_hold_final" OR "v_capture" = "v_remaining" THEN "v_remaining" ELSE "v_capture" END];
        ELSE
            "p_types" := ARRAY['DEBIT']::"TransactionType"[];
            "p_amounts" := ARRAY[0::BIGINT];
            "p_held_deltas" := ARRAY[0 - "v_remaining"];
        END IF;
    END IF;

    SELECT array_agg(CASE l."type" WHEN 'CREDIT' THEN l."amount" ELSE -l."amount" END ORDER BY l."i")
      INTO "v_deltas"
      FROM unnest("p_types", "p_amounts") WITH ORDINALITY l("type", "amount", "i");

    -- What each account's expired holds still reserve: released by this write, and not counted by its funds check.
    SELECT array_agg(COALESCE(x."expired", 0) ORDER BY l."i") INTO "v_expired"
      FROM unnest("p_account_ids") WITH ORDINALITY l("id", "i")
      LEFT JOIN LATERAL (SELECT sum(h."amount" - h."captured" - h."released") AS "expired" FROM "holds" h
                          WHERE h."account_id" = l."id" AND h."status" = 'PENDING' AND h."expires_at" <= "v_at"
                            AND h."id" IS DISTINCT FROM "p_hold") x ON TRUE;

    SELECT r."why", l."i" INTO "v_refusal", "v_line"
      FROM unnest("p_account_ids", "v_deltas", "p_expected_versions", "v_expired") WITH ORDINALITY l("id", "delta", "expected", "expired", "i")
      LEFT JOIN "accounts" a ON a."id" = l."id"
     CROSS JOIN LATERAL (SELECT "line_refusal"(a, l."delta", a."held" - l."expired" + COALESCE(("p_held_deltas")[l."i"], 0),
                                               l."expected") AS "why") r
     WHERE r."why" IS NOT NULL
     ORDER BY array_position(ARRAY['ACCOUNT_NOT_FOUND', 'ACCOUNT_NOT_ACTIVE', 'VERSION_CONFLICT', 'INSUFFICIENT_FUNDS',
                                   'BALANCE_LIMIT_EXCEEDED'], r."why"), l."i"
     LIMIT 1;
    IF "v_refusal" IS NOT NULL THEN
        RETURN QUERY SELECT "v_refusal", "v_line", GREATEST(("p_amounts")["v_line"], COALESCE(("p_held_deltas")["v_line"], 0)),
                            a."balance" - a."held" + ("v_expired")["v_line"], a, NULL::"transactions", NULL::"journal_entries", "v_hold"
          FROM (SELECT 1) one LEFT JOIN "accounts" a ON a."id" = ("p_account_ids")["v_line"];
        RETURN;
    END IF;

    "v_currency" := (SELECT (array_agg(a."currency"))[1] FROM "accounts" a WHERE a."id" = ANY ("p_account_ids"));

    UPDATE "accounts" a
       SET "balance" = a."balance" + l."delta",
           "held" = a."held" - l."expired" + COALESCE(("p_held_deltas")[l."i"], 0),
           "version" = a."version" + 1, "updated_at" = "v_at"
      FROM unnest("p_account_ids", "v_deltas", "v_expired") WITH ORDINALITY l("id", "delta", "expired", "i")
     WHERE a."id" = l."id";

    UPDATE "holds" h SET "status" = 'EXPIRED', "released" = h."amount" - h."captured", "resolved_at" = "v_at"
     WHERE h."account_id" = ANY ("p_account_ids") AND h."status" = 'PENDING' AND h."expires_at" <= "v_at"
       AND h."id" IS DISTINCT FROM "p_hold";

    IF EXISTS (SELECT 1 FROM unnest("p_amounts") m WHERE m > 0) THEN
        "v_entry" := "uuid_v7"();
        INSERT INTO "journal_entries" ("id", "kind", "currency", "settlement", "reversal_of_id", "actor", "created_at")
        VALUES ("v_entry", "p_kind", "v_currency", (SELECT sum(d) FROM unnest("v_deltas") d), "v_original", "p_actor", "v_at");

        INSERT INTO "transactions" ("id", "reference", "account_id", "owner_id", "type", "kind", "amount", "balance_after",
                                    "account_version", "description", "metadata", "transfer_id", "reversal_of_id", "actor",
                                    "created_at", "journal_entry_id", "hold_id")
        SELECT "uuid_v7"(), CASE WHEN l."i" = 1 THEN "p_reference" END, a."id", a."owner_id", l."type", "p_kind", l."amount",
               a."balance", a."version", "p_description", "p_metadata",
               CASE WHEN "p_kind" = 'TRANSFER' THEN "v_entry" ELSE o."transfer_id" END, o."id", "p_actor", "v_at", "v_entry",
               CASE WHEN "p_hold_op" = 'CAPTURE' THEN "p_hold" END
          FROM unnest("p_account_ids", "p_types", "p_amounts") WITH ORDINALITY l("id", "type", "amount", "i")
          JOIN "accounts" a ON a."id" = l."id"
          LEFT JOIN "transactions" o ON o."journal_entry_id" = "v_original" AND o."account_id" = l."id"
         WHERE l."amount" > 0
         ORDER BY l."i";
    END IF;

    IF "p_hold_op" = 'AUTHORIZE' THEN
        INSERT INTO "holds" ("id", "reference", "owner_id", "account_id", "destination_id", "currency", "amount", "expires_at",
                             "description", "metadata", "actor", "created_at")
        SELECT "p_hold", "p_reference", a."owner_id", a."id", "p_hold_destination", a."currency", ("p_held_deltas")[1],
               "p_hold_expires_at", "p_description", "p_metadata", "p_actor", "v_at"
          FROM "accounts" a WHERE a."id" = ("p_account_ids")[1];
    ELSIF "p_hold_op" = 'CAPTURE' THEN
        UPDATE "holds" h
           SET "captured" = h."captured" + "v_capture",
               "released" = h."released" + CASE WHEN "p_hold_final" THEN "v_remaining" - "v_capture" ELSE 0 END,
               "status" = CASE WHEN "p_hold_final" OR "v_capture" = "v_remaining" THEN 'CAPTURED' ELSE 'PENDING' END::"HoldStatus",
               "resolved_at" = CASE WHEN "p_hold_final" OR "v_capture" = "v_remaining" THEN "v_at" END
         WHERE h."id" = "p_hold";
    ELSIF "p_hold_op" = 'VOID' THEN
        UPDATE "holds" h SET "released" = h."released" + "v_remaining", "status" = 'VOIDED', "resolved_at" = "v_at"
         WHERE h."id" = "p_hold";
    END IF;

    IF "p_claim_key" IS NOT NULL THEN
        INSERT INTO "idempotency_keys" ("scope", "key", "operation", "fingerprint", "result")
        VALUES ("p_claim_scope", "p_claim_key", "p_claim_operation", "p_claim_fingerprint",
                jsonb_strip_nulls(COALESCE("p_claim_result", '{}'::JSONB)
                                  || jsonb_build_object('journalEntryId', "v_entry", 'holdId', "p_hold")));
    END IF;

    -- Marked after the accounts moved: the events of the originals carry the version the reversal leaves.
    IF "v_original" IS NOT NULL THEN
        UPDATE "transactions" t SET "status" = 'REVERSED' WHERE t."journal_entry_id" = "v_original";
    END IF;

    RETURN QUERY
        SELECT NULL::TEXT, l."i"::INTEGER, t."amount", a."balance" - a."held", a, t, e, h
          FROM unnest("p_account_ids") WITH ORDINALITY l("id", "i")
          JOIN "accounts" a ON a."id" = l."id"
          LEFT JOIN "transactions" t ON t."journal_entry_id" = "v_entry" AND t."account_id" = l."id"
          LEFT JOIN "journal_entries" e ON e."id" = "v_entry"
          LEFT JOIN "holds" h ON h."id" = "p_hold"
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
                                    "p_description" => 'Opening deposit', "p_actor" => "p_actor",
                                    "p_claim_scope" => "p_claim_scope", "p_claim_key" => "p_claim_key",
                                    "p_claim_operation" => "p_claim_operation", "p_claim_fingerprint" => "p_claim_fingerprint",
                                    "p_claim_result" => jsonb_build_object('accountId', "p_id"));
    ELSE
        INSERT INTO "idempotency_keys" ("scope", "key", "operation", "fingerprint", "result")
        VALUES ("p_claim_scope", "p_claim_key", "p_claim_operation", "p_claim_fingerprint", jsonb_build_object('accountId', "p_id"));
    END IF;
    RETURN QUERY SELECT a, t FROM "accounts" a LEFT JOIN "transactions" t ON t."account_id" = a."id" WHERE a."id" = "p_id";
END
$$;

-- Releases the expired holds of up to `p_batch` accounts, one write per
-- account (its version goes up once, however many holds it releases).
-- Accounts are taken in id order and skipped when a request holds them: that
-- request releases their expired holds itself, and the next sweep finds the rest.
CREATE FUNCTION "sweep_expired_holds"("p_batch" INTEGER) RETURNS INTEGER LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    "v_account" UUID;
    "v_swept" INTEGER := 0;
BEGIN
    FOR "v_account" IN
        SELECT DISTINCT h."account_id" FROM "holds" h
         WHERE h."status" = 'PENDING' AND h."expires_at" <= clock_timestamp()
         ORDER BY 1 LIMIT "p_batch"
    LOOP
        PERFORM 1 FROM "accounts" a WHERE a."id" = "v_account" FOR UPDATE SKIP LOCKED;
        CONTINUE WHEN NOT FOUND;
        PERFORM 1 FROM "post_entry"(NULL, ARRAY["v_account"], ARRAY['DEBIT']::"TransactionType"[], ARRAY[0::BIGINT],
                                    "p_actor" => 'solvent-sweeper');
        "v_swept" := "v_swept" + 1;
    END LOOP;
    RETURN "v_swept";
END
$$;
