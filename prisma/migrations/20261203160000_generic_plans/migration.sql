-- Every write runs post_entry (and its triggers) with other accounts, amounts and keys each
-- time. PL/pgSQL caches each statement's plan, but under the default plan_cache_mode
-- (auto) PostgreSQL plans a statement with its values for its first five runs and keeps
-- doing so when the generic plan looks no cheaper, which for these statements it never
-- does: measured with pgbench on the benchmark's database, a debit spent 2.3-3.4 ms in
-- PostgreSQL alone (one client), 0.9 ms with generic plans, and 16 clients went from
-- ~650 to ~1,350-1,600 debits/s. Their plans do not depend on the values (every lookup
-- is by primary key or by account), so every PL/pgSQL function of the ledger plans once
-- per connection. CREATE OR REPLACE FUNCTION drops this setting: a migration that
-- redefines one says SET plan_cache_mode = force_generic_plan again
-- (test/migrations.test.ts checks that every one has it).
DO $$
DECLARE
  f REGPROCEDURE;
BEGIN
  FOR f IN SELECT p.oid::REGPROCEDURE FROM pg_proc p
             JOIN pg_namespace n ON n.oid = p.pronamespace
            WHERE n.nspname = current_schema() AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')
  LOOP
    EXECUTE format('ALTER FUNCTION %s SET plan_cache_mode = force_generic_plan', f);
  END LOOP;
END $$;
