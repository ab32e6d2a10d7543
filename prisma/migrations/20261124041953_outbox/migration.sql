-- CreateTable
CREATE TABLE "outbox_sinks" (
    "name" VARCHAR(32) NOT NULL,

    CONSTRAINT "outbox_sinks_pkey" PRIMARY KEY ("name")
);

-- CreateTable
CREATE TABLE "outbox" (
    "seq" BIGSERIAL NOT NULL,
    "id" UUID NOT NULL,
    "type" VARCHAR(64) NOT NULL,
    "subject" UUID NOT NULL,
    "account_version" INTEGER NOT NULL,
    "transaction_id" UUID,
    "data" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "outbox_pkey" PRIMARY KEY ("seq")
);

-- CreateTable
CREATE TABLE "outbox_deliveries" (
    "sink" VARCHAR(32) NOT NULL,
    "event_seq" BIGINT NOT NULL,
    "subject" UUID NOT NULL,
    "position" BIGINT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "last_error" VARCHAR(1000),
    "dead_at" TIMESTAMPTZ(3),
    "leased_until" TIMESTAMPTZ(3),
    "lease" UUID,

    CONSTRAINT "outbox_deliveries_pkey" PRIMARY KEY ("sink","event_seq")
);

-- CreateIndex
CREATE UNIQUE INDEX "outbox_id_key" ON "outbox"("id");

-- CreateIndex
CREATE INDEX "outbox_created_at_idx" ON "outbox"("created_at");

-- CreateIndex
CREATE INDEX "outbox_deliveries_sink_subject_position_event_seq_idx" ON "outbox_deliveries"("sink", "subject", "position", "event_seq");

-- AddForeignKey
ALTER TABLE "outbox_deliveries" ADD CONSTRAINT "outbox_deliveries_event_seq_fkey" FOREIGN KEY ("event_seq") REFERENCES "outbox"("seq") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbox_deliveries" ADD CONSTRAINT "outbox_deliveries_sink_fkey" FOREIGN KEY ("sink") REFERENCES "outbox_sinks"("name") ON DELETE CASCADE ON UPDATE CASCADE;

-- Events are written by triggers, in the transaction that makes the change
-- they describe: a change never commits without its events, and a change
-- rolled back leaves none. Each event gets a delivery per registered sink.
-- The triggers stay lean on the posting path (a posting's event names the
-- posting; the relay reads it); rarer changes keep the rows as they were.

ALTER TABLE "outbox"
    ADD CONSTRAINT "outbox_type_check" CHECK ("type" IN ('solvent.account.opened', 'solvent.account.updated',
        'solvent.account.closed', 'solvent.transaction.posted', 'solvent.transaction.reversed', 'solvent.transaction.updated')),
    ADD CONSTRAINT "outbox_content_check" CHECK (("type" = 'solvent.transaction.posted') = ("data" IS NULL)
        AND ("type" LIKE 'solvent.transaction.%') = ("transaction_id" IS NOT NULL));

ALTER TABLE "outbox_deliveries"
    ADD CONSTRAINT "outbox_deliveries_attempts_check" CHECK ("attempts" >= 0);

-- Rows as events keep them: money (bigint) as text, so that no JSON reader rounds it.
CREATE FUNCTION "outbox_account_row"("a" "accounts") RETURNS JSONB LANGUAGE sql STABLE AS $$
    SELECT to_jsonb("a") || jsonb_build_object('balance', "a"."balance"::text)
$$;

CREATE FUNCTION "outbox_transaction_row"("t" "transactions") RETURNS JSONB LANGUAGE sql STABLE AS $$
    SELECT to_jsonb("t") || jsonb_build_object('amount', "t"."amount"::text, 'balance_after', "t"."balance_after"::text)
$$;

-- Writes an event and its deliveries. The position orders an account's events: by the account
-- version they leave behind, then opened, updated/closed, posted, reversed, annotated.
CREATE FUNCTION "outbox_emit"("type" TEXT, "subject" UUID, "version" INTEGER, "transaction_id" UUID, "data" JSONB)
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
               WHEN 'solvent.transaction.posted' THEN 2 WHEN 'solvent.transaction.reversed' THEN 3 ELSE 4 END
      FROM "outbox_sinks" s;
END
$$;

CREATE FUNCTION "outbox_account_opened"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM "outbox_emit"('solvent.account.opened', NEW."id", NEW."version", NULL, jsonb_build_object('account', "outbox_account_row"(NEW)));
    RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_account_opened" AFTER INSERT ON "accounts"
    FOR EACH ROW EXECUTE FUNCTION "outbox_account_opened"();

CREATE FUNCTION "outbox_account_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM "outbox_emit"(
        CASE WHEN NEW."status" = 'CLOSED' THEN 'solvent.account.closed' ELSE 'solvent.account.updated' END,
        NEW."id", NEW."version", NULL,
        jsonb_build_object('account', "outbox_account_row"(NEW),
                           'previous', jsonb_build_object('customerName', OLD."customer_name", 'type', OLD."type", 'status', OLD."status")));
    RETURN NULL;
END
$$;

-- Postings change only the balance and version, which their own events carry: for them the
-- condition is false and the function is not even called.
CREATE TRIGGER "outbox_account_updated" AFTER UPDATE ON "accounts"
    FOR EACH ROW WHEN ((OLD."customer_name", OLD."type", OLD."status") IS DISTINCT FROM (NEW."customer_name", NEW."type", NEW."status"))
    EXECUTE FUNCTION "outbox_account_updated"();

CREATE FUNCTION "outbox_transaction_posted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM "outbox_emit"('solvent.transaction.posted', NEW."account_id", NEW."account_version", NEW."id", NULL);
    RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_transaction_posted" AFTER INSERT ON "transactions"
    FOR EACH ROW EXECUTE FUNCTION "outbox_transaction_posted"();

-- A reversal marks the original REVERSED (the REVERSAL posting's own event, at the same version,
-- names it in reversalOfId); an annotation changes description or metadata. Neither moves the
-- account, so the event carries its current version (reverse_postings moves the account first).
CREATE FUNCTION "outbox_transaction_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM "outbox_emit"(
        CASE WHEN NEW."status" <> OLD."status" THEN 'solvent.transaction.reversed' ELSE 'solvent.transaction.updated' END,
        NEW."account_id", (SELECT a."version" FROM "accounts" a WHERE a."id" = NEW."account_id"), NEW."id",
        jsonb_build_object('transaction', "outbox_transaction_row"(NEW)));
    RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_transaction_updated" AFTER UPDATE ON "transactions"
    FOR EACH ROW WHEN (NEW."status" <> OLD."status" OR (NEW."description", NEW."metadata") IS DISTINCT FROM (OLD."description", OLD."metadata"))
    EXECUTE FUNCTION "outbox_transaction_updated"();
