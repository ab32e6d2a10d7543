import { loadConfig } from "../src/config";
import { startEmbeddedDatabase } from "../src/db/embedded";
import { applyMigrations } from "../src/db/migrations";

/** `npm run db:migrate`: applies pending migrations to DIRECT_DATABASE_URL, else DATABASE_URL, else the embedded database. */
async function main() {
  const config = loadConfig();
  const embedded = config.databaseUrl ? undefined : await startEmbeddedDatabase(config.dataDir);
  try {
    const applied = await applyMigrations(config.directDatabaseUrl ?? config.databaseUrl ?? embedded!.url);
    console.log(applied.length ? `applied ${applied.join(", ")}` : "database schema up to date");
  } finally {
    await embedded?.stop();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
