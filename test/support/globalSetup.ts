import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { scratchDatabase } from "./scratchDatabase";

/*
 * One database for the run, migrated once. TEST_DATABASE_URL names a
 * PostgreSQL server (CI sets it): a database of our own is created there and
 * dropped afterwards. Without it the tests run on an in-memory embedded PGlite.
 */
export default async function globalSetup() {
  // PGlite and Prisma's client load parts of themselves with import(), which jest's module system allows only under this flag.
  if (!`${process.execArgv} ${process.env.NODE_OPTIONS ?? ""}`.includes("--experimental-vm-modules")) {
    throw new Error("run the tests with `npm test` or `npm run jest -- <files>`: jest needs node --experimental-vm-modules");
  }
  const onPostgres = Boolean(process.env.TEST_DATABASE_URL);
  const database = await scratchDatabase("test");
  (globalThis as Record<string, unknown>).solventTestDatabase = database;
  process.env.SOLVENT_TEST_DATABASE_URL = database.url;
  // Every __typename a test receives is noted here; globalTeardown checks the contract's unions are all covered.
  process.env.SOLVENT_TEST_TYPENAMES = path.join(tmpdir(), `solvent-typenames-${process.pid}-${Date.now()}.log`);
  writeFileSync(process.env.SOLVENT_TEST_TYPENAMES, "");
  process.env.SOLVENT_TEST_BACKEND = onPostgres ? "postgresql" : "pglite";
  console.log(`\ntests run on ${onPostgres ? "PostgreSQL" : "embedded PGlite"}`);
}
