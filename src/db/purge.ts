import { Prisma } from "./generated/prisma/client";
import type { Db } from "./client";

const PURGE_BATCH = 1000;

/**
 * Deletes the rows of `table` that match `where`, a small batch per
 * statement, skipping rows somebody else has locked: it never waits on a
 * request nor makes one wait. Returns how many rows it deleted.
 */
export async function deleteInBatches(db: Db, table: "idempotency_keys" | "outbox", where: Prisma.Sql): Promise<number> {
  let purged = 0;
  for (;;) {
    const deleted = await db.$executeRaw`
      DELETE FROM ${Prisma.raw(table)}
       WHERE ctid IN (SELECT ctid FROM ${Prisma.raw(table)} WHERE ${where} LIMIT ${PURGE_BATCH} FOR UPDATE SKIP LOCKED)`;
    purged += deleted;
    if (deleted < PURGE_BATCH) return purged;
  }
}
