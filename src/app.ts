import type { ClassType } from "type-graphql";
import { authenticator, createDevelopmentSecret, DEVELOPMENT_TOKEN_SECONDS, signToken } from "./auth";
import { createDatabase, type Db } from "./db/client";
import { Prisma } from "./db/generated/prisma/client";
import type { Sql } from "./db/sql";
import { purgeDeliveredEvents, startEvents, type Events } from "./events";
import type { RelayOptions } from "./events/relay";
import { startEmbeddedDatabase } from "./db/embedded";
import { applyMigrationsApart, readMigrations } from "./db/migrations";
import { readiness } from "./db/readiness";
import { createSchema } from "./graphql/schema";
import { Ledger } from "./ledger";
import { purgeExpiredKeys } from "./ledger/idempotency";
import type { AuthConfig, Config } from "./config";
import type { Logger } from "./logger";
import { createMetrics } from "./metrics";
import { startServer } from "./server";

export interface Solvent {
  url: string;
  db: Db;
  ledger: Ledger;
  events: Events;
  stop(): Promise<void>;
}

export interface SolventOptions {
  /** More type-graphql resolver classes to serve beside the public ones. */
  resolvers?: readonly ClassType[];
  /** Runs in each event relay between sending a round and marking it delivered (tests crash there). */
  beforeMark?: RelayOptions["beforeMark"];
}

/**
 * What has been started, stopped in reverse order: by stop(), and when a
 * later step of the start fails, so that a failed start leaves nothing
 * running (no embedded database, no lock on its folder).
 */
class Started {
  private readonly stops: Array<() => Promise<void>> = [];

  add(stop: () => Promise<void>) {
    this.stops.push(stop);
  }

  /** Stops everything, even after one stop fails; then throws the first failure. */
  async stopAll() {
    let failure: unknown;
    for (const stop of this.stops.splice(0).reverse()) {
      await stop().catch((error: unknown) => (failure ??= error));
    }
    if (failure) throw failure;
  }
}

/** Starts everything: the database (embedded or given), pending migrations, the ledger, the HTTP server. */
export async function startSolvent(config: Config, log: Logger, options: SolventOptions = {}): Promise<Solvent> {
  const started = new Started();
  try {
    return await start(config, log, options, started);
  } catch (error) {
    await started.stopAll().catch((stopError: unknown) => log.error({ err: stopError }, "could not stop what had started"));
    throw error;
  }
}

async function start(config: Config, log: Logger, options: SolventOptions, started: Started): Promise<Solvent> {
  const embedded = config.databaseUrl
    ? undefined
    : await startEmbeddedDatabase(config.dataDir, { onLockLost: (error) => lockLost(log, config.dataDir, error) });
  if (embedded) {
    started.add(() => embedded.stop());
    log.info({ dataDir: config.dataDir }, "embedded database started (set DATABASE_URL to use PostgreSQL)");
  }
  const url = embedded?.url ?? config.databaseUrl!;
  const applied = await applyMigrationsApart(config.directDatabaseUrl ?? url);
  log.info({ applied }, applied.length ? "migrations applied" : "database schema up to date");

  const { auth, developmentToken } = await authentication(config, Boolean(embedded), log);
  const authenticate = authenticator(auth);
  const { db, sql, close } = createDatabase(url, {
    // The embedded database runs one transaction at a time: more connections only queue.
    poolSize: embedded ? Math.min(config.poolSize, 8) : config.poolSize,
    pooler: config.pooler,
    statementTimeoutMs: config.limits.requestTimeoutMs,
    lockTimeoutMs: config.lockTimeoutMs,
    poolTimeoutMs: config.poolTimeoutMs,
    poolIdleTimeoutMs: config.poolIdleTimeoutMs,
    // The embedded database shares one session among its connections: a name prepared on one is taken on all.
    preparedStatements: config.preparedStatements && !embedded,
    onIdleError: (error) => log.warn({ err: error }, "a database connection broke"),
    onQuery: log.isLevelEnabled("debug") ? (sql, durationMs) => log.debug({ sql, durationMs }, "sql") : undefined,
  });
  started.add(close);
  if (!embedded) await warnWithoutAutovacuum(sql, log);
  const ledger = await Ledger.create(db, sql, {
    holds: config.holds,
    writeConcurrency: config.writeConcurrency,
    writeWaitMs: config.poolTimeoutMs,
  });
  const metrics = createMetrics();
  metrics.database.observePool(sql.pool);
  sql.timeStatements(metrics.database.statementTimer);
  const events = await startEvents(url, config.events, {
    currencies: ledger.currencies,
    // No statement runs longer: a gap older than this in the outbox is a rolled-back event.
    gapTimeoutMs: config.limits.requestTimeoutMs + 1000,
    log,
    metrics,
    beforeMark: options.beforeMark,
  });
  started.add(() => events.stop());
  const probe = readiness(url, config.pooler, readMigrations().migrationDirectories.map((m) => m.path));
  started.add(() => probe.close());
  const server = await startServer({
    schema: await createSchema(undefined, options.resolvers),
    ledger,
    events: events.hub,
    metrics,
    authenticate,
    developmentToken,
    config,
    log,
    ready: () => probe.ready(),
  });
  started.add(() => server.stop());
  const purge = repeat(config.idempotencyPurgeIntervalSeconds * 1000, log, "purge", async () => {
    const keys = await purgeExpiredKeys(db, config.idempotencyRetentionHours);
    const events = await purgeDeliveredEvents(db, config.events.retentionHours);
    if (keys + events > 0) log.info({ keys, events }, "expired idempotency keys and delivered events purged");
    // The embedded database has no autovacuum (no background processes, whatever its setting says), so
    // nothing else refreshes the statistics the write path's plans are made from (warnWithoutAutovacuum).
    if (embedded) await sql.query(Prisma.sql`ANALYZE`);
  });
  started.add(() => purge.stop());
  // Every process sweeps: accounts a sweep finds busy are skipped, never waited for.
  const sweep = repeat(config.holds.sweepIntervalMs, log, "hold sweep", async () => {
    const accounts = await ledger.holds.sweep();
    if (accounts > 0) log.info({ accounts }, "expired holds released");
  });
  started.add(() => sweep.stop());
  return { url: server.url, db, ledger, events, stop: () => started.stopAll() };
}

/**
 * Each connection plans the write path's statements once (the generic_plans
 * migration), from the tables' statistics as they are then; ANALYZE, which
 * autovacuum runs, is what makes it plan them again. Without it, plans made
 * while a table was empty (holds, on a new ledger) keep reading all of it on
 * every write as it grows.
 */
async function warnWithoutAutovacuum(sql: Sql, log: Logger) {
  const [{ autovacuum }] = await sql.query(Prisma.sql`SELECT current_setting('autovacuum') AS autovacuum`);
  if (autovacuum !== "on") {
    log.warn(
      { autovacuum },
      "PostgreSQL's autovacuum is off: run ANALYZE on the ledger's tables as they grow (the write path plans its statements from their statistics)",
    );
  }
}

/**
 * Another process may be writing to the data folder now: a graceful stop
 * would write to it too (PGlite's closing checkpoint). Exit as a crash
 * would; the next start recovers from the write-ahead log.
 */
function lockLost(log: Logger, dataDir: string, error: Error): never {
  log.fatal({ err: error, dataDir }, "lost the lock on the data folder (deleted, or taken over as stale): stopping at once");
  process.exit(1);
}

/**
 * The authentication to run with. With none configured the server refuses to
 * start, except on the embedded database: there it signs tokens with a secret
 * made for this start (kept in the data folder for `npm run token`) and
 * prints an admin token, which the console's sign-in page offers too.
 */
async function authentication(config: Config, embedded: boolean, log: Logger): Promise<{ auth: AuthConfig; developmentToken?: string }> {
  if (config.auth.mode === "disabled") {
    if (config.production) throw new Error("AUTH_DISABLED=true is refused when NODE_ENV=production");
    log.warn("AUTH_DISABLED=true: every request acts as an admin; never expose this server");
    return { auth: config.auth };
  }
  if (config.auth.mode === "tokens") return { auth: config.auth };
  if (!embedded) {
    throw new Error("no authentication configured: set AUTH_JWT_SECRET or AUTH_JWKS_URL (or AUTH_DISABLED=true to run without it, locally)");
  }
  const secret = createDevelopmentSecret(config.dataDir);
  const adminToken = await signToken(secret, { subject: "dev-admin", role: "admin" }, { expiresInSeconds: DEVELOPMENT_TOKEN_SECONDS });
  log.info(
    { adminToken },
    "development authentication: this admin token is valid for 24 h, until the next start; `npm run token -- --role customer --sub alice` makes others",
  );
  return { auth: { mode: "tokens", secret }, developmentToken: adminToken };
}

/** Runs `work` every `intervalMs`, one run at a time, off the request path; a failed run is logged and the next one tries again. */
function repeat(intervalMs: number, log: Logger, what: string, work: () => Promise<void>) {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= work()
      .catch((error: unknown) => log.error({ err: error }, `${what} failed`))
      .finally(() => (running = undefined));
  }, intervalMs);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
