import { readFileSync, readdirSync, existsSync } from "node:fs";
import path from "node:path";
import { Worker } from "node:worker_threads";
import pg from "pg";
import { PrismaPg } from "@prisma/adapter-pg";
import {
  bindMigrationAwareSqlAdapterFactory,
  ColumnTypeEnum,
  type SqlDriverAdapter,
  type SqlMigrationAwareDriverAdapterFactory,
  type SqlQueryable,
} from "@prisma/driver-adapter-utils";
import type { MigrationList, SchemaEngine as SchemaEngineType } from "@prisma/schema-engine-wasm" with { "resolution-mode": "import" };
import { startEmbeddedDatabase } from "./embedded";
import { PROJECT_ROOT } from "../paths";

/*
 * Prisma's own schema engine, compiled to WebAssembly, driven through our pg
 * driver adapter. The Prisma CLI's `migrate` commands need a native engine
 * that cannot be downloaded on offline machines; this is the same engine, so
 * `_prisma_migrations` ends up exactly as `prisma migrate deploy` leaves it.
 */

const MIGRATIONS_DIR = path.join(PROJECT_ROOT, "prisma", "migrations");
const SCHEMA_FILE = path.join(PROJECT_ROOT, "prisma", "schema.prisma");

type EngineModule = typeof import("@prisma/schema-engine-wasm", { with: { "resolution-mode": "import" } });
let engineModule: EngineModule | undefined;
let lastPanic = "";

/** The package's entry imports the .wasm file as an ES module, which Node 20 cannot; instantiate it by hand. */
async function loadEngine(): Promise<EngineModule> {
  if (!engineModule) {
    const glue = (await import("@prisma/schema-engine-wasm/schema_engine_bg")) as unknown as EngineModule & {
      __wbg_set_wasm(exports: WebAssembly.Exports): void;
    };
    const wasmFile = require.resolve("@prisma/schema-engine-wasm/schema_engine_bg").replace(/\.js$/, ".wasm");
    const instance = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(wasmFile)), {
      "./schema_engine_bg.js": withUnrefTimers(glue),
    });
    // The glue reports Rust panics through this global; without it a panic's message is lost.
    (globalThis as { PRISMA_WASM_PANIC_REGISTRY?: object }).PRISMA_WASM_PANIC_REGISTRY ??= {
      set_message(message: string) {
        lastPanic = message;
      },
    };
    glue.__wbg_set_wasm(instance.exports);
    (instance.exports.__wbindgen_start as () => void)();
    engineModule = glue;
  }
  return engineModule;
}

/**
 * The engine arms 10-second timers that outlive it (the glue's setTimeout
 * imports); unref'd, they no longer keep a finished migration command or test
 * run alive until they fire.
 */
function withUnrefTimers(glue: object): WebAssembly.ModuleImports {
  return Object.fromEntries(
    Object.entries(glue).map(([name, value]) => [
      name,
      name.startsWith("__wbg_setTimeout_")
        ? (...args: unknown[]) => {
            const timer = (value as (...a: unknown[]) => NodeJS.Timeout)(...args);
            timer.unref();
            return timer;
          }
        : value,
    ]),
  );
}

function readSchema() {
  return { path: "schema.prisma", content: readFileSync(SCHEMA_FILE, "utf8") };
}

export function readMigrations(dir = MIGRATIONS_DIR): MigrationList {
  const lockfile = path.join(dir, "migration_lock.toml");
  const names = existsSync(dir)
    ? readdirSync(dir, { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name).sort()
    : [];
  return {
    baseDir: dir,
    lockfile: { path: "migration_lock.toml", content: existsSync(lockfile) ? readFileSync(lockfile, "utf8") : null },
    shadowDbInitScript: "",
    // Relative names: they are what lands in _prisma_migrations.migration_name.
    migrationDirectories: names.map((name) => ({
      path: name,
      migrationFile: {
        path: "migration.sql",
        content: { tag: "ok", value: readFileSync(path.join(dir, name, "migration.sql"), "utf8") },
      },
    })),
  };
}

/*
 * The engine describes a database by querying pg_catalog and reads its
 * one-byte "char" columns (relkind, contype...) as Character, a column type
 * the pg adapter never produces: it refuses OID 18 outright. The client marks
 * those columns on the rows array, which the adapter passes through, and the
 * adapter's results are retyped from that mark.
 */
const CATALOG_CHAR_OID = 18;
const TEXT_OID = 25;
const charColumns = Symbol("catalogCharColumns");
type MarkedRows = unknown[] & { [charColumns]?: number[] };

class CatalogClient extends pg.Client {
  // @ts-expect-error one override for pg's overloads: the pool calls it with a callback, the adapter without
  override query(config: pg.QueryConfig, ...rest: unknown[]) {
    const callback = typeof rest.at(-1) === "function" ? (rest.pop() as (e: Error | null, r?: pg.QueryResult) => void) : undefined;
    const result = super.query(config, rest[0] as unknown[] | undefined).then((r) => {
      // A multi-statement script answers with one result per statement and has nothing to describe.
      if (Array.isArray(r)) return r;
      const marked: number[] = [];
      r.fields.forEach((field, i) => {
        if (field.dataTypeID === CATALOG_CHAR_OID) {
          field.dataTypeID = TEXT_OID;
          marked.push(i);
        }
      });
      (r.rows as MarkedRows)[charColumns] = marked;
      return r;
    });
    if (!callback) return result;
    result.then((r) => callback(null, r), (e: Error) => callback(e));
  }
}

function retypeCatalogChars<T extends SqlQueryable>(queryable: T): T {
  const queryRaw = queryable.queryRaw.bind(queryable);
  queryable.queryRaw = async (query) => {
    const result = await queryRaw(query);
    for (const i of (result.rows as MarkedRows)[charColumns] ?? []) result.columnTypes[i] = ColumnTypeEnum.Character;
    return result;
  };
  return queryable;
}

async function connectCatalogAware(connectionString: string): Promise<SqlDriverAdapter> {
  const pool = new pg.Pool({ connectionString, max: 1, Client: CatalogClient as unknown as typeof pg.Client });
  const adapter = retypeCatalogChars(await new PrismaPg(pool).connect());
  // The adapter splits scripts at every ";", which cuts function bodies apart;
  // one simple-protocol query runs the whole migration in one implicit transaction.
  adapter.executeScript = async (script) => {
    try {
      await pool.query(script);
    } catch (error) {
      (adapter as unknown as { onError(error: unknown): never }).onError(error);
    }
  };
  const startTransaction = adapter.startTransaction.bind(adapter);
  adapter.startTransaction = async (isolation) => retypeCatalogChars(await startTransaction(isolation));
  let ended: Promise<void> | undefined;
  adapter.dispose = () => (ended ??= pool.end());
  return adapter;
}

/**
 * The engine's view of one database, with a throwaway in-memory PGlite as its
 * shadow database. The engine does not always dispose what it connected, so
 * the caller closes everything through `close`.
 */
function engineAdapterFactory(url: string) {
  const opened: Array<() => Promise<void>> = [];
  const factory: SqlMigrationAwareDriverAdapterFactory = {
    provider: "postgres",
    adapterName: "solvent-migrations",
    async connect() {
      const adapter = await connectCatalogAware(url);
      opened.push(() => adapter.dispose());
      return adapter;
    },
    async connectToShadowDb() {
      const shadow = await startEmbeddedDatabase();
      const adapter = await connectCatalogAware(shadow.url);
      opened.push(async () => {
        await adapter.dispose();
        await shadow.stop();
      });
      return adapter;
    },
  };
  return { factory, close: () => Promise.all(opened.map((close) => close())) };
}

async function withEngine<T>(url: string, work: (engine: SchemaEngineType) => Promise<T>): Promise<T> {
  const { SchemaEngine } = await loadEngine();
  const { factory, close } = engineAdapterFactory(url);
  const schema = readSchema();
  const engine = await SchemaEngine.new(
    { datamodels: [[schema.path, schema.content]] },
    () => {},
    bindMigrationAwareSqlAdapterFactory(factory),
  );
  try {
    return await work(engine);
  } catch (error) {
    throw lastPanic ? new Error(`schema engine panicked: ${lastPanic}`, { cause: error }) : error;
  } finally {
    engine.free();
    await close();
  }
}

const noFilter = { externalTables: [], externalEnums: [] };

/** Applies the migrations the database has not seen yet; returns their names. */
export async function applyMigrations(url: string, dir = MIGRATIONS_DIR): Promise<string[]> {
  const out = await withEngine(url, (engine) =>
    engine.applyMigrations({ migrationsList: readMigrations(dir), filters: noFilter }),
  );
  return out.appliedMigrationNames;
}

/**
 * applyMigrations in a worker thread, as a server starts: the schema engine's
 * WebAssembly code and memory (~40 MiB of the process's RSS, measured) end
 * with the thread instead of staying for the server's life. Under ts-jest the
 * sources are TypeScript, which a worker cannot load: there it migrates in
 * this thread (the tests that start the built server take the worker).
 */
export async function applyMigrationsApart(url: string): Promise<string[]> {
  if (__filename.endsWith(".ts")) return applyMigrations(url);
  return new Promise((resolve, reject) => {
    let applied: string[] = [];
    new Worker(path.join(__dirname, "migrationWorker.js"), { workerData: { url } })
      .on("message", (names: string[]) => (applied = names))
      .once("error", reject)
      .once("exit", (code) => (code === 0 ? resolve(applied) : reject(new Error(`the migration thread exited with code ${code}`))));
  });
}

/** The SQL that would bring a database built from the migrations up to schema.prisma ("" when in sync). */
export async function pendingSchemaChange(url: string, dir = MIGRATIONS_DIR): Promise<string> {
  const out = await withEngine(url, (engine) =>
    engine.diff({
      from: { tag: "migrations", ...readMigrations(dir) },
      to: { tag: "schemaDatamodel", files: [readSchema()] },
      script: true,
      exitCode: null,
      filters: noFilter,
    }),
  );
  const sql = out.stdout ?? "";
  return sql.includes("This is an empty migration.") ? "" : sql;
}
