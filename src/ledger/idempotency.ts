import { createHash } from "node:crypto";
import { stringify } from "safe-stable-stringify";
import type { Db } from "../db/client";
import { Prisma } from "../db/generated/prisma/client";
import { deleteInBatches } from "../db/purge";
import type { Caller } from "./caller";
import { fail, type IdempotencyKeyReused, type ReferenceTaken } from "./failures";
import { isRetryable, uniqueViolation } from "./sqlErrors";

/** What a key remembers of the request it first served: the ids of what that request created. */
export interface StoredResult {
  accountId?: string;
  journalEntryId?: string;
  holdId?: string;
}

export interface IdempotencyClaim {
  scope: string;
  key: string;
  operation: string;
  fingerprint: string;
}

/** SHA-256 of the operation and its normalized input; key order in metadata does not matter. */
export function fingerprint(operation: string, input: unknown): string {
  return createHash("sha256").update(stringify([operation, input]) ?? "").digest("hex");
}

/** The claim a request makes on its key: keys are scoped to the caller. */
export function claimOf(caller: Caller, key: string, operation: string, input: unknown): IdempotencyClaim {
  return { scope: caller.subject, key, operation, fingerprint: fingerprint(operation, input) };
}

export type Prior = { kind: "replay"; result: StoredResult } | { kind: "reused" } | undefined;

/** The earlier success under this key, if any; a different request under the same key is "reused". */
export async function findPrior(db: Db, claim: IdempotencyClaim): Promise<Prior> {
  const row = await db.idempotencyKey.findUnique({ where: { scope_key: { scope: claim.scope, key: claim.key } } });
  if (!row) return undefined;
  if (row.operation !== claim.operation || row.fingerprint !== claim.fingerprint) return { kind: "reused" };
  return { kind: "replay", result: row.result as unknown as StoredResult };
}

/** A statement that keeps deadlocking runs again this often at most. */
const MAX_ATTEMPTS = 8;

/** Every failure carries a stable `code`; successes do not. */
function isFailure(outcome: object): boolean {
  return "code" in outcome;
}

/**
 * Runs a money movement under an idempotency key. `run` is one statement
 * that writes the change and the key together, or returns a failure when it
 * changed nothing. A collision or a failure first asks the idempotency
 * table: a retry of an earlier success is answered from there, whatever the
 * accounts look like now. Deadlocks and serialization failures are retried,
 * never shown to the client.
 */
export async function runIdempotent<S extends object, F extends object>(
  db: Db,
  claim: IdempotencyClaim,
  run: () => Promise<S | F>,
  replay: (result: StoredResult) => Promise<S>,
  reference?: string | null,
): Promise<S | F | IdempotencyKeyReused | ReferenceTaken> {
  for (let attempt = 1; ; attempt++) {
    let outcome: S | F | undefined;
    let collision: string | undefined;
    try {
      outcome = await run();
    } catch (error) {
      if (isRetryable(error) && attempt < MAX_ATTEMPTS) continue;
      collision = uniqueViolation(error);
      if (!collision) throw error;
    }
    if (outcome && !isFailure(outcome)) return outcome;
    const prior = await findPrior(db, claim);
    if (prior?.kind === "replay") return replay(prior.result);
    if (prior?.kind === "reused") return fail.idempotencyKeyReused(claim.key);
    if (outcome) return outcome;
    if (collision?.endsWith("_reference_owner_id_key") && reference) return fail.referenceTaken(reference);
    // The key's first request was still running: it has committed or rolled back by now, so ask again.
    if (collision !== "idempotency_keys_pkey" || attempt >= MAX_ATTEMPTS) throw new Error(`unexpected collision on ${collision}`);
  }
}

/** Deletes keys older than the retention; returns how many. */
export function purgeExpiredKeys(db: Db, retentionHours: number): Promise<number> {
  return deleteInBatches(db, "idempotency_keys", Prisma.sql`created_at < now() - make_interval(hours => ${retentionHours}::int)`);
}
