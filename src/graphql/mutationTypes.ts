import { type ClassType, createUnionType, Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { AccountStatus, AccountType, TransactionType } from "../db/generated/prisma/enums";
import type { Failure } from "../ledger/failures";
import { RESULTS, type Operation, type OutcomeName } from "../ledger/results";

/** What a union member's GraphQL class must have: for a failure, every field of the ledger's type (`code` as a string). */
type FieldsOf<Name extends OutcomeName> = Name extends Failure["outcome"] ? Omit<Extract<Failure, { outcome: Name }>, "outcome" | "code"> : object;
import { JSONObjectScalar, MoneyScalar } from "./scalars";
import {
  Account,
  AlreadyReversed,
  AccountNotActive,
  BalanceLimitExceeded,
  AccountNotFound,
  AccountNumberTaken,
  BalanceNotZero,
  CurrencyMismatch,
  EntryNotBalanced,
  Hold,
  HoldExpired,
  HoldNotFound,
  HoldNotPending,
  AmountExceedsHold,
  IdempotencyKeyReused,
  JournalEntry,
  InsufficientFunds,
  ReferenceTaken,
  Transaction,
  TransactionNotFound,
  ValidationFailed,
  VersionConflict,
} from "./types";

/** An operation's union, with the members the ledger's table gives it; ledger results name their member in `outcome`. */
function union(name: string, operation: Operation, description: string) {
  return createUnionType({
    name,
    description,
    types: () => RESULTS[operation].map((member) => MEMBERS[member]) as unknown as [ClassType, ...ClassType[]],
    resolveType: (value) => (value as { outcome: string }).outcome,
  });
}

// ---------------------------------------------------------------- accounts

@InputType({ description: "The account to open." })
export class OpenAccountInput {
  @Field(() => ID, {
    nullable: true,
    description:
      "The owning customer's id; staff open accounts for customers. It is the `sub` of the customer's token, and decides who may see the account; omitted, no customer owns it.",
  })
  ownerId?: string | null;

  @Field(() => String, { description: "The account holder's name: not blank, at most 200 characters." })
  customerName!: string;

  @Field(() => AccountType, { description: "Checking or savings." })
  type!: AccountType;

  @Field(() => String, {
    nullable: true,
    defaultValue: "USD",
    description: 'ISO 4217; defaults to "USD". One of the currencies the ledger supports (another is ValidationFailed); it never changes.',
  })
  currency?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "Optional; the server generates one when absent (10 digits with a Luhn check digit). A given one is 6 to 34 digits; a taken one is AccountNumberTaken.",
  })
  accountNumber?: string | null;

  @Field(() => MoneyScalar, {
    nullable: true,
    description: "Optional opening credit; must be >= 0. In the account's currency; when above zero it is posted as a DEPOSIT.",
  })
  initialDeposit?: string | null;

  @Field(() => String, {
    description:
      "Required, 1 to 255 characters, scoped to the caller. Retrying with the same key and the same request replays the first answer; with a different request it is IdempotencyKeyReused.",
  })
  idempotencyKey!: string;
}

@ObjectType({ description: "The account was opened (or, when replayed, had been by the first request with this key)." })
export class OpenAccountSuccess {
  @Field(() => Account, { description: "The account, as it is now." })
  account!: Account;

  @Field(() => Transaction, { nullable: true, description: "The opening deposit, when one was made." })
  transaction!: Transaction | null;

  @Field(() => Boolean, { description: "True when this answer replays an earlier request with the same idempotency key." })
  replayed!: boolean;
}

export const OpenAccountResult = union(
  "OpenAccountResult",
  "openAccount",
  "The opened account, or why none was opened.",
);

@InputType({ description: "What to change on an account: at least one of customerName, type and status." })
export class UpdateAccountInput {
  @Field(() => ID, { description: "The account to change." })
  accountId!: string;

  @Field(() => Int, {
    description: "The version you read: the change applies only if the account is still at it, otherwise VersionConflict.",
  })
  expectedVersion!: number;

  @Field(() => String, { nullable: true, description: "The new holder's name (not blank, at most 200 characters); omitted: unchanged." })
  customerName?: string | null;

  @Field(() => AccountType, { nullable: true, description: "The new type; omitted: unchanged." })
  type?: AccountType | null;

  @Field(() => AccountStatus, {
    nullable: true,
    description: "ACTIVE or FROZEN (only closeAccount closes an account); omitted: unchanged. A teller may only set FROZEN.",
  })
  status?: AccountStatus | null;
}

@ObjectType({ description: "The account was changed." })
export class UpdateAccountSuccess {
  @Field(() => Account, { description: "The account after the change, its version one higher." })
  account!: Account;
}

export const UpdateAccountResult = union(
  "UpdateAccountResult",
  "updateAccount",
  "The changed account, or why nothing changed.",
);

@InputType({ description: "The account to close, at the version you read." })
export class CloseAccountInput {
  @Field(() => ID, { description: "The account to close." })
  accountId!: string;

  @Field(() => Int, {
    description: "The version you read: the account is closed only if it is still at it, otherwise VersionConflict.",
  })
  expectedVersion!: number;
}

@ObjectType({ description: "The account was closed." })
export class CloseAccountSuccess {
  @Field(() => Account, { description: "The account, now CLOSED, its version one higher." })
  account!: Account;
}

export const CloseAccountResult = union(
  "CloseAccountResult",
  "closeAccount",
  "Closing is the ledger-safe form of deleting: history stays, the account takes no more postings.",
);

// ---------------------------------------------------------------- postings

/** What every money movement carries besides its amounts: the retry key and the client's annotations. Unreferenced, so not in the schema itself. */
@InputType()
abstract class MovementInput {
  @Field(() => String, {
    description:
      "Required. Retrying with the same key and the same request replays the first answer. 1 to 255 characters, scoped to the caller, kept at least 24 hours; with a different request it is IdempotencyKeyReused. A failure does not use it up.",
  })
  idempotencyKey!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Optional, at most 255 characters, e.g. an upstream id: unique among the postings (for a hold: the holds) of the owner's accounts (ReferenceTaken otherwise).",
  })
  reference?: string | null;

  @Field(() => String, { nullable: true, description: "Optional free text, at most 1,000 characters, recorded on the posting (or the hold)." })
  description?: string | null;

  @Field(() => JSONObjectScalar, {
    nullable: true,
    description: "Optional JSON annotations recorded on the posting (or the hold): at most 50 keys, 8 KiB and 32 levels deep.",
  })
  metadata?: Record<string, unknown> | null;
}

@InputType({ description: "Money into (credit) or out of (debit) one account." })
export class PostingInput extends MovementInput {
  @Field(() => ID, { description: "The account to post to." })
  accountId!: string;

  @Field(() => MoneyScalar, {
    description: "Must be > 0. In the account's currency, with at most its minor-unit digits, and at most 10^15 minor units.",
  })
  amount!: string;

  @Field(() => Int, {
    nullable: true,
    description:
      "When given, the posting applies only if the account is still at this version (otherwise VersionConflict). Left out of the idempotency fingerprint: a retry with the same key may give a newer version.",
  })
  expectedVersion?: number | null;
}

@ObjectType({ description: "The money moved (or, when replayed, had moved with the first request with this key)." })
export class PostingSuccess {
  @Field(() => Transaction, { description: "The posting (the first request's when replayed)." })
  transaction!: Transaction;

  @Field(() => Account, { description: "The account right after the posting (its current state when replayed)." })
  account!: Account;

  @Field(() => Boolean, {
    description: "True when this answer replays an earlier request with the same idempotency key: nothing new was posted.",
  })
  replayed!: boolean;
}

export const CreditResult = union(
  "CreditResult",
  "credit",
  "The credit posted, or why no money moved.",
);

export const DebitResult = union(
  "DebitResult",
  "debit",
  "The debit posted, or why no money moved.",
);

@InputType({
  description:
    "Money from one account to another of the same currency. The reference, when given, is recorded on the debit leg; description and metadata on both.",
})
export class TransferInput extends MovementInput {
  @Field(() => ID, { description: "The paying account; a customer's own." })
  fromAccountId!: string;

  @Field(() => ID, {
    nullable: true,
    description: "The receiving account, any account other than the paying one; give exactly one of toAccountId and toAccountNumber.",
  })
  toAccountId?: string | null;

  @Field(() => String, {
    nullable: true,
    description:
      "The receiving account by its number, for paying an account you cannot read (a customer paying somebody else); exactly one of toAccountId and toAccountNumber. An unknown number is AccountNotFound.",
  })
  toAccountNumber?: string | null;

  @Field(() => MoneyScalar, {
    description: "Must be > 0. In the accounts' currency, with at most its minor-unit digits, and at most 10^15 minor units.",
  })
  amount!: string;

  @Field(() => Int, {
    nullable: true,
    description: "When given, the transfer applies only if the paying account is still at this version (otherwise VersionConflict).",
  })
  expectedFromVersion?: number | null;

  @Field(() => Int, {
    nullable: true,
    description:
      "When given, the transfer applies only if the receiving account is still at this version. Only for an account the caller may see (otherwise ValidationFailed).",
  })
  expectedToVersion?: number | null;
}

@ObjectType({
  description:
    "The money moved: two postings sharing transferId (or, when replayed, the first request's). A customer paying into somebody else's account may select only id, accountNumber, type, status and currency of `to`, and only the public fields of `credit` (not balanceAfter, accountVersion, actor, account, reversalOf, reversedBy).",
})
export class TransferSuccess {
  @Field(() => ID, { description: "Shared by both legs (and by their reversals)." })
  transferId!: string;

  @Field(() => Transaction, { description: "The DEBIT leg, on the paying account." })
  debit!: Transaction;

  @Field(() => Transaction, { description: "The CREDIT leg, on the receiving account." })
  credit!: Transaction;

  @Field(() => Account, { description: "The paying account right after the transfer (its current state when replayed)." })
  from!: Account;

  @Field(() => Account, { description: "The receiving account right after the transfer (its current state when replayed)." })
  to!: Account;

  @Field(() => Boolean, {
    description: "True when this answer replays an earlier request with the same idempotency key: nothing new was posted.",
  })
  replayed!: boolean;
}

export const TransferResult = union(
  "TransferResult",
  "transfer",
  "The transfer made, or why no money moved.",
);

// ---------------------------------------------------------------- reversals and annotations

@InputType({ description: "The posting to reverse." })
export class ReverseTransactionInput {
  @Field(() => ID, { description: "The posting to reverse. Either leg of a transfer reverses the whole transfer." })
  transactionId!: string;

  @Field(() => String, {
    description:
      "Required, 1 to 255 characters, scoped to the caller. Retrying with the same key and the same request replays the first answer; with a different request it is IdempotencyKeyReused.",
  })
  idempotencyKey!: string;

  @Field(() => String, {
    nullable: true,
    description: 'Recorded as the reversal\'s description ("Reversal" when omitted); at most 1,000 characters.',
  })
  reason?: string | null;
}

@ObjectType({ description: "The posting was reversed (or, when replayed, had been by the first request with this key)." })
export class ReverseTransactionSuccess {
  @Field(() => Transaction, { description: "The original, now REVERSED." })
  original!: Transaction;

  @Field(() => Transaction, { description: "The compensating posting: kind REVERSAL, the same amount in the opposite direction." })
  reversal!: Transaction;

  @Field(() => Account, { description: "The original's account right after the reversal (its current state when replayed)." })
  account!: Account;

  @Field(() => Boolean, {
    description: "True when this answer replays an earlier request with the same idempotency key: nothing new was posted.",
  })
  replayed!: boolean;
}

export const ReverseTransactionResult = union(
  "ReverseTransactionResult",
  "reverseTransaction",
  "Reversing is the ledger-safe form of deleting a transaction: a compensating posting, both kept in history.",
);

@InputType({ description: "New annotations of a posting: description, metadata or both." })
export class UpdateTransactionInput {
  @Field(() => ID, { description: "The posting to annotate." })
  transactionId!: string;

  @Field(() => String, { nullable: true, description: "Omitted: unchanged; null: cleared." })
  description?: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: "Omitted: unchanged; null: cleared. At most 50 keys, 8 KiB and 32 levels deep." })
  metadata?: Record<string, unknown> | null;
}

@ObjectType({ description: "The posting's annotations were changed." })
export class UpdateTransactionSuccess {
  @Field(() => Transaction, { description: "The posting with its new annotations." })
  transaction!: Transaction;
}

export const UpdateTransactionResult = union(
  "UpdateTransactionResult",
  "updateTransaction",
  "Only annotations of a transaction can change; amounts, types and accounts never do.",
);

// ---------------------------------------------------------------- journal

@InputType({ description: "One line of a journal entry: money into (CREDIT) or out of (DEBIT) one account." })
export class JournalLineInput {
  @Field(() => ID, { description: "The account; each account at most once per entry." })
  accountId!: string;

  @Field(() => TransactionType, { description: "CREDIT adds the amount to the account, DEBIT takes it away." })
  type!: TransactionType;

  @Field(() => MoneyScalar, { description: "Must be > 0, in the entry's currency, with at most its minor-unit digits." })
  amount!: string;

  @Field(() => Int, { nullable: true, description: "When given, the entry applies only if this account is still at this version." })
  expectedVersion?: number | null;
}

@InputType({
  description:
    "A balanced entry among accounts (e.g. a payment with a fee). The reference, when given, is recorded on the first line; description and metadata on every line.",
})
export class PostJournalEntryInput extends MovementInput {
  @Field(() => [JournalLineInput], { description: "2 to 50 lines, one currency, each account at most once; credits must equal debits." })
  lines!: JournalLineInput[];
}

@ObjectType({ description: "The entry was posted, all lines or none (or, when replayed, had been by the first request with this key)." })
export class PostJournalEntrySuccess {
  @Field(() => JournalEntry, { description: "The entry and its lines." })
  journalEntry!: unknown;

  @Field(() => Boolean, {
    description: "True when this answer replays an earlier request with the same idempotency key: nothing new was posted.",
  })
  replayed!: boolean;
}

export const PostJournalEntryResult = union(
  "PostJournalEntryResult",
  "postJournalEntry",
  "The entry posted, or why no money moved.",
);

// ---------------------------------------------------------------- holds

@InputType({ description: "Money to reserve on one account." })
export class AuthorizeHoldInput extends MovementInput {
  @Field(() => ID, { description: "The account to reserve money on; it must be ACTIVE." })
  accountId!: string;

  @Field(() => MoneyScalar, { description: "Must be > 0 and at most the available balance, in the account's currency." })
  amount!: string;

  @Field(() => ID, {
    nullable: true,
    description: "Captures credit this account (same currency); absent: captures leave the ledger through settlement.",
  })
  destinationAccountId?: string | null;

  @Field(() => Date, {
    nullable: true,
    description:
      "Absent: now + the server's default (HOLD_DEFAULT_EXPIRY_SECONDS, 7 days). Must be at least 1 s in the future and within the server's maximum (HOLD_MAX_EXPIRY_SECONDS, 30 days).",
  })
  expiresAt?: Date | null;

  @Field(() => Int, { nullable: true, description: "When given, the hold is made only if the account is still at this version." })
  expectedVersion?: number | null;
}

@ObjectType({ description: "The hold was made or released (or, when replayed, had been by the first request with this key)." })
export class HoldSuccess {
  @Field(() => Hold, { description: "The hold after the change." })
  hold!: unknown;

  @Field(() => Account, { description: "The held account right after the change (its current state when replayed)." })
  account!: unknown;

  @Field(() => Boolean, { description: "True when this answer replays an earlier request with the same idempotency key: nothing new happened." })
  replayed!: boolean;
}

export const AuthorizeHoldResult = union("AuthorizeHoldResult", "authorizeHold", "The hold made, or why no money was reserved.");

@InputType({ description: "What to capture of a hold." })
export class CaptureHoldInput {
  @Field(() => ID, { description: "The hold." })
  holdId!: string;

  @Field(() => MoneyScalar, { nullable: true, description: "Absent: all of remainingAmount. Otherwise > 0 and <= remainingAmount." })
  amount?: string | null;

  @Field(() => Boolean, {
    nullable: true,
    defaultValue: true,
    description: "true: the hold closes and the rest is released. false: the rest stays capturable (a capture of all that remains closes it anyway).",
  })
  final?: boolean | null;

  @Field(() => String, {
    description: "Required, 1 to 255 characters, scoped to the caller: each step of a hold has its own key. A retry with the same key and request replays the first answer.",
  })
  idempotencyKey!: string;

  @Field(() => String, { nullable: true, description: "Recorded on the capture's debit posting; unique among the postings of the owner's accounts." })
  reference?: string | null;

  @Field(() => String, { nullable: true, description: "Recorded on the capture's postings." })
  description?: string | null;
}

@ObjectType({ description: "The money was captured: posted from the held account (or, when replayed, had been by the first request with this key)." })
export class CaptureHoldSuccess {
  @Field(() => Hold, { description: "The hold after the capture." })
  hold!: unknown;

  @Field(() => Transaction, { description: "The posting on the held account." })
  debit!: unknown;

  @Field(() => Transaction, { nullable: true, description: "The posting on the destination, when the hold has one." })
  credit!: unknown;

  @Field(() => JournalEntry, { description: "The capture's entry: a TRANSFER into the destination, or a WITHDRAWAL through settlement." })
  journalEntry!: unknown;

  @Field(() => Boolean, { description: "True when this answer replays an earlier request with the same idempotency key: nothing new was posted." })
  replayed!: boolean;
}

export const CaptureHoldResult = union(
  "CaptureHoldResult",
  "captureHold",
  "The capture posted, or why nothing was. A capture never fails for funds (they are reserved), only for the hold's or the accounts' state.",
);

@InputType({ description: "The hold to release." })
export class VoidHoldInput {
  @Field(() => ID, { description: "The hold." })
  holdId!: string;

  @Field(() => String, { description: "Required, 1 to 255 characters, scoped to the caller. A retry with the same key and request replays the first answer." })
  idempotencyKey!: string;

  @Field(() => String, { nullable: true, description: "Why, at most 1,000 characters. Part of the request (a retry must repeat it), not stored." })
  reason?: string | null;
}

export const VoidHoldResult = union("VoidHoldResult", "voidHold", "Releasing money is always allowed, also on FROZEN or CLOSED accounts.");

/**
 * The class of each union member, by the name the ledger's results use. A
 * failure's class must carry every field of the ledger's failure (the type
 * checker holds them to it), so the schema cannot lose one.
 */
const MEMBERS: { [Name in OutcomeName]: ClassType<FieldsOf<Name>> } = {
  OpenAccountSuccess,
  UpdateAccountSuccess,
  CloseAccountSuccess,
  PostingSuccess,
  TransferSuccess,
  ReverseTransactionSuccess,
  UpdateTransactionSuccess,
  PostJournalEntrySuccess,
  ValidationFailed,
  VersionConflict,
  InsufficientFunds,
  BalanceLimitExceeded,
  AccountNotFound,
  AccountNotActive,
  IdempotencyKeyReused,
  AccountNumberTaken,
  ReferenceTaken,
  BalanceNotZero,
  CurrencyMismatch,
  EntryNotBalanced,
  TransactionNotFound,
  AlreadyReversed,
  HoldSuccess,
  CaptureHoldSuccess,
  HoldNotFound,
  HoldNotPending,
  HoldExpired,
  AmountExceedsHold,
};
