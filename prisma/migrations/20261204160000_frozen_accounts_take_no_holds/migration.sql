-- An account that is not ACTIVE takes no new hold, also while an expired hold of
-- its own, not yet released, still counts in its `held`.
--
-- line_refusal refused a line on such an account when the line moved money or
-- left the account's holds reserving more than `accounts.held` before it. But the
-- reservation after the line is computed with the account's expired holds
-- released, while `accounts.held` still counts them until a write or the sweeper
-- marks them EXPIRED: so on a FROZEN account with an expired hold of 34.39, an
-- authorization of up to 34.39 was accepted (found by the ledger model test:
-- a HoldSuccess on a FROZEN account). No money moved, but a frozen account must
-- not take holds.
--
-- The rule now looks at the line itself: a line that moves money, or reserves
-- more (`held_change` > 0: an authorization), needs an ACTIVE account; a line
-- that only releases (a void, a capture's release, an expiry) applies to an
-- account of any status, as before. line_refusal takes the two parts of the
-- reservation after the line (what the account's expired holds still reserve,
-- released by this write, and the line's own change) and adds them up itself.
-- post_entry is redefined from its own definition with only its call changed
-- (so plan_cache_mode and the row locks of later migrations stay); a definition
-- without the call it replaces stops the migration.
CREATE FUNCTION "line_refusal"("a" "accounts", "delta" BIGINT, "expired" BIGINT, "held_change" BIGINT, "expected_version" INTEGER)
RETURNS TEXT LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE
        WHEN "a"."id" IS NULL THEN 'ACCOUNT_NOT_FOUND'
        WHEN "a"."status" <> 'ACTIVE' AND ("delta" <> 0 OR "held_change" > 0) THEN 'ACCOUNT_NOT_ACTIVE'
        WHEN "expected_version" IS NOT NULL AND "a"."version" <> "expected_version" THEN 'VERSION_CONFLICT'
        WHEN "a"."balance" + "delta" - ("a"."held" - "expired" + "held_change") < 0 THEN 'INSUFFICIENT_FUNDS'
        WHEN "a"."balance" + "delta" > "balance_limit"() THEN 'BALANCE_LIMIT_EXCEEDED'
    END
$$;

DO $$
DECLARE
    "v_from" CONSTANT TEXT := '"line_refusal"(a, l."delta", a."held" - l."expired" + COALESCE(("p_held_deltas")[l."i"], 0),';
    "v_to" CONSTANT TEXT := '"line_refusal"(a, l."delta", l."expired", COALESCE(("p_held_deltas")[l."i"], 0),';
    "v_definition" TEXT := pg_get_functiondef('"post_entry"'::REGPROC::OID);
BEGIN
    IF position("v_from" IN "v_definition") = 0 THEN
        RAISE EXCEPTION 'post_entry does not call line_refusal as expected: %', "v_from";
    END IF;
    EXECUTE replace("v_definition", "v_from", "v_to");
END
$$;

DROP FUNCTION "line_refusal"("accounts", BIGINT, BIGINT, INTEGER);
