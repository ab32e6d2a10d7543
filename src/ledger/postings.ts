import type { Account, Transaction, TransactionKind, TransactionType } from "../db/generated/prisma/client";
import type { AccountDirectory } from "./accountDirectory";
import { canSee, type Caller } from "./caller";
import type { Currencies } from "./currencies";
import { fail } from "./failures";
import { claimOf } from "./idempotency";
import { posted, type Journal, type Written } from "./journal";
import { only, type ResultOf } from "./results";
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

export type PostingResult = ResultOf<"credit"> | ResultOf<"debit">;
export type TransferResult = ResultOf<"transfer">;

/*
 * Credits, debits and transfers: journal entries of one or two lines on
 * accounts. A credit brings money in through the settlement line, a debit
 * takes it out, a transfer stays inside. Each is checked here (amount,
 * annotations, who may touch what), then written by the journal in one
 * statement together with its idempotency key.
 */
export class Postings {
  constructor(
    private readonly journal: Journal,
    private readonly currencies: Currencies,
    private readonly directory: AccountDirectory,
  ) {}

  async credit(caller: Caller, input: PostingInput): Promise<ResultOf<"credit">> {
    return only("credit", await this.post(caller, input, "CREDIT", "DEPOSIT"));
  }

  async debit(caller: Caller, input: PostingInput): Promise<ResultOf<"debit">> {
    return only("debit", await this.post(caller, input, "DEBIT", "WITHDRAWAL"));
  }

  private async post(caller: Caller, request: PostingInput, type: TransactionType, kind: TransactionKind) {
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
    const claim = claimOf(caller, input.idempotencyKey, operation, {
      accountId: input.accountId,
      amount: amount.toString(),
      reference: input.reference ?? null,
      description: input.description ?? null,
      metadata: input.metadata ?? null,
    });
    const lines = [{ accountId: input.accountId, type, amount, expectedVersion: input.expectedVersion }];
    return this.journal.post(caller, { kind, lines, ...annotations(input) }, claim, postingSuccess);
  }

  async transfer(caller: Caller, request: TransferInput): Promise<TransferResult> {
    return only("transfer", await this.move(caller, request));
  }

  private async move(caller: Caller, request: TransferInput) {
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

    const check = new Violations();
    if (input.fromAccountId === input.toAccountId) {
      check.add("toAccountId", "must differ from fromAccountId");
    }
    const amount = check.amount("amount", input.amount, source.currency, this.currencies);
    check.version("expectedFromVersion", input.expectedFromVersion);
    check.version("expectedToVersion", input.expectedToVersion);
    // A VersionConflict would show the version and balance of somebody else's account.
    if (input.expectedToVersion != null && !canSee(caller, target.ownerId)) {
      check.add("expectedToVersion", "can only be given for an account you own");
    }
    annotationRules(check, input);
    if (!check.ok || amount === undefined) return fail.validation(check.list);
    if (source.currency !== target.currency) return fail.currencyMismatch(source.currency, target.currency);

    const claim = claimOf(caller, input.idempotencyKey, "transfer", {
      fromAccountId: input.fromAccountId,
      toAccountId: input.toAccountId,
      amount: amount.toString(),
      reference: input.reference ?? null,
      description: input.description ?? null,
      metadata: input.metadata ?? null,
    });
    const lines = [
      { accountId: input.fromAccountId, type: "DEBIT" as const, amount, expectedVersion: input.expectedFromVersion },
      { accountId: input.toAccountId, type: "CREDIT" as const, amount, expectedVersion: input.expectedToVersion },
    ];
    return this.journal.post(caller, { kind: "TRANSFER", lines, ...annotations(input) }, claim, transferSuccess);
  }
}

function postingSuccess(written: Written, replayed: boolean): PostingSuccess {
  const [line] = posted(written).lines;
  return { outcome: "PostingSuccess", transaction: line.transaction, account: line.account, replayed };
}

function transferSuccess(written: Written, replayed: boolean): TransferSuccess {
  const { entry, lines } = posted(written);
  const debit = lines.find((line) => line.transaction.type === "DEBIT")!;
  const credit = lines.find((line) => line.transaction.type === "CREDIT")!;
  return {
    outcome: "TransferSuccess",
    transferId: entry.id,
    debit: debit.transaction,
    credit: credit.transaction,
    from: debit.account,
    to: credit.account,
    replayed,
  };
}

/** The id of the account a transfer pays into, named by its id or by its number; undefined when no account has that number. */
export async function transferTarget(directory: AccountDirectory, input: Pick<TransferInput, "toAccountId" | "toAccountNumber">) {
  return input.toAccountId ?? (input.toAccountNumber != null ? directory.idOf(input.toAccountNumber) : undefined);
}

interface Annotated {
  idempotencyKey: string;
  reference?: string | null;
  description?: string | null;
  metadata?: Record<string, unknown> | null;
}

export function annotations({ reference, description, metadata }: Annotated) {
  return { reference, description, metadata };
}

export function annotationRules(check: Violations, input: Annotated) {
  check.idempotencyKey(input.idempotencyKey);
  check.text("reference", input.reference, LIMITS.reference);
  check.text("description", input.description, LIMITS.description, { blankAllowed: true });
  check.metadata(input.metadata);
}
