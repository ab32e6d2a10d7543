import { Prisma } from "../db/generated/prisma/client";
import type { Account, Transaction } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { Sql } from "../db/sql";
import { fail } from "./failures";
import { claimOf } from "./idempotency";
import type { Caller } from "./caller";
import { jsonParam, posted, type Journal, type Written } from "./journal";
import { only, type ResultOf } from "./results";
import { pickTransaction, selectTransaction } from "./rows";
import { isUuid, LIMITS, Violations } from "./validation";

export interface ReverseTransactionInput {
  transactionId: string;
  idempotencyKey: string;
  reason?: string | null;
}

export interface ReverseTransactionSuccess {
  outcome: "ReverseTransactionSuccess";
  original: Transaction;
  reversal: Transaction;
  account: Account;
  replayed: boolean;
}

export type ReverseTransactionResult = ResultOf<"reverseTransaction">;

export interface UpdateTransactionInput {
  transactionId: string;
  /** undefined leaves it as it is; null clears it. */
  description?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface UpdateTransactionSuccess {
  outcome: "UpdateTransactionSuccess";
  transaction: Transaction;
}

export type UpdateTransactionResult = ResultOf<"updateTransaction">;

/*
 * Nothing in the ledger is deleted or edited: a mistaken entry is undone by
 * a compensating entry (kind REVERSAL) whose lines are the original's turned
 * around, its settlement line included, and the original's lines are marked
 * REVERSED. Reversing any line of an entry reverses the whole entry. Only a
 * transaction's annotations (description, metadata) can change.
 */
export class Reversals {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
    private readonly journal: Journal,
  ) {}

  async reverse(caller: Caller, request: ReverseTransactionInput): Promise<ReverseTransactionResult> {
    const input = { ...request, transactionId: request.transactionId.toLowerCase() };
    const check = new Violations();
    check.idempotencyKey(input.idempotencyKey);
    check.text("reason", input.reason, LIMITS.description);
    if (!check.ok) return fail.validation(check.list);
    if (!isUuid(input.transactionId)) return fail.transactionNotFound(input.transactionId);

    const operation = "reverseTransaction";
    const claim = claimOf(caller, input.idempotencyKey, operation, { transactionId: input.transactionId, reason: input.reason ?? null });
    const draft = { kind: "REVERSAL" as const, reverses: input.transactionId, description: input.reason ?? "Reversal" };
    const answer = (written: Written, replayed: boolean) => this.success(written, input.transactionId, replayed);
    return only(operation, await this.journal.post(caller, draft, claim, answer));
  }

  async update(input: UpdateTransactionInput): Promise<UpdateTransactionResult> {
    const check = new Violations();
    check.text("description", input.description, LIMITS.description, { blankAllowed: true });
    check.metadata(input.metadata);
    if (input.description === undefined && input.metadata === undefined) {
      check.add("transactionId", "nothing to change: give description or metadata");
    }
    if (!check.ok) return fail.validation(check.list);
    if (!isUuid(input.transactionId)) return fail.transactionNotFound(input.transactionId);

    const rows = await this.sql.query(Prisma.sql`
      UPDATE transactions t
         SET description = CASE WHEN ${input.description !== undefined} THEN ${input.description ?? null} ELSE description END,
             metadata = CASE WHEN ${input.metadata !== undefined} THEN ${jsonParam(input.metadata)}::jsonb ELSE metadata END
       WHERE id = ${input.transactionId}::uuid
      RETURNING ${selectTransaction("t")}`);
    if (rows.length === 0) return fail.transactionNotFound(input.transactionId);
    return { outcome: "UpdateTransactionSuccess", transaction: pickTransaction(rows[0]) };
  }

  /** The answer names the lines on the account of the transaction asked for. */
  private async success(written: Written, originalId: string, replayed: boolean): Promise<ReverseTransactionSuccess> {
    const { lines } = posted(written);
    const { transaction: reversal, account } = lines.find((line) => line.transaction.reversalOfId === originalId)!;
    const original = await this.db.transaction.findUniqueOrThrow({ where: { id: originalId } });
    return { outcome: "ReverseTransactionSuccess", original, reversal, account, replayed };
  }
}
