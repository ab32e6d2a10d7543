import type { ClassType } from "type-graphql";
import { createDb, type Db } from "./db/client";
import { startEmbeddedDatabase, type EmbeddedDatabase } from "./db/embedded";
import { applyMigrations, readMigrations } from "./db/migrations";
import { createSchema } from "./graphql/schema";
import { Ledger } from "./ledger";
import { purgeExpiredKeys } from "./ledger/idempotency";
import type { Config } from "./config";
import type { Logger } from "./logger";
import { startServer } from "./server";

export interface Solvent {
  url: string;
  db: Db;
  ledger: Ledger;
  stop(): Promise<void>;
}

export interface SolventOptions {
  /** More type-graphql resolver classes to serve beside the public ones. */
  resolvers?: readonly ClassType[];
}

/** Starts everything: the database (embedded or given), pending migrations, the ledger, the HTTP server. */
export async function startSolvent(config: Config, log: Logger, options: SolventOptions = {}): Promise<Solvent> {
  let embedded: EmbeddedDatabase | undefined;
  let url = config.databaseUrl;
  if (!url) {
    embedded = await startEmbeddedDatabase(config.dataDir);
    url = embedded.url;
    log.info({ dataDir: config.dataDir }, "embedded database started (set DATABASE_URL to use PostgreSQL)");
  }
  const applied = await applyMigrations(url);
  log.info({ applied }, applied.length ? "migrations applied" : "database schema up to date");

  // The embedded database runs one transaction at a time: more connections only queue.
  const db = createDb(
    url,
    embedded ? Math.min(config.poolSize, 8) : config.poolSize,
    log.isLevelEnabled("debug") ? (sql, durationMs) => log.debug({ sql, durationMs }, "sql") : undefined,
  );
  const ledger = await Ledger.create(db);
  const expected = readMigrations().migrationDirectories.map((m) => m.path);
  const server = await startServer({
    schema: await createSchema(undefined, options.resolvers),
    ledger,
    log,
    host: config.host,
    port: config.port,
    ready: async () => {
      const rows = await db.$queryRaw<{ migration_name: string }[]>`
        SELECT migration_name FROM _prisma_migrations WHERE finished_at IS NOT NULL AND rolled_back_at IS NULL`;
      const applied = new Set(rows.map((r) => r.migration_name));
      return expected.every((name) => applied.has(name));
    },
  });
  const purge = schedulePurge(db, config, log);
  return {
    url: server.url,
    db,
    ledger,
    async stop() {
      await purge.stop();
      await server.stop();
      await db.$disconnect();
      await embedded?.stop();
    },
  };
}

/** Purges expired idempotency keys now and then, one run at a time, off the request path. */
function schedulePurge(db: Db, config: Config, log: Logger) {
  let running: Promise<void> | undefined;
  const timer = setInterval(() => {
    running ??= purgeExpiredKeys(db, config.idempotencyRetentionHours)
      .then((purged) => {
        if (purged > 0) log.info({ purged }, "expired idempotency keys purged");
      })
      .catch((error: unknown) => log.error({ err: error }, "idempotency key purge failed"))
      .finally(() => (running = undefined));
  }, config.idempotencyPurgeIntervalSeconds * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await running;
    },
  };
}
