import { mkdirSync } from "node:fs";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { PGLiteSocketServer } from "@electric-sql/pglite-socket";
import lockfile from "proper-lockfile";

export interface EmbeddedDatabase {
  url: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  /** Called if the data folder's lock is lost while running (deleted, or taken over as stale): stop at once. */
  onLockLost?: (error: Error) => void;
}

/** The lock, a directory proper-lockfile makes inside the data folder (PostgreSQL ignores it). */
export const LOCK_NAME = "solvent.lock";

/**
 * Its holder touches the lock every LOCK_UPDATE_MS; one untouched for
 * LOCK_STALE_MS belongs to a process that died, and is taken over. A start
 * tries for LOCK_WAIT_MS, a little longer than that: a restart after a crash
 * waits at most ~11 s for the dead holder's lock to go stale, and a second
 * server, whose lock stays fresh, gives up after ~11 s. The holder's event
 * loop may stall for up to stale - update (8 s) without losing its lock.
 */
const LOCK_STALE_MS = 10_000;
const LOCK_UPDATE_MS = 2_000;
const LOCK_WAIT_MS = LOCK_STALE_MS + LOCK_UPDATE_MS / 2;

/** Thrown from proper-lockfile's timer, a lost lock crashes the process: loud, unless the caller handles it. */
function crash(error: Error): never {
  throw error;
}

/** Takes the data folder for this process alone; resolves with its release. */
async function lockDataDir(dataDir: string, onLockLost: (error: Error) => void): Promise<() => Promise<void>> {
  mkdirSync(dataDir, { recursive: true });
  try {
    return await lockfile.lock(dataDir, {
      lockfilePath: path.join(dataDir, LOCK_NAME),
      stale: LOCK_STALE_MS,
      update: LOCK_UPDATE_MS,
      retries: { retries: LOCK_WAIT_MS / 1000, factor: 1, minTimeout: 1000, maxTimeout: 1000 },
      onCompromised: onLockLost,
    });
  } catch (error) {
    if ((error as { code?: string }).code !== "ELOCKED") throw error;
    throw new Error(`the data folder ${dataDir} is in use by another process (it holds ${LOCK_NAME}); stop that one, or set SOLVENT_DATA_DIR to another folder`);
  }
}

/**
 * PostgreSQL compiled to WebAssembly, served over the wire protocol on
 * loopback so the app talks to it through the same pg driver and SQL as to a
 * real server. `dataDir` undefined keeps it in memory (shadow databases).
 * A data folder is locked while it is in use: two processes on one folder
 * would each see only their own writes, and lose some on the next start.
 */
export async function startEmbeddedDatabase(dataDir?: string, { onLockLost = crash }: EmbeddedOptions = {}): Promise<EmbeddedDatabase> {
  const unlock = dataDir ? await lockDataDir(dataDir, onLockLost) : async () => {};
  try {
    // The migrations index customer names with pg_trgm: CREATE EXTENSION needs it loaded. (An ES module only, to TypeScript.)
    const { pg_trgm } = await import("@electric-sql/pglite/contrib/pg_trgm");
    const db = await PGlite.create(dataDir, { extensions: { pg_trgm } });
    // One connection per pool client; PGlite serializes transactions anyway.
    const server = new PGLiteSocketServer({ db, host: "127.0.0.1", port: 0, maxConnections: 32 });
    await server.start().catch(async (error: unknown) => {
      await db.close();
      throw error;
    });
    return {
      url: `postgresql://postgres@${server.getServerConn()}/postgres?sslmode=disable`,
      async stop() {
        await server.stop();
        await db.close();
        await unlock();
      },
    };
  } catch (error) {
    await unlock();
    throw error;
  }
}
