import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { startEmbeddedDatabase } from "../src/db/embedded";
import { pendingSchemaChange } from "../src/db/migrations";
import { PROJECT_ROOT } from "../src/paths";

/** `npm run db:migration -- <name>`: writes the SQL that takes the migrations to schema.prisma. */
async function main() {
  const name = process.argv[2];
  if (!name || !/^[a-z0-9_]+$/.test(name)) {
    console.error("usage: npm run db:migration -- <name in snake_case>");
    process.exit(2);
  }
  const scratch = await startEmbeddedDatabase();
  try {
    const sql = await pendingSchemaChange(scratch.url);
    if (!sql) {
      console.log("schema.prisma and the migrations agree: nothing to write");
      return;
    }
    const stamp = new Date().toISOString().replace(/\D/g, "").slice(0, 14);
    const dir = path.join(PROJECT_ROOT, "prisma", "migrations", `${stamp}_${name}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, "migration.sql"), sql);
    console.log(`wrote ${path.relative(PROJECT_ROOT, dir)}/migration.sql`);
  } finally {
    await scratch.stop();
  }
}

void main();
