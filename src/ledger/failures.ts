import type { AccountStatus, HoldStatus } from "../db/generated/prisma/client";

/*
 * Expected business failures. `outcome` is the name of the GraphQL union
 * member that carries it, so schema, code and logs share one name; `code` is
 * the stable machine-readable code clients switch on.
 */

export interface FieldViolation {
  path: string[];
  message: string;
}

export interface ValidationFailed {
  outcome: "ValidationFailed";
  code: "VALIDATION_FAILED";
  message: string;
  violations: FieldViolation[];
}
export interface VersionConflict {
  outcome: "VersionConflict";
  code: "VERSION_CONFLICT";
  message: string;
  accountId: string;
  expectedVersion: number;
  currentVersion: number;
  currentBalance: string;
}
export interface InsufficientFunds {
  outcome: "InsufficientFunds";
  code: "INSUFFICIENT_FUNDS";
  message: string;
  accountId: string;
  balance: string;
  /** What the check used: the balance less what holds reserve. */
  available: string;
  requested: string;
}
export interface BalanceLimitExceeded {
  outcome: "BalanceLimitExceeded";
  code: "BALANCE_LIMIT_EXCEEDED";
  message: string;
  accountId: string;
  limit: string;
}
export interface AccountNotFound {
  outcome: "AccountNotFound";
  code: "ACCOUNT_NOT_FOUND";
  message: string;
  accountId: string;
}
export interface AccountNotActive {
  outcome: "AccountNotActive";
  code: "ACCOUNT_NOT_ACTIVE";
  message: string;
  accountId: string;
  status: AccountStatus;
}
export interface IdempotencyKeyReused {
  outcome: "IdempotencyKeyReused";
  code: "IDEMPOTENCY_KEY_REUSED";
  message: string;
  idempotencyKey: string;
}
export interface AccountNumberTaken {
  outcome: "AccountNumberTaken";
  code: "ACCOUNT_NUMBER_TAKEN";
  message: string;
  accountNumber: string;
}
export interface ReferenceTaken {
  outcome: "ReferenceTaken";
  code: "REFERENCE_TAKEN";
  message: string;
  reference: string;
}
export interface BalanceNotZero {
  outcome: "BalanceNotZero";
  code: "BALANCE_NOT_ZERO";
  message: string;
  accountId: string;
  balance: string;
}
export interface CurrencyMismatch {
  outcome: "CurrencyMismatch";
  code: "CURRENCY_MISMATCH";
  message: string;
  fromCurrency: string;
  toCurrency: string;
}

export interface TransactionNotFound {
  outcome: "TransactionNotFound";
  code: "TRANSACTION_NOT_FOUND";
  message: string;
  transactionId: string;
}
export interface EntryNotBalanced {
  outcome: "EntryNotBalanced";
  code: "ENTRY_NOT_BALANCED";
  message: string;
  debits: string;
  credits: string;
}
export interface HoldNotFound {
  outcome: "HoldNotFound";
  code: "HOLD_NOT_FOUND";
  message: string;
  holdId: string;
}
export interface HoldNotPending {
  outcome: "HoldNotPending";
  code: "HOLD_NOT_PENDING";
  message: string;
  holdId: string;
  status: HoldStatus;
}
export interface HoldExpired {
  outcome: "HoldExpired";
  code: "HOLD_EXPIRED";
  message: string;
  holdId: string;
  expiresAt: Date;
}
export interface AmountExceedsHold {
  outcome: "AmountExceedsHold";
  code: "AMOUNT_EXCEEDS_HOLD";
  message: string;
  holdId: string;
  requested: string;
  remaining: string;
}
export interface AlreadyReversed {
  outcome: "AlreadyReversed";
  code: "ALREADY_REVERSED";
  message: string;
  transactionId: string;
}

export type Failure =
  | ValidationFailed
  | VersionConflict
  | InsufficientFunds
  | BalanceLimitExceeded
  | AccountNotFound
  | AccountNotActive
  | IdempotencyKeyReused
  | AccountNumberTaken
  | ReferenceTaken
  | BalanceNotZero
  | CurrencyMismatch
  | EntryNotBalanced
  | TransactionNotFound
  | AlreadyReversed
  | HoldNotFound
  | HoldNotPending
  | HoldExpired
  | AmountExceedsHold;

export const fail = {
  validation: (violations: FieldViolation[]): ValidationFailed => ({
    outcome: "ValidationFailed",
    code: "VALIDATION_FAILED",
    message: violations.map((v) => `${v.path.join(".")}: ${v.message}`).join("; "),
    violations,
  }),
  versionConflict: (accountId: string, expectedVersion: number, currentVersion: number, currentBalance: string): VersionConflict => ({
    outcome: "VersionConflict",
    code: "VERSION_CONFLICT",
    message: `account ${accountId} is at version ${currentVersion}, not ${expectedVersion}: re-read it and retry`,
    accountId,
    expectedVersion,
    currentVersion,
    currentBalance,
  }),
  insufficientFunds: (accountId: string, balance: string, requested: string, available = balance): InsufficientFunds => ({
    outcome: "InsufficientFunds",
    code: "INSUFFICIENT_FUNDS",
    message: `account ${accountId} has ${available} available, less than the ${requested} requested`,
    accountId,
    balance,
    available,
    requested,
  }),
  balanceLimitExceeded: (accountId: string, limit: string): BalanceLimitExceeded => ({
    outcome: "BalanceLimitExceeded",
    code: "BALANCE_LIMIT_EXCEEDED",
    message: `account ${accountId} cannot hold more than ${limit}`,
    accountId,
    limit,
  }),
  accountNotFound: (accountId: string): AccountNotFound => ({
    outcome: "AccountNotFound",
    code: "ACCOUNT_NOT_FOUND",
    message: `no account ${accountId}`,
    accountId,
  }),
  accountNotActive: (accountId: string, status: AccountStatus): AccountNotActive => ({
    outcome: "AccountNotActive",
    code: "ACCOUNT_NOT_ACTIVE",
    message: `account ${accountId} is ${status}`,
    accountId,
    status,
  }),
  idempotencyKeyReused: (idempotencyKey: string): IdempotencyKeyReused => ({
    outcome: "IdempotencyKeyReused",
    code: "IDEMPOTENCY_KEY_REUSED",
    message: "this idempotency key was already used for a different request",
    idempotencyKey,
  }),
  accountNumberTaken: (accountNumber: string): AccountNumberTaken => ({
    outcome: "AccountNumberTaken",
    code: "ACCOUNT_NUMBER_TAKEN",
    message: `account number ${accountNumber} is already in use`,
    accountNumber,
  }),
  referenceTaken: (reference: string): ReferenceTaken => ({
    outcome: "ReferenceTaken",
    code: "REFERENCE_TAKEN",
    message: `reference ${reference} is already used by another transaction of this owner`,
    reference,
  }),
  balanceNotZero: (accountId: string, balance: string): BalanceNotZero => ({
    outcome: "BalanceNotZero",
    code: "BALANCE_NOT_ZERO",
    message: `account ${accountId} still holds ${balance}: only an empty account can be closed`,
    accountId,
    balance,
  }),
  currencyMismatch: (fromCurrency: string, toCurrency: string): CurrencyMismatch => ({
    outcome: "CurrencyMismatch",
    code: "CURRENCY_MISMATCH",
    message: `cannot transfer between ${fromCurrency} and ${toCurrency} accounts`,
    fromCurrency,
    toCurrency,
  }),
  entryNotBalanced: (debits: string, credits: string): EntryNotBalanced => ({
    outcome: "EntryNotBalanced",
    code: "ENTRY_NOT_BALANCED",
    message: `the lines debit ${debits} but credit ${credits}: an entry's debits and credits must be equal`,
    debits,
    credits,
  }),
  transactionNotFound: (transactionId: string): TransactionNotFound => ({
    outcome: "TransactionNotFound",
    code: "TRANSACTION_NOT_FOUND",
    message: `no transaction ${transactionId}`,
    transactionId,
  }),
  alreadyReversed: (transactionId: string): AlreadyReversed => ({
    outcome: "AlreadyReversed",
    code: "ALREADY_REVERSED",
    message: `transaction ${transactionId} is already reversed, or is itself a reversal`,
    transactionId,
  }),
  holdNotFound: (holdId: string): HoldNotFound => ({
    outcome: "HoldNotFound",
    code: "HOLD_NOT_FOUND",
    message: `no hold ${holdId}`,
    holdId,
  }),
  holdNotPending: (holdId: string, status: HoldStatus): HoldNotPending => ({
    outcome: "HoldNotPending",
    code: "HOLD_NOT_PENDING",
    message: `hold ${holdId} is ${status}: nothing remains to capture or release`,
    holdId,
    status,
  }),
  holdExpired: (holdId: string, expiresAt: Date): HoldExpired => ({
    outcome: "HoldExpired",
    code: "HOLD_EXPIRED",
    message: `hold ${holdId} expired at ${expiresAt.toISOString()}: what remained is released`,
    holdId,
    expiresAt,
  }),
  amountExceedsHold: (holdId: string, requested: string, remaining: string): AmountExceedsHold => ({
    outcome: "AmountExceedsHold",
    code: "AMOUNT_EXCEEDS_HOLD",
    message: `hold ${holdId} has ${remaining} left, less than the ${requested} asked for`,
    holdId,
    requested,
    remaining,
  }),
};
