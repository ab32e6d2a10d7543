-- Moves money between two accounts, or does nothing and returns no row.
--
-- Both rows are locked in id order first, so two opposite transfers queue up
-- instead of deadlocking. The checks and the update then run as statements of
-- their own: in READ COMMITTED each takes a fresh snapshot after the locks are
-- held, so they judge the latest committed balances and versions, never the
-- older snapshot of the statement that called the function.
CREATE FUNCTION "move_funds"(
    "from_id" UUID, "to_id" UUID, "amount" BIGINT, "expected_from_version" INTEGER, "expected_to_version" INTEGER
) RETURNS SETOF "accounts" LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    "source" "accounts";
    "target" "accounts";
BEGIN
    PERFORM 1 FROM "accounts" WHERE "id" IN ("from_id", "to_id") ORDER BY "id" FOR UPDATE;
    SELECT * INTO "source" FROM "accounts" WHERE "id" = "from_id";
    SELECT * INTO "target" FROM "accounts" WHERE "id" = "to_id";
    IF "source"."id" IS NULL OR "target"."id" IS NULL
       OR "source"."status" <> 'ACTIVE' OR "target"."status" <> 'ACTIVE'
       OR "source"."balance" < "amount"
       OR ("expected_from_version" IS NOT NULL AND "source"."version" <> "expected_from_version")
       OR ("expected_to_version" IS NOT NULL AND "target"."version" <> "expected_to_version") THEN
        RETURN;
    END IF;
    RETURN QUERY
        UPDATE "accounts"
           SET "balance" = "balance" + CASE WHEN "id" = "from_id" THEN -"amount" ELSE "amount" END,
               "version" = "version" + 1,
               "updated_at" = now()
         WHERE "id" IN ("from_id", "to_id")
        RETURNING *;
END
$$;
