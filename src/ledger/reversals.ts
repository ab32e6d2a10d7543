import { v7 as uuidv7 } from "uuid";
import { Prisma } from "../db/generated/prisma/client";
import type { Account, Transaction } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { Sql } from "../db/sql";
import type { Currencies } from "./currencies";
import { fail } from "./failures";
import type {
  AccountNotActive,
  AlreadyReversed,
  BalanceLimitExceeded,
  IdempotencyKeyReused,
  InsufficientFunds,
  TransactionNotFound,
  ValidationFailed,
} from "./failures";
import { fingerprint, RACE, runIdempotent, type StoredResult } from "./idempotency";
import type { Caller } from "./caller";
import { jsonParam } from "./postings";
import { pickAccount, pickTransaction, selectAccount, selectTransaction } from "./rows";
import { MAX_BALANCE_MINOR } from "./money";
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

export type ReverseTransactionResult =
  | ReverseTransactionSuccess
  | ValidationFailed
  | TransactionNotFound
  | AlreadyReversed
  | InsufficientFunds
  | BalanceLimitExceeded
  | AccountNotActive
  | IdempotencyKeyReused;

export interface UpdateTransactionInput {
  transactionId: string;
  /** undefined leaves it as it is; null clears it. */
  description?: string | null;
  metadata?: Record<string, unknown> | null;
}

export type UpdateTransactionResult =
  | { outcome: "UpdateTransactionSuccess"; transaction: Transaction }
  | ValidationFailed
  | TransactionNotFound;

/*
 * Nothing in the ledger is deleted or edited: a mistaken posting is undone by
 * a compensating posting of the opposite direction (kind REVERSAL, reversalOf
 * set) and the original is marked REVERSED. A transfer is reversed as a whole:
 * reversing either leg reverses both. Only a transaction's annotations
 * (description, metadata) can change.
 */
export class Reversals {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
    private readonly currencies: Currencies,
  ) {}

  async reverse(caller: Caller, request: ReverseTransactionInput): Promise<ReverseTransactionResult> {
    const input = { ...request, transactionId: request.transactionId.toLowerCase() };
    const check = new Violations();
    check.idempotencyKey(input.idempotencyKey);
    check.text("reason", input.reason, LIMITS.description);
    if (!check.ok) return fail.validation(check.list);
    if (!isUuid(input.transactionId)) return fail.transactionNotFound(input.transactionId);

    const operation = "reverseTransaction";
    const claim = {
      scope: caller.subject,
      key: input.idempotencyKey,
      operation,
      fingerprint: fingerprint(operation, { transactionId: input.transactionId, reason: input.reason ?? null }),
    };
    const description = input.reason ?? "Reversal";

    const result = await runIdempotent(this.db, claim, async () => {
      // Up to two reversal postings (a transfer's legs); their ids are handed out in the order of the originals.
      const reversalIds = [uuidv7(), uuidv7()];
      const rows = await this.sql.query(Prisma.sql`
        WITH reversed AS (
          SELECT r.*, row_number() OVER (ORDER BY r.original_id) AS n FROM reverse_postings(${input.transactionId}::uuid) r
        ), reversal AS (
          INSERT INTO transactions (id, account_id, owner_id, type, kind, amount, balance_after, account_version, description,
                                    transfer_id, reversal_of_id, actor, created_at)
          SELECT (${reversalIds}::uuid[])[r.n::int], (r.account).id, (r.account).owner_id, r.reversal_type, 'REVERSAL', r.amount,
                 (r.account).balance, (r.account).version, ${description}, o.transfer_id, r.original_id, ${caller.subject},
                 (r.account).updated_at
            FROM reversed r JOIN transactions o ON o.id = r.original_id
          RETURNING *
        ), claim AS (
          INSERT INTO idempotency_keys (scope, key, operation, fingerprint, result)
          SELECT ${claim.scope}, ${claim.key}, ${claim.operation}, ${claim.fingerprint},
                 json_build_object('transactionIds', json_agg(reversal.id ORDER BY reversal.reversal_of_id = ${input.transactionId}::uuid DESC))
            FROM reversal HAVING count(*) > 0
        )
        SELECT ${selectAccount(`(r."account")`)}, ${selectTransaction("reversal")}
          FROM reversed r JOIN reversal ON reversal.reversal_of_id = r.original_id
         WHERE r.original_id = ${input.transactionId}::uuid`);
      if (rows.length === 0) return this.whyNotReversed(input.transactionId);
      const reversal = pickTransaction(rows[0]);
      const original = await this.db.transaction.findUniqueOrThrow({ where: { id: input.transactionId } });
      return { outcome: "ReverseTransactionSuccess" as const, original, reversal, account: pickAccount(rows[0]), replayed: false };
    }, (stored) => this.replay(stored));
    // A reversal carries no reference, so it cannot collide on one.
    if (result.outcome === "ReferenceTaken") throw new Error("reversal collided on a reference");
    return result;
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

  private async whyNotReversed(transactionId: string) {
    const original = await this.db.transaction.findUnique({ where: { id: transactionId } });
    if (!original) return fail.transactionNotFound(transactionId);
    const legs = original.transferId
      ? await this.db.transaction.findMany({ where: { transferId: original.transferId }, include: { account: true } })
      : [{ ...original, account: await this.db.account.findUniqueOrThrow({ where: { id: original.accountId } }) }];
    if (legs.some((leg) => leg.status !== "POSTED" || leg.kind === "REVERSAL")) return fail.alreadyReversed(transactionId);
    for (const leg of legs) {
      if (leg.account.status !== "ACTIVE") return fail.accountNotActive(leg.account.id, leg.account.status);
    }
    for (const { type, amount, account } of legs) {
      const format = (minor: bigint) => this.currencies.format(minor, account.currency);
      if (type === "CREDIT" && account.balance < amount) return fail.insufficientFunds(account.id, format(account.balance), format(amount));
      if (type === "DEBIT" && account.balance + amount > MAX_BALANCE_MINOR) return fail.balanceLimitExceeded(account.id, format(MAX_BALANCE_MINOR));
    }
    return RACE;
  }

  private async replay(result: StoredResult): Promise<ReverseTransactionSuccess> {
    const reversal = await this.db.transaction.findUniqueOrThrow({ where: { id: result.transactionIds[0] } });
    const [original, account] = await Promise.all([
      this.db.transaction.findUniqueOrThrow({ where: { id: reversal.reversalOfId! } }),
      this.db.account.findUniqueOrThrow({ where: { id: reversal.accountId } }),
    ]);
    return { outcome: "ReverseTransactionSuccess", original, reversal, account, replayed: true };
  }
}
