import { startEmbeddedDatabase } from "../../src/db/embedded";
import { applyMigrations } from "../../src/db/migrations";
import { postgresDatabase, type ScratchDatabase } from "./postgresDatabase";

export type { ScratchDatabase };

/**
 * A migrated database of its own: created on the PostgreSQL server that
 * TEST_DATABASE_URL names (and only that one is dropped again), or an
 * in-memory embedded PGlite when there is none. `migrations` names another
 * migrations folder (e.g. the migrations as they were, to test a conversion).
 */
export async function scratchDatabase(label: string, { migrations }: { migrations?: string } = {}): Promise<ScratchDatabase> {
  const adminUrl = process.env.TEST_DATABASE_URL;
  let database: ScratchDatabase;
  if (adminUrl) {
    database = await postgresDatabase(adminUrl, label);
  } else {
    const embedded = await startEmbeddedDatabase();
    database = { url: embedded.url, drop: () => embedded.stop() };
  }
  await applyMigrations(database.url, migrations);
  return database;
}
