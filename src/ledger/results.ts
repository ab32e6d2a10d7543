import type { AccountChanged, OpenAccountSuccess } from "./accounts";
import type { Failure } from "./failures";
import type { PostJournalEntrySuccess } from "./entries";
import type { CaptureHoldSuccess, HoldSuccess } from "./holds";
import type { PostingSuccess, TransferSuccess } from "./postings";
import type { ReverseTransactionSuccess, UpdateTransactionSuccess } from "./reversals";

export type Outcome =
  | Failure
  | OpenAccountSuccess
  | AccountChanged<"UpdateAccountSuccess">
  | AccountChanged<"CloseAccountSuccess">
  | PostingSuccess
  | TransferSuccess
  | ReverseTransactionSuccess
  | UpdateTransactionSuccess
  | PostJournalEntrySuccess
  | HoldSuccess
  | CaptureHoldSuccess;

/**
 * Each operation's possible answers, by union member name. The ledger's
 * result types and the schema's unions (src/graphql/mutationTypes.ts) are
 * both made from this table, so they cannot disagree.
 */
export const RESULTS = {
  openAccount: ["OpenAccountSuccess", "ValidationFailed", "AccountNumberTaken", "IdempotencyKeyReused"],
  updateAccount: ["UpdateAccountSuccess", "ValidationFailed", "VersionConflict", "AccountNotFound", "AccountNotActive"],
  closeAccount: ["CloseAccountSuccess", "VersionConflict", "AccountNotFound", "AccountNotActive", "BalanceNotZero"],
  credit: [
    "PostingSuccess",
    "ValidationFailed",
    "VersionConflict",
    "BalanceLimitExceeded",
    "AccountNotFound",
    "AccountNotActive",
    "IdempotencyKeyReused",
    "ReferenceTaken",
  ],
  debit: [
    "PostingSuccess",
    "ValidationFailed",
    "VersionConflict",
    "InsufficientFunds",
    "AccountNotFound",
    "AccountNotActive",
    "IdempotencyKeyReused",
    "ReferenceTaken",
  ],
  transfer: [
    "TransferSuccess",
    "ValidationFailed",
    "VersionConflict",
    "InsufficientFunds",
    "BalanceLimitExceeded",
    "AccountNotFound",
    "AccountNotActive",
    "CurrencyMismatch",
    "IdempotencyKeyReused",
    "ReferenceTaken",
  ],
  reverseTransaction: [
    "ReverseTransactionSuccess",
    "TransactionNotFound",
    "AlreadyReversed",
    "InsufficientFunds",
    "BalanceLimitExceeded",
    "AccountNotActive",
    "IdempotencyKeyReused",
    "ValidationFailed",
  ],
  updateTransaction: ["UpdateTransactionSuccess", "ValidationFailed", "TransactionNotFound"],
  postJournalEntry: [
    "PostJournalEntrySuccess",
    "ValidationFailed",
    "EntryNotBalanced",
    "VersionConflict",
    "InsufficientFunds",
    "BalanceLimitExceeded",
    "AccountNotFound",
    "AccountNotActive",
    "CurrencyMismatch",
    "IdempotencyKeyReused",
    "ReferenceTaken",
  ],
  authorizeHold: [
    "HoldSuccess",
    "ValidationFailed",
    "VersionConflict",
    "InsufficientFunds",
    "AccountNotFound",
    "AccountNotActive",
    "CurrencyMismatch",
    "IdempotencyKeyReused",
    "ReferenceTaken",
  ],
  captureHold: [
    "CaptureHoldSuccess",
    "ValidationFailed",
    "HoldNotFound",
    "HoldNotPending",
    "HoldExpired",
    "AmountExceedsHold",
    "AccountNotActive",
    "BalanceLimitExceeded",
    "IdempotencyKeyReused",
    "ReferenceTaken",
  ],
  voidHold: ["HoldSuccess", "HoldNotFound", "HoldNotPending", "HoldExpired", "IdempotencyKeyReused", "ValidationFailed"],
} as const satisfies Record<string, ReadonlyArray<Outcome["outcome"]>>;

export type Operation = keyof typeof RESULTS;
export type OutcomeName = Outcome["outcome"];
export type ResultOf<O extends Operation> = Extract<Outcome, { outcome: (typeof RESULTS)[O][number] }>;

/** An answer outside the operation's union is a bug in the ledger, never something to send. */
export function only<O extends Operation>(operation: O, result: Outcome): ResultOf<O> {
  if (!(RESULTS[operation] as readonly string[]).includes(result.outcome)) {
    throw new Error(`${operation} cannot answer ${result.outcome}`);
  }
  return result as ResultOf<O>;
}
