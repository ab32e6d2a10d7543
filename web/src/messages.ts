import { errorExtensions, type UserErrorFieldsFragment } from "@solvent/client";
import { formatMoney, formatTime } from "./money";

/** A sentence for each business failure a mutation can answer, with the figures it carries. */
export function failureMessage(failure: UserErrorFieldsFragment, currency: string): string {
  const money = (amount: string) => formatMoney(amount, currency);
  switch (failure.__typename) {
    case "InsufficientFunds":
      return `Insufficient funds: ${money(failure.available)} available, ${money(failure.requested)} asked for. Nothing was posted.`;
    case "VersionConflict":
      return `The account changed since you filled this in: its balance is now ${money(failure.currentBalance)}. Nothing was posted.`;
    case "ValidationFailed":
      return "Nothing was posted: correct the marked fields.";
    case "AccountNotActive":
      return `The account is ${failure.status.toLowerCase()}: it takes no postings. Nothing was posted.`;
    case "AccountNotFound":
      return `There is no account ${failure.accountId} (or it is not yours to see). Nothing was posted.`;
    case "BalanceLimitExceeded":
      return `That would take the account over the largest balance it may hold (${money(failure.limit)}). Nothing was posted.`;
    case "EntryNotBalanced":
      return `The lines debit ${money(failure.debits)} but credit ${money(failure.credits)}: they must be equal. Nothing was posted.`;
    case "CurrencyMismatch":
      return `Money cannot move between ${failure.fromCurrency} and ${failure.toCurrency} accounts. Nothing was posted.`;
    case "ReferenceTaken":
      return `The reference ${failure.reference} is already used on another of your transactions.`;
    case "IdempotencyKeyReused":
      return "This request's key was used for a different request. Send again: it goes with a new key.";
    case "AccountNumberTaken":
      return `The account number ${failure.accountNumber} belongs to another account.`;
    case "BalanceNotZero":
      return `Only an empty account can be closed: this one holds ${money(failure.balance)}.`;
    case "TransactionNotFound":
      return "That transaction does not exist.";
    case "AlreadyReversed":
      return "That transaction was already reversed.";
    case "HoldNotFound":
      return "There is no such hold (or it is not yours to see). Nothing changed.";
    case "HoldNotPending":
      return `The hold is already ${failure.holdStatus.toLowerCase()}: it can no longer be captured or voided. Nothing changed.`;
    case "HoldExpired":
      return `The hold expired at ${formatTime(failure.expiresAt)}: what it held is released and cannot be captured. Nothing changed.`;
    case "AmountExceedsHold":
      return `The hold has only ${money(failure.remaining)} left, ${money(failure.requested)} asked for. Nothing was captured.`;
  }
}

/** The marked fields of a ValidationFailed: each violation's message under its input field's name ("amount"). */
export const fieldErrors = (failure: UserErrorFieldsFragment): Record<string, string> =>
  failure.__typename === "ValidationFailed" ? Object.fromEntries(failure.violations.map((v) => [v.path.at(-1), v.message])) : {};

/** A sentence for a request that failed as a whole (a top-level error, or no answer at all). */
export function requestFailureMessage(error: unknown): string {
  const extensions = errorExtensions(error);
  if (!extensions) return "The server could not be reached, or its answer was lost. Send again: it will not be posted twice.";
  switch (extensions.code) {
    case "FORBIDDEN":
      return "Your role may not do this.";
    case "RATE_LIMITED":
      return `Too many requests: wait ${extensions.retryAfterSeconds ?? 1} s and send again.`;
    case "SERVICE_UNAVAILABLE":
      return "The ledger is busy and changed nothing. Send again in a moment.";
    case "UNAUTHENTICATED":
      return "Your sign-in is no longer valid: sign in again.";
    default:
      return `The server could not do this (${extensions.code ?? "error"}${extensions.requestId ? `, request ${extensions.requestId}` : ""}).`;
  }
}
