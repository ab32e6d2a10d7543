-- The ledger's writers lock their accounts' rows FOR NO KEY UPDATE, not FOR UPDATE.
--
-- They lock them in id order so that two writers never wait for each other in a
-- cycle, but a foreign key check locks a referenced row too (FOR KEY SHARE), outside
-- that order, and FOR UPDATE blocks it: an authorization with a destination locked its
-- account, then its new hold's foreign key waited for the destination, while a transfer
-- or capture between the same two accounts had locked the destination first and waited
-- for the account. PostgreSQL broke each such cycle after deadlock_timeout (1 s), the
-- request ran again, and requests queued behind it could meet lock_timeout (found by the
-- holds model test run long: SERVICE_UNAVAILABLE on a void). The writers change no key
-- of an account, so FOR NO KEY UPDATE (the lock their UPDATE takes anyway) keeps them
-- ordered among themselves and lets foreign key checks through.
--
-- The two functions are redefined from their own definitions with that one change, so
-- that everything else, plan_cache_mode (20261203160000_generic_plans) included, stays
-- as it is; a definition without the lock it replaces stops the migration.
DO $$
DECLARE
    "v_function" REGPROCEDURE;
    "v_from" TEXT;
    "v_to" TEXT;
    "v_definition" TEXT;
BEGIN
    FOR "v_function", "v_from", "v_to" IN VALUES
        ('"post_entry"'::REGPROC::OID::REGPROCEDURE, 'ORDER BY a."id" FOR UPDATE;', 'ORDER BY a."id" FOR NO KEY UPDATE;'),
        ('"sweep_expired_holds"'::REGPROC::OID::REGPROCEDURE, 'FOR UPDATE SKIP LOCKED;', 'FOR NO KEY UPDATE SKIP LOCKED;')
    LOOP
        "v_definition" := pg_get_functiondef("v_function");
        IF position("v_from" IN "v_definition") = 0 THEN
            RAISE EXCEPTION '% does not lock as expected: %', "v_function", "v_from";
        END IF;
        EXECUTE replace("v_definition", "v_from", "v_to");
    END LOOP;
END
$$;
