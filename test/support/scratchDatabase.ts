import pg from "pg";
import { startEmbeddedDatabase } from "../../src/db/embedded";
import { applyMigrations } from "../../src/db/migrations";

export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

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
    const name = `solvent_${label}_${Date.now()}_${process.pid}`;
    const admin = async (sql: string) => {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(sql);
      } finally {
        await client.end();
      }
    };
    await admin(`CREATE DATABASE "${name}"`);
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    database = { url: url.toString(), drop: () => admin(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`) };
  } else {
    const embedded = await startEmbeddedDatabase();
    database = { url: embedded.url, drop: () => embedded.stop() };
  }
  await applyMigrations(database.url, migrations);
  return database;
}
