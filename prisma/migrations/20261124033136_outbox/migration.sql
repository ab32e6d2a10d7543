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
    "data" JSONB NOT NULL,
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

ALTER TABLE "outbox"
    ADD CONSTRAINT "outbox_type_check" CHECK ("type" IN ('solvent.account.opened', 'solvent.account.updated',
        'solvent.account.closed', 'solvent.transaction.posted', 'solvent.transaction.reversed', 'solvent.transaction.updated'));

ALTER TABLE "outbox_deliveries"
    ADD CONSTRAINT "outbox_deliveries_attempts_check" CHECK ("attempts" >= 0);

-- Money as the API shows it: a decimal string with the currency's minor-unit digits, computed exactly.
CREATE FUNCTION "solvent_money"("amount" BIGINT, "currency" CHAR(3)) RETURNS TEXT
LANGUAGE sql STABLE AS $$
    SELECT round("amount"::numeric / power(10::numeric, c."minor_units"), c."minor_units")::text
      FROM "currencies" c WHERE c."code" = "currency"
$$;

-- RFC 3339 in UTC with milliseconds, as the API shows timestamps.
CREATE FUNCTION "solvent_time"("at" TIMESTAMPTZ) RETURNS TEXT
LANGUAGE sql STABLE AS $$
    SELECT to_char("at" AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;

CREATE FUNCTION "account_event_data"("a" "accounts") RETURNS JSONB
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', "a"."id", 'accountNumber', "a"."account_number", 'ownerId', "a"."owner_id",
        'customerName', "a"."customer_name", 'type', "a"."type", 'status', "a"."status", 'currency', "a"."currency",
        'balance', "solvent_money"("a"."balance", "a"."currency"), 'version', "a"."version",
        'createdAt', "solvent_time"("a"."created_at"), 'updatedAt', "solvent_time"("a"."updated_at"),
        'closedAt', "solvent_time"("a"."closed_at"))
$$;

CREATE FUNCTION "transaction_event_data"("t" "transactions", "currency" CHAR(3)) RETURNS JSONB
LANGUAGE sql STABLE AS $$
    SELECT jsonb_build_object(
        'id', "t"."id", 'reference', "t"."reference", 'accountId', "t"."account_id", 'type', "t"."type",
        'kind', "t"."kind", 'amount', "solvent_money"("t"."amount", "currency"), 'currency', "currency",
        'balanceAfter', "solvent_money"("t"."balance_after", "currency"), 'accountVersion', "t"."account_version",
        'status', "t"."status", 'description', "t"."description", 'metadata', "t"."metadata",
        'transferId', "t"."transfer_id", 'reversalOfId', "t"."reversal_of_id", 'actor', "t"."actor",
        'createdAt', "solvent_time"("t"."created_at"))
$$;

CREATE FUNCTION "outbox_account_opened"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "outbox" ("id", "type", "subject", "account_version", "data")
    SELECT gen_random_uuid(), 'solvent.account.opened', a."id", a."version", jsonb_build_object('account', "account_event_data"(a))
      FROM "opened" a;
    RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_account_opened" AFTER INSERT ON "accounts"
    REFERENCING NEW TABLE AS "opened" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_account_opened"();

-- Postings change only the balance and version, which their own events carry.
CREATE FUNCTION "outbox_account_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "outbox" ("id", "type", "subject", "account_version", "data")
    SELECT gen_random_uuid(),
           CASE WHEN n."status" = 'CLOSED' THEN 'solvent.account.closed' ELSE 'solvent.account.updated' END,
           n."id", n."version",
           jsonb_build_object('account', "account_event_data"(n),
                              'previous', jsonb_build_object('customerName', o."customer_name", 'type', o."type", 'status', o."status"))
      FROM "after" n JOIN "before" o ON o."id" = n."id"
     WHERE (n."customer_name", n."type", n."status") IS DISTINCT FROM (o."customer_name", o."type", o."status");
    RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_account_updated" AFTER UPDATE ON "accounts"
    REFERENCING OLD TABLE AS "before" NEW TABLE AS "after" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_account_updated"();

-- The account as it stands after the statement: one posting per account per statement, so as right after this posting.
CREATE FUNCTION "outbox_transaction_posted"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "outbox" ("id", "type", "subject", "account_version", "data")
    SELECT gen_random_uuid(), 'solvent.transaction.posted', t."account_id", t."account_version",
           jsonb_build_object('transaction', "transaction_event_data"(t, a."currency"), 'account', "account_event_data"(a))
      FROM "posted" t JOIN "accounts" a ON a."id" = t."account_id";
    RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_transaction_posted" AFTER INSERT ON "transactions"
    REFERENCING NEW TABLE AS "posted" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_transaction_posted"();

-- A reversal marks the original REVERSED (the REVERSAL posting's own event, at the same version,
-- names it in reversalOfId); an annotation changes description or metadata. Neither moves the
-- account, so the event carries its current version.
CREATE FUNCTION "outbox_transaction_updated"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "outbox" ("id", "type", "subject", "account_version", "data")
    SELECT gen_random_uuid(),
           CASE WHEN n."status" <> o."status" THEN 'solvent.transaction.reversed' ELSE 'solvent.transaction.updated' END,
           n."account_id", a."version",
           jsonb_build_object('transaction', "transaction_event_data"(n, a."currency"))
      FROM "after" n JOIN "before" o ON o."id" = n."id" JOIN "accounts" a ON a."id" = n."account_id"
     WHERE n."status" <> o."status" OR (n."description", n."metadata") IS DISTINCT FROM (o."description", o."metadata");
    RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_transaction_updated" AFTER UPDATE ON "transactions"
    REFERENCING OLD TABLE AS "before" NEW TABLE AS "after" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_transaction_updated"();

-- One delivery per event and registered sink. Its position orders an account's events: by the
-- account version they leave behind, then opened, updated/closed, posted, reversed, annotated.
CREATE FUNCTION "outbox_deliver"() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO "outbox_deliveries" ("sink", "event_seq", "subject", "position")
    SELECT s."name", e."seq", e."subject",
           e."account_version"::bigint * 8 + CASE e."type"
               WHEN 'solvent.account.opened' THEN 0 WHEN 'solvent.account.updated' THEN 1 WHEN 'solvent.account.closed' THEN 1
               WHEN 'solvent.transaction.posted' THEN 2 WHEN 'solvent.transaction.reversed' THEN 3 ELSE 4 END
      FROM "events" e CROSS JOIN "outbox_sinks" s;
    RETURN NULL;
END
$$;

CREATE TRIGGER "outbox_deliver" AFTER INSERT ON "outbox"
    REFERENCING NEW TABLE AS "events" FOR EACH STATEMENT EXECUTE FUNCTION "outbox_deliver"();

