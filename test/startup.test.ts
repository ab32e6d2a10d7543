import { existsSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import pino from "pino";
import { startSolvent } from "../src/app";
import { loadConfig } from "../src/config";
import { LOCK_NAME, startEmbeddedDatabase } from "../src/db/embedded";
import { exitCode, logLines, spawnServer, type ServerProcess } from "./support/serverProcess";
import { eventually } from "./support/events";
import { capturingLogger, startTestServer } from "./support/harness";
import { tempDir } from "./support/tempDir";

/*
 * A server that cannot start says why in one JSON log line (as every other
 * log line: nothing on the console beside them, no stack trace), exits with
 * code 1 instead of hanging, and leaves nothing running behind it.
 */

/** Asserts the one log line of a failed start and returns its message. */
function failureLine(server: ServerProcess): string {
  expect(server.stderr.join("")).toBe("");
  const failures = logLines(server).filter((line) => Number(line.level) >= 50);
  expect(failures).toHaveLength(1);
  expect(failures[0].level).toBe(60);
  return String(failures[0].msg);
}

test.each([
  ["a port that is not a number", { DATABASE_URL: "postgresql://u@host:notaport/db" }, /^invalid configuration: DATABASE_URL must be a URL/],
  ["a malformed %-escape", { DATABASE_URL: "postgresql://%zz" }, /^invalid configuration: DATABASE_URL has a malformed %-escape/],
  ["an integer setting that is not one", { PORT: "abc" }, /^invalid configuration: PORT must be an integer/],
])("an invalid setting (%s) is one log line, and exit code 1", async (_case, env, message) => {
  const server = spawnServer(env);
  expect(await exitCode(server, 30_000)).toBe(1);
  expect(failureLine(server)).toMatch(message);
  expect(logLines(server)).toHaveLength(1);
});

describe("a port in use", () => {
  const taken = net.createServer();
  let port: number;
  beforeAll(async () => {
    await new Promise<void>((resolve) => taken.listen(0, "127.0.0.1", resolve));
    port = (taken.address() as net.AddressInfo).port;
  });
  afterAll(() => taken.close());

  test("is one log line, and exit code 1", async () => {
    const dataDir = tempDir("port-taken");
    const server = spawnServer({ PORT: String(port), SOLVENT_DATA_DIR: dataDir, DATABASE_URL: undefined });
    expect(await exitCode(server, 60_000)).toBe(1);
    expect(failureLine(server)).toMatch(new RegExp(`^could not start: listen EADDRINUSE.*127\\.0\\.0\\.1:${port}`));
    expect(existsSync(path.join(dataDir, LOCK_NAME))).toBe(false);
  });

  test("fails the start after the embedded database is stopped and its folder unlocked, not only when the process exits", async () => {
    const dataDir = tempDir("port-taken-in-process");
    const config = loadConfig({ PORT: String(port), SOLVENT_DATA_DIR: dataDir });
    await expect(startSolvent(config, pino({ level: "silent" }))).rejects.toThrow(/EADDRINUSE/);
    expect(existsSync(path.join(dataDir, LOCK_NAME))).toBe(false);
    // Nothing holds the folder: it opens again at once.
    const embedded = await startEmbeddedDatabase(dataDir);
    await embedded.stop();
  });
});

test("a server on a PostgreSQL without autovacuum says so once at start, and why it matters", async () => {
  const server = await startTestServer();
  try {
    const { rows } = await server.sql.query<{ autovacuum: string }>("SELECT current_setting('autovacuum') AS autovacuum");
    const warnings = server.logs.filter((line) => line.level === 40 && String(line.msg).includes("autovacuum is off"));
    // This machine's PostgreSQL runs without it (its configuration file says so); a server with it stays silent.
    expect(warnings).toHaveLength(rows[0].autovacuum === "on" ? 0 : 1);
    for (const warning of warnings) expect(warning.msg).toMatch(/ANALYZE/);
  } finally {
    await server.stop();
  }
});

test("a server on the embedded database, which has no autovacuum, refreshes its statistics at every purge round", async () => {
  const config = loadConfig({ PORT: "0", SOLVENT_DATA_DIR: tempDir("analyze"), LOG_LEVEL: "debug", IDEMPOTENCY_PURGE_INTERVAL_SECONDS: "1" });
  const { log, logs } = capturingLogger(config.logLevel);
  const solvent = await startSolvent(config, log);
  try {
    const analyzed = () => logs.filter((line) => line.msg === "sql" && line.sql === "ANALYZE").length;
    await eventually(async () => analyzed(), (count) => count >= 2, 10_000);
    expect(analyzed()).toBeGreaterThanOrEqual(2);
  } finally {
    await solvent.stop();
  }
});
