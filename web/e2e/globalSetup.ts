import { randomBytes } from "node:crypto";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { PROJECT_ROOT } from "../../src/paths";
import { postgresDatabase } from "../../test/support/postgresDatabase";
import { exitCode, serving, spawnServer } from "../../test/support/serverChild";
import { CHROMIUM, hasChromium, INSTALL_CHROMIUM } from "./browser";

/**
 * The built server (`npm start`'s) for the whole run: on a database of its own on the PostgreSQL
 * server TEST_DATABASE_URL names, with a signing secret made here, as the jest tests do; else
 * on a fresh embedded database with its development authentication, as `npm start` runs.
 * The tests learn where it is, and how to sign tokens for it, from the environment.
 */
export default async function globalSetup() {
  if (!hasChromium) {
    if (process.env.CI === "true") throw new Error(`no Chromium at ${CHROMIUM} for the browser tests. ${INSTALL_CHROMIUM}`);
    console.log(`\nbrowser tests skipped: no Chromium at ${CHROMIUM}. ${INSTALL_CHROMIUM}\n`);
    return;
  }
  for (const built of ["dist/src/main.js", "web/dist/index.html"]) {
    if (!existsSync(path.join(PROJECT_ROOT, built))) throw new Error(`no ${built}: run \`npm run build\` first (npm test does)`);
  }
  const adminUrl = process.env.TEST_DATABASE_URL;
  const database = adminUrl ? await postgresDatabase(adminUrl, "browser") : undefined;
  const dataDir = database ? undefined : mkdtempSync(path.join(tmpdir(), "solvent-browser-"));
  const auth = database ? { AUTH_JWT_SECRET: randomBytes(32).toString("base64url") } : { SOLVENT_DATA_DIR: dataDir! };
  const server = spawnServer({ DATABASE_URL: database?.url, AUTH_JWT_SECRET: undefined, AUTH_JWKS_URL: undefined, AUTH_DISABLED: undefined, ...auth });
  const url = await serving(server);
  process.env.SOLVENT_E2E_ORIGIN = new URL(url).origin;
  process.env.SOLVENT_E2E_AUTH = JSON.stringify(auth);
  process.env.SOLVENT_E2E_DEVELOPMENT = String(!database);
  console.log(`\nbrowser tests against ${url}, on ${database ? "PostgreSQL" : "the embedded database"}`);

  return async () => {
    server.child.kill("SIGTERM");
    const code = await exitCode(server, 30_000);
    await database?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    if (code !== 0) throw new Error(`the server exited with ${code}:\n${server.stdout.join("")}${server.stderr.join("")}`);
  };
}
