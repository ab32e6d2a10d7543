import { v7 as uuidv7 } from "uuid";
import { Prisma } from "../db/generated/prisma/client";
import type { Account, Transaction, TransactionKind, TransactionType } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { Sql } from "../db/sql";
import type { AccountDirectory } from "./accountDirectory";
import { canSee, type Caller } from "./caller";
import type { Currencies } from "./currencies";
import { fail } from "./failures";
import type {
  AccountNotActive,
  AccountNotFound,
  BalanceLimitExceeded,
  CurrencyMismatch,
  IdempotencyKeyReused,
  InsufficientFunds,
  ReferenceTaken,
  ValidationFailed,
  VersionConflict,
} from "./failures";
import { fingerprint, RACE, runIdempotent, type IdempotencyClaim, type StoredResult } from "./idempotency";
import { pickAccount, pickTransaction, selectAccount, selectTransaction } from "./rows";
import { MAX_BALANCE_MINOR } from "./money";
import { LIMITS, Violations } from "./validation";

export interface PostingInput {
  accountId: string;
  amount: string;
  expectedVersion?: number | null;
  idempotencyKey: string;
  reference?: string | null;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface TransferInput {
  fromAccountId: string;
  /** Exactly one of the receiving account's id and its number. */
  toAccountId?: string | null;
  toAccountNumber?: string | null;
  amount: string;
  expectedFromVersion?: number | null;
  expectedToVersion?: number | null;
  idempotencyKey: string;
  reference?: string | null;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
}

export interface PostingSuccess {
  outcome: "PostingSuccess";
  transaction: Transaction;
  account: Account;
  replayed: boolean;
}

export interface TransferSuccess {
  outcome: "TransferSuccess";
  transferId: string;
  debit: Transaction;
  credit: Transaction;
  from: Account;
  to: Account;
  replayed: boolean;
}

type PostingFailure =
  | ValidationFailed
  | VersionConflict
  | InsufficientFunds
  | BalanceLimitExceeded
  | AccountNotFound
  | AccountNotActive
  | IdempotencyKeyReused
  | ReferenceTaken;

export type PostingResult = PostingSuccess | PostingFailure;
export type TransferResult = TransferSuccess | PostingFailure | CurrencyMismatch;

/*
 * Credits, debits and transfers. The success path of each is one SQL
 * statement: a conditional UPDATE of the account (version, status, funds,
 * expected version all in its WHERE clause), the INSERT of the posting and
 * the INSERT of the idempotency key, committed together or not at all. No
 * lock is held across an await, and no read comes before the write. Only
 * when the statement changes nothing do we read, to say why.
 */
export class Postings {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
    private readonly currencies: Currencies,
    private readonly directory: AccountDirectory,
  ) {}

  credit(caller: Caller, input: PostingInput): Promise<PostingResult> {
    return this.post(caller, input, "CREDIT", "DEPOSIT");
  }

  debit(caller: Caller, input: PostingInput): Promise<PostingResult> {
    return this.post(caller, input, "DEBIT", "WITHDRAWAL");
  }

  private async post(caller: Caller, request: PostingInput, type: TransactionType, kind: TransactionKind): Promise<PostingResult> {
    const input = { ...request, accountId: request.accountId.toLowerCase() };
    const account = await this.directory.find(input.accountId);
    if (!account || !canSee(caller, account.ownerId)) return fail.accountNotFound(input.accountId);
    const { currency } = account;

    const check = new Violations();
    const amount = check.amount("amount", input.amount, currency, this.currencies);
    check.version("expectedVersion", input.expectedVersion);
    annotationRules(check, input);
    if (!check.ok || amount === undefined) return fail.validation(check.list);

    const operation = type === "CREDIT" ? "credit" : "debit";
    const claim = this.claim(caller, input.idempotencyKey, operation, {
      accountId: input.accountId,
      amount: amount.toString(),
      reference: input.reference ?? null,
      description: input.description ?? null,
      metadata: input.metadata ?? null,
    });
    const delta = type === "CREDIT" ? amount : -amount;
    const expected = input.expectedVersion ?? null;

    return runIdempotent(this.db, claim, async () => {
      const transactionId = uuidv7();
      const stored: StoredResult = { accountId: input.accountId, transactionIds: [transactionId] };
      const rows = await this.sql.query(Prisma.sql`
        WITH account AS (
          UPDATE accounts
             SET balance = balance + ${delta}, version = version + 1, updated_at = change_time(updated_at)
           WHERE id = ${input.accountId}::uuid
             AND status = 'ACTIVE'
             AND (${expected}::int IS NULL OR version = ${expected}::int)
             AND balance + ${delta} BETWEEN 0 AND balance_limit()
          RETURNING *
        ), posting AS (
          INSERT INTO transactions (id, reference, account_id, owner_id, type, kind, amount, balance_after, account_version,
                                    description, metadata, actor, created_at)
          SELECT ${transactionId}::uuid, ${input.reference ?? null}, id, owner_id, ${type}::"TransactionType",
                 ${kind}::"TransactionKind", ${amount}, balance, version, ${input.description ?? null},
                 ${jsonParam(input.metadata)}::jsonb, ${caller.subject}, updated_at
            FROM account
          RETURNING *
        ), claim AS (
          INSERT INTO idempotency_keys (scope, key, operation, fingerprint, result)
          SELECT ${claim.scope}, ${claim.key}, ${claim.operation}, ${claim.fingerprint}, ${JSON.stringify(stored)}::jsonb
            FROM posting
        )
        SELECT ${selectAccount("account")}, ${selectTransaction("posting")} FROM account, posting`);
      if (rows.length === 0) return this.whyNotPosted(input.accountId, type, amount, expected);
      return { outcome: "PostingSuccess", account: pickAccount(rows[0]), transaction: pickTransaction(rows[0]), replayed: false };
    }, (result) => this.replayPosting(result), input.reference);
  }

  async transfer(caller: Caller, request: TransferInput): Promise<TransferResult> {
    if ((request.toAccountId == null) === (request.toAccountNumber == null)) {
      return fail.validation([{ path: ["input", "toAccountId"], message: "give exactly one of toAccountId and toAccountNumber" }]);
    }
    const fromAccountId = request.fromAccountId.toLowerCase();
    const toAccountId = (await transferTarget(this.directory, request))?.toLowerCase();
    const [source, target] = await Promise.all([this.directory.find(fromAccountId), toAccountId && this.directory.find(toAccountId)]);
    // Money may go to any account, but only leave one the caller may see.
    if (!source || !canSee(caller, source.ownerId)) return fail.accountNotFound(fromAccountId);
    if (!target || !toAccountId) return fail.accountNotFound(request.toAccountId ?? request.toAccountNumber!);
    const input = { ...request, fromAccountId, toAccountId };
    const fromCurrency = source.currency;
    const toCurrency = target.currency;

    const check = new Violations();
    if (input.fromAccountId === input.toAccountId) {
      check.add("toAccountId", "must differ from fromAccountId");
    }
    const amount = check.amount("amount", input.amount, fromCurrency, this.currencies);
    check.version("expectedFromVersion", input.expectedFromVersion);
    check.version("expectedToVersion", input.expectedToVersion);
    // A VersionConflict would show the version and balance of somebody else's account.
    if (input.expectedToVersion != null && !canSee(caller, target.ownerId)) {
      check.add("expectedToVersion", "can only be given for an account you own");
    }
    annotationRules(check, input);
    if (!check.ok || amount === undefined) return fail.validation(check.list);
    if (fromCurrency !== toCurrency) return fail.currencyMismatch(fromCurrency, toCurrency);

    const claim = this.claim(caller, input.idempotencyKey, "transfer", {
      fromAccountId: input.fromAccountId,
      toAccountId: input.toAccountId,
      amount: amount.toString(),
      reference: input.reference ?? null,
      description: input.description ?? null,
      metadata: input.metadata ?? null,
    });
    const from = input.fromAccountId;
    const to = input.toAccountId;
    const expectedFrom = input.expectedFromVersion ?? null;
    const expectedTo = input.expectedToVersion ?? null;

    return runIdempotent(this.db, claim, async () => {
      const transferId = uuidv7();
      const debitId = uuidv7();
      const creditId = uuidv7();
      const stored: StoredResult = { transferId, transactionIds: [debitId, creditId] };
      // move_funds (a migration) locks both rows in id order, checks and moves the money.
      const rows = await this.sql.query(Prisma.sql`
        WITH moved AS (
          SELECT * FROM move_funds(${from}::uuid, ${to}::uuid, ${amount}, ${expectedFrom}::int, ${expectedTo}::int)
        ), legs AS (
          INSERT INTO transactions (id, reference, account_id, owner_id, type, kind, amount, balance_after, account_version,
                                    description, metadata, transfer_id, actor, created_at)
          SELECT CASE WHEN m.id = ${from}::uuid THEN ${debitId}::uuid ELSE ${creditId}::uuid END,
                 CASE WHEN m.id = ${from}::uuid THEN ${input.reference ?? null} END,
                 m.id, m.owner_id,
                 (CASE WHEN m.id = ${from}::uuid THEN 'DEBIT' ELSE 'CREDIT' END)::"TransactionType",
                 'TRANSFER', ${amount}, m.balance, m.version, ${input.description ?? null},
                 ${jsonParam(input.metadata)}::jsonb, ${transferId}::uuid, ${caller.subject}, m.updated_at
            FROM moved m
          RETURNING *
        ), claim AS (
          INSERT INTO idempotency_keys (scope, key, operation, fingerprint, result)
          SELECT ${claim.scope}, ${claim.key}, ${claim.operation}, ${claim.fingerprint}, ${JSON.stringify(stored)}::jsonb
           WHERE EXISTS (SELECT 1 FROM moved)
        )
        SELECT ${selectAccount("moved")}, ${selectTransaction("legs")}
          FROM moved JOIN legs ON legs.account_id = moved.id`);
      if (rows.length === 0) return this.whyNotTransferred(input, amount);
      const legs = rows.map((row) => ({ account: pickAccount(row), transaction: pickTransaction(row) }));
      const debit = legs.find((leg) => leg.transaction.type === "DEBIT")!;
      const credit = legs.find((leg) => leg.transaction.type === "CREDIT")!;
      return {
        outcome: "TransferSuccess",
        transferId,
        debit: debit.transaction,
        credit: credit.transaction,
        from: debit.account,
        to: credit.account,
        replayed: false,
      };
    }, (result) => this.replayTransfer(result), input.reference);
  }

  private claim(caller: Caller, key: string, operation: string, input: unknown): IdempotencyClaim {
    return { scope: caller.subject, key, operation, fingerprint: fingerprint(operation, input) };
  }

  private async whyNotPosted(accountId: string, type: TransactionType, amount: bigint, expected: number | null) {
    const account = await this.db.account.findUnique({ where: { id: accountId } });
    if (!account) return fail.accountNotFound(accountId);
    if (account.status !== "ACTIVE") return fail.accountNotActive(accountId, account.status);
    if (expected !== null && account.version !== expected) return this.versionConflict(account, expected);
    if (type === "DEBIT" && account.balance < amount) return this.insufficientFunds(account, amount);
    if (type === "CREDIT" && account.balance + amount > MAX_BALANCE_MINOR) return this.balanceLimitExceeded(account);
    return RACE;
  }

  private async whyNotTransferred(input: TransferInput & { toAccountId: string }, amount: bigint) {
    const accounts = await this.db.account.findMany({ where: { id: { in: [input.fromAccountId, input.toAccountId] } } });
    const from = accounts.find((a) => a.id === input.fromAccountId);
    const to = accounts.find((a) => a.id === input.toAccountId);
    if (!from) return fail.accountNotFound(input.fromAccountId);
    if (!to) return fail.accountNotFound(input.toAccountId);
    for (const account of [from, to]) {
      if (account.status !== "ACTIVE") return fail.accountNotActive(account.id, account.status);
    }
    const expectations: Array<[Account, number | null | undefined]> = [
      [from, input.expectedFromVersion],
      [to, input.expectedToVersion],
    ];
    for (const [account, expected] of expectations) {
      if (expected != null && account.version !== expected) return this.versionConflict(account, expected);
    }
    if (from.balance < amount) return this.insufficientFunds(from, amount);
    if (to.balance + amount > MAX_BALANCE_MINOR) return this.balanceLimitExceeded(to);
    return RACE;
  }

  private versionConflict(account: Account, expected: number) {
    return fail.versionConflict(account.id, expected, account.version, this.currencies.format(account.balance, account.currency));
  }

  private insufficientFunds(account: Account, amount: bigint) {
    return fail.insufficientFunds(
      account.id,
      this.currencies.format(account.balance, account.currency),
      this.currencies.format(amount, account.currency),
    );
  }

  private balanceLimitExceeded(account: Account) {
    return fail.balanceLimitExceeded(account.id, this.currencies.format(MAX_BALANCE_MINOR, account.currency));
  }

  private async replayPosting(result: StoredResult): Promise<PostingSuccess> {
    const transaction = await this.db.transaction.findUniqueOrThrow({ where: { id: result.transactionIds[0] } });
    const account = await this.db.account.findUniqueOrThrow({ where: { id: transaction.accountId } });
    return { outcome: "PostingSuccess", transaction, account, replayed: true };
  }

  private async replayTransfer(result: StoredResult): Promise<TransferSuccess> {
    const [debit, credit] = await Promise.all(
      result.transactionIds.map((id) => this.db.transaction.findUniqueOrThrow({ where: { id } })),
    );
    const [from, to] = await Promise.all(
      [debit, credit].map((leg) => this.db.account.findUniqueOrThrow({ where: { id: leg.accountId } })),
    );
    return { outcome: "TransferSuccess", transferId: result.transferId!, debit, credit, from, to, replayed: true };
  }
}

/** The id of the account a transfer pays into, named by its id or by its number; undefined when no account has that number. */
export async function transferTarget(directory: AccountDirectory, input: Pick<TransferInput, "toAccountId" | "toAccountNumber">) {
  return input.toAccountId ?? (input.toAccountNumber != null ? directory.idOf(input.toAccountNumber) : undefined);
}

function annotationRules(check: Violations, input: { idempotencyKey: string; reference?: string | null; description?: string | null; metadata?: Record<string, unknown> | null }) {
  check.idempotencyKey(input.idempotencyKey);
  check.text("reference", input.reference, LIMITS.reference);
  check.text("description", input.description, LIMITS.description, { blankAllowed: true });
  check.metadata(input.metadata);
}

export function jsonParam(value: Record<string, unknown> | null | undefined): string | null {
  return value == null ? null : JSON.stringify(value);
}
