import pg from "pg";
import type { EmbeddedDatabase } from "../../src/db/embedded";

export default async function globalTeardown() {
  const state = globalThis as Record<string, unknown>;
  const created = state.solventTestDatabase as { adminUrl: string; name: string } | undefined;
  if (created) {
    // Only the database globalSetup created is dropped.
    const admin = new pg.Client({ connectionString: created.adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS "${created.name}" WITH (FORCE)`);
    await admin.end();
  }
  await (state.solventEmbedded as EmbeddedDatabase | undefined)?.stop();
}
