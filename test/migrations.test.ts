import { copyFileSync } from "node:fs";
import path from "node:path";
import { applyMigrations, pendingSchemaChange, readMigrations } from "../src/db/migrations";
import { PROJECT_ROOT } from "../src/paths";
import { testDatabaseUrl } from "./support/harness";
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

test("the database itself refuses what the ledger forbids", async () => {
  const client = new pg.Client({ connectionString: testDatabaseUrl() });
  await client.connect();
  const refused = async (sql: string) => {
    await client.query("BEGIN");
    try {
      await client.query(sql);
      return "accepted";
    } catch (error) {
      return (error as { code: string }).code;
    } finally {
      await client.query("ROLLBACK");
    }
  };
  const account = `INSERT INTO accounts (id, account_number, customer_name, type, currency, balance)
                   VALUES ('00000000-0000-7000-8000-000000000001', '1234567897', 'X', 'CHECKING', 'USD', 0)`;
  try {
    expect(await refused(account.replace("'USD', 0", "'USD', -1"))).toBe("23514");
    expect(await refused(account.replace("'USD'", "'ZZZ'"))).toBe("23503");
    expect(await refused(account.replace("'1234567897'", "'12ab'"))).toBe("23514");
    expect(await refused(account.replace("'X'", "'  '"))).toBe("23514");
    expect(
      await refused(`${account};
        INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, actor)
        VALUES ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001', 'CREDIT', 'DEPOSIT', 0, 0, 1, 't')`),
    ).toBe("23514");
    expect(
      await refused(`${account};
        INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, actor)
        VALUES ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001', 'CREDIT', 'DEPOSIT', 5, 5, 1, 't');
        DELETE FROM transactions WHERE id = '00000000-0000-7000-8000-000000000002'`),
    ).toBe("23001");
    expect(
      await refused(`${account};
        INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, actor)
        VALUES ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001', 'CREDIT', 'DEPOSIT', 5, 5, 1, 't');
        UPDATE transactions SET amount = 6 WHERE id = '00000000-0000-7000-8000-000000000002'`),
    ).toBe("23001");
  } finally {
    await client.end();
  }
});
