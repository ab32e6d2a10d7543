import { createHash } from "node:crypto";
import { stringify } from "safe-stable-stringify";
import type { Db } from "../db/client";

/** What a key remembers of the request it first served: the ids of what that request created. */
export interface StoredResult {
  accountId?: string;
  transactionIds: string[];
  transferId?: string;
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

export type Prior = { kind: "replay"; result: StoredResult } | { kind: "reused" } | undefined;

/** The earlier success under this key, if any; a different request under the same key is "reused". */
export async function findPrior(db: Db, claim: IdempotencyClaim): Promise<Prior> {
  const row = await db.idempotencyKey.findUnique({ where: { scope_key: { scope: claim.scope, key: claim.key } } });
  if (!row) return undefined;
  if (row.operation !== claim.operation || row.fingerprint !== claim.fingerprint) return { kind: "reused" };
  return { kind: "replay", result: row.result as unknown as StoredResult };
}
