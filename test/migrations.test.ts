import { copyFileSync, cpSync } from "node:fs";
import path from "node:path";
import { applyMigrations, pendingSchemaChange, readMigrations } from "../src/db/migrations";
import { PROJECT_ROOT } from "../src/paths";
import { testDatabaseUrl } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";
import { scratchDatabase } from "./support/scratchDatabase";
import { tempDir } from "./support/tempDir";
import pg from "pg";

/*
 * The schema engine replays prisma/migrations on a throwaway embedded
 * database and compares the result with prisma/schema.prisma: a change to
 * the schema without its migration (or the reverse) fails here.
 */
test("prisma/migrations produce exactly the datamodel of schema.prisma", async () => {
  expect(await pendingSchemaChange(testDatabaseUrl())).toBe("");
});

test("the drift check notices a datamodel the migrations do not build", async () => {
  // A migrations folder with no migrations in it: everything in schema.prisma is missing.
  const empty = tempDir("migrations");
  copyFileSync(path.join(PROJECT_ROOT, "prisma", "migrations", "migration_lock.toml"), path.join(empty, "migration_lock.toml"));
  const sql = await pendingSchemaChange(testDatabaseUrl(), empty);
  expect(sql).toContain('CREATE TABLE "accounts"');
  expect(sql).toContain('CREATE TABLE "transactions"');
});

test("every migration is applied once and recorded like prisma migrate deploy does", async () => {
  expect(await applyMigrations(testDatabaseUrl())).toEqual([]);
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query(
      "SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL ORDER BY migration_name",
    );
    expect(rows.map((r) => r.migration_name)).toEqual(readMigrations().migrationDirectories.map((m) => m.path));
  } finally {
    await client.end();
  }
});

test("every PL/pgSQL function of the ledger plans its statements once per connection (generic plans)", async () => {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    const { rows } = await client.query(`
      SELECT p.proname, p.proconfig FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
       WHERE n.nspname = current_schema() AND p.prolang = (SELECT oid FROM pg_language WHERE lanname = 'plpgsql')`);
    expect(rows.map((row) => row.proname)).toEqual(expect.arrayContaining(["post_entry", "open_account", "sweep_expired_holds", "outbox_emit"]));
    expect(rows.filter((row) => !row.proconfig?.includes("plan_cache_mode=force_generic_plan")).map((row) => row.proname)).toEqual([]);
  } finally {
    await client.end();
  }
});

test("references most rows lack are indexed without their NULLs, and every lookup by them still uses the index", async () => {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  try {
    const lookups: Record<string, [column: string, sql: string]> = {
      transactions_transfer_id_idx: ["transfer_id", "SELECT id FROM transactions WHERE transfer_id = $1::uuid"],
      transactions_hold_id_idx: ["hold_id", "SELECT id FROM transactions WHERE hold_id = ANY(ARRAY[$1::uuid]) ORDER BY id"],
      transactions_reversal_of_id_key: ["reversal_of_id", "SELECT id FROM transactions WHERE reversal_of_id = ANY(ARRAY[$1::uuid])"],
      journal_entries_reversal_of_id_key: ["reversal_of_id", "SELECT 1 FROM journal_entries WHERE (id = $1::uuid AND kind = 'REVERSAL') OR reversal_of_id = $1::uuid"],
    };
    const { rows } = await client.query<{ indexname: string; indexdef: string }>(
      "SELECT indexname, indexdef FROM pg_indexes WHERE indexname = ANY($1)",
      [Object.keys(lookups)],
    );
    expect(Object.fromEntries(rows.map((row) => [row.indexname, row.indexdef.replace(/.* WHERE /, "")]))).toEqual(
      Object.fromEntries(Object.entries(lookups).map(([name, [column]]) => [name, `(${column} IS NOT NULL)`])),
    );
    // Generic plans ($1 unknown), as PL/pgSQL keeps them: the planner must prove the predicate from the lookup alone.
    await client.query("SET plan_cache_mode = force_generic_plan; SET enable_seqscan = off");
    for (const [name, [, sql]] of Object.entries(lookups)) {
      await client.query(`PREPARE lookup(uuid) AS ${sql}`);
      const plan = await client.query<{ "QUERY PLAN": string }>("EXPLAIN (COSTS OFF) EXECUTE lookup(gen_random_uuid())");
      expect(plan.rows.map((row) => row["QUERY PLAN"]).join("\n")).toMatch(new RegExp(`Index Scan (using|on) ${name}\\b`));
      await client.query("DEALLOCATE lookup");
    }
  } finally {
    await client.end();
  }
});

/** What the database answers to `sql`, run in a transaction that is rolled back: "accepted" or the SQLSTATE. */
async function outcome(client: pg.Client, sql: string): Promise<string> {
  await client.query("BEGIN");
  try {
    await client.query(sql);
    return "accepted";
  } catch (error) {
    return (error as { code: string }).code;
  } finally {
    await client.query("ROLLBACK");
  }
}

test("the database itself refuses what the ledger forbids", async () => {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  const account = `INSERT INTO accounts (id, account_number, customer_name, type, currency, balance)
                   VALUES ('00000000-0000-7000-8000-000000000001', '1234567897', 'X', 'CHECKING', 'USD', 0);
                   INSERT INTO journal_entries (id, kind, currency, settlement, actor)
                   VALUES ('00000000-0000-7000-8000-0000000000e1', 'DEPOSIT', 'USD', 5, 't')`;
  try {
    expect(await outcome(client, account.replace("'USD', 0", "'USD', -1"))).toBe("23514");
    expect(await outcome(client, account.replace("'USD'", "'ZZZ'"))).toBe("23503");
    expect(await outcome(client, account.replace("'1234567897'", "'12ab'"))).toBe("23514");
    expect(await outcome(client, account.replace("'X'", "'  '"))).toBe("23514");
    expect(
      await outcome(client, `${account};
        INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, actor, journal_entry_id)
        VALUES ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001', 'CREDIT', 'DEPOSIT', 0, 0, 1, 't', '00000000-0000-7000-8000-0000000000e1')`),
    ).toBe("23514");
    expect(
      await outcome(client, `${account};
        INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, actor, journal_entry_id)
        VALUES ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001', 'CREDIT', 'DEPOSIT', 5, 5, 1, 't', '00000000-0000-7000-8000-0000000000e1');
        DELETE FROM transactions WHERE id = '00000000-0000-7000-8000-000000000002'`),
    ).toBe("23001");
    expect(
      await outcome(client, `${account};
        INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, actor, journal_entry_id)
        VALUES ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001', 'CREDIT', 'DEPOSIT', 5, 5, 1, 't', '00000000-0000-7000-8000-0000000000e1');
        UPDATE transactions SET amount = 6 WHERE id = '00000000-0000-7000-8000-000000000002'`),
    ).toBe("23001");
  } finally {
    await client.end();
  }
});

test("the database refuses a balance past the limit, and a reference twice for one owner (twice for no owner too)", async () => {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  const accounts = `INSERT INTO accounts (id, account_number, owner_id, customer_name, type, currency, balance, version) VALUES
    ('00000000-0000-7000-8000-0000000000a1', '1234567801', 'alice', 'A', 'CHECKING', 'USD', 10, 2),
    ('00000000-0000-7000-8000-0000000000a2', '1234567802', 'alice', 'A', 'CHECKING', 'USD', 5, 1),
    ('00000000-0000-7000-8000-0000000000b1', '1234567803', 'bob', 'B', 'CHECKING', 'USD', 5, 1),
    ('00000000-0000-7000-8000-0000000000c1', '1234567804', NULL, 'Bank', 'CHECKING', 'USD', 5, 1),
    ('00000000-0000-7000-8000-0000000000c2', '1234567805', NULL, 'Bank', 'CHECKING', 'USD', 5, 1);
    INSERT INTO journal_entries (id, kind, currency, settlement, actor)
    SELECT ('00000000-0000-7000-8000-0000000000e' || n)::uuid, 'DEPOSIT', 'USD', 5, 't' FROM generate_series(1, 3) n`;
  const posting = (n: number, account: string, owner: string | null, version: number) =>
    `('00000000-0000-7000-8000-00000000000${n}', '00000000-0000-7000-8000-0000000000${account}', ${owner ? `'${owner}'` : "NULL"},
      'CREDIT', 'DEPOSIT', 5, ${5 * version}, ${version}, 'REF-1', 't', '00000000-0000-7000-8000-0000000000e${n}')`;
  const insert = (...rows: string[]) =>
    `${accounts}; INSERT INTO transactions (id, account_id, owner_id, type, kind, amount, balance_after, account_version, reference, actor, journal_entry_id)
     VALUES ${rows.join(", ")}`;
  try {
    expect(await outcome(client, accounts.replace("'USD', 10, 2", "'USD', 1000000000000000001, 2"))).toBe("23514");
    expect(await outcome(client, accounts.replace("'USD', 10, 2", "'USD', 1000000000000000000, 2"))).toBe("accepted");
    expect(await outcome(client, insert(posting(1, "a1", "alice", 1), posting(2, "b1", "bob", 1), posting(3, "c1", null, 1)))).toBe("accepted");
    expect(await outcome(client, insert(posting(1, "a1", "alice", 1), posting(2, "a2", "alice", 1)))).toBe("23505");
    expect(await outcome(client, insert(posting(1, "a1", "alice", 1), posting(2, "a1", "alice", 2)))).toBe("23505");
    expect(await outcome(client, insert(posting(1, "c1", null, 1), posting(2, "c2", null, 1)))).toBe("23505");
  } finally {
    await client.end();
  }
});

test("a ledger written before posting order and owner scopes is converted in place: times chained, owners copied", async () => {
  // The migrations as they were before this change, then data as that code wrote it.
  const before = tempDir("migrations");
  copyFileSync(path.join(PROJECT_ROOT, "prisma", "migrations", "migration_lock.toml"), path.join(before, "migration_lock.toml"));
  for (const { path: name } of readMigrations().migrationDirectories.filter((m) => m.path < "20261203")) {
    cpSync(path.join(PROJECT_ROOT, "prisma", "migrations", name), path.join(before, name), { recursive: true });
  }
  const database = await scratchDatabase("legacy", { migrations: before });
  const sql = new pg.Pool({ connectionString: database.url, max: 1 });
  try {
    // v2 and v3 of the first account waited for its lock: their statements started before v1's.
    await sql.query(`
      INSERT INTO accounts (id, account_number, owner_id, customer_name, type, currency, balance, version) VALUES
        ('00000000-0000-7000-8000-0000000000a1', '1234567801', 'alice', 'A', 'CHECKING', 'USD', 15, 4),
        ('00000000-0000-7000-8000-0000000000c1', '1234567804', NULL, 'Bank', 'CHECKING', 'USD', 5, 1);
      INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, reference, actor, created_at) VALUES
        ('00000000-0000-7000-8000-000000000001', '00000000-0000-7000-8000-0000000000a1', 'CREDIT', 'DEPOSIT', 10, 10, 1, 'R1', 't', '2026-01-01T10:00:00.500Z'),
        ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-0000000000a1', 'CREDIT', 'DEPOSIT', 10, 20, 2, NULL, 't', '2026-01-01T10:00:00.200Z'),
        ('00000000-0000-7000-8000-000000000003', '00000000-0000-7000-8000-0000000000a1', 'DEBIT', 'WITHDRAWAL', 10, 10, 3, NULL, 't', '2026-01-01T10:00:00.300Z'),
        ('00000000-0000-7000-8000-000000000004', '00000000-0000-7000-8000-0000000000a1', 'CREDIT', 'DEPOSIT', 5, 15, 4, 'R2', 't', '2026-01-01T10:00:00.900Z'),
        ('00000000-0000-7000-8000-000000000005', '00000000-0000-7000-8000-0000000000c1', 'CREDIT', 'DEPOSIT', 5, 5, 1, 'R3', 't', '2026-01-01T10:00:00.100Z');`);

    expect(await applyMigrations(database.url)).toEqual(readMigrations().migrationDirectories.map((m) => m.path).filter((name) => name >= "20261203"));

    const { rows } = await sql.query(`SELECT account_version, owner_id, created_at FROM transactions ORDER BY account_id, account_version`);
    expect(rows.map((row) => [row.account_version, row.owner_id, (row.created_at as Date).toISOString()])).toEqual([
      [1, "alice", "2026-01-01T10:00:00.500Z"],
      [2, "alice", "2026-01-01T10:00:00.500Z"],
      [3, "alice", "2026-01-01T10:00:00.500Z"],
      [4, "alice", "2026-01-01T10:00:00.900Z"],
      [1, null, "2026-01-01T10:00:00.100Z"],
    ]);
    expect(await ledgerViolations(sql)).toEqual([]);
    // The conversion over, postings are append-only again, the owner included.
    await expect(sql.query(`UPDATE transactions SET created_at = now() WHERE account_version = 1`)).rejects.toMatchObject({ code: "23001" });
    await expect(sql.query(`UPDATE transactions SET owner_id = 'bob' WHERE account_version = 1`)).rejects.toMatchObject({ code: "23001" });
  } finally {
    await sql.end();
    await database.drop();
  }
});
