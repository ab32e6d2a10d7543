import { copyFileSync, cpSync, readFileSync } from "node:fs";
import path from "node:path";
import pg from "pg";
import { applyMigrations, readMigrations } from "../../src/db/migrations";
import { PROJECT_ROOT } from "../../src/paths";
import { scratchDatabase, type ScratchDatabase } from "./scratchDatabase";
import { tempDir } from "./tempDir";

/**
 * A database as an older commit left it: migrated only up to the migrations
 * named before `before`, then filled with `fixture` (a file in test/fixtures,
 * data made by that commit). migrate() applies the rest, as a deploy would,
 * and returns the names of the migrations it applied.
 */
export async function legacyDatabase(
  label: string,
  { before, fixture }: { before: string; fixture: string },
): Promise<ScratchDatabase & { migrate(): Promise<string[]> }> {
  const migrations = path.join(PROJECT_ROOT, "prisma", "migrations");
  const older = tempDir("migrations");
  copyFileSync(path.join(migrations, "migration_lock.toml"), path.join(older, "migration_lock.toml"));
  for (const { path: name } of readMigrations().migrationDirectories.filter((m) => m.path < before)) {
    cpSync(path.join(migrations, name), path.join(older, name), { recursive: true });
  }
  const database = await scratchDatabase(label, { migrations: older });
  try {
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    try {
      // One simple-protocol query: the whole file in one implicit transaction.
      await client.query(readFileSync(path.join(PROJECT_ROOT, "test", "fixtures", fixture), "utf8"));
    } finally {
      await client.end();
    }
  } catch (error) {
    await database.drop();
    throw error;
  }
  return { ...database, migrate: () => applyMigrations(database.url) };
}
