import { type ClassType, createUnionType, Field, ID, InputType, Int, ObjectType } from "type-graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import { AccountStatus, AccountType } from "../db/generated/prisma/enums";
import { MoneyScalar } from "./scalars";
import {
  Account,
  AlreadyReversed,
  AccountNotActive,
  BalanceLimitExceeded,
  AccountNotFound,
  AccountNumberTaken,
  BalanceNotZero,
  CurrencyMismatch,
  IdempotencyKeyReused,
  InsufficientFunds,
  ReferenceTaken,
  Transaction,
  TransactionNotFound,
  ValidationFailed,
  VersionConflict,
} from "./types";

/** Ledger results name their union member in `outcome`. */
function union<T extends readonly ClassType[]>(name: string, types: () => T, description?: string) {
  return createUnionType({ name, description, types, resolveType: (value) => (value as { outcome: string }).outcome });
}

// ---------------------------------------------------------------- accounts

@InputType()
export class OpenAccountInput {
  @Field(() => ID, { nullable: true, description: "The owning customer's id; staff open accounts for customers." })
  ownerId?: string | null;

  @Field(() => String)
  customerName!: string;

  @Field(() => AccountType)
  type!: AccountType;

  @Field(() => String, { nullable: true, defaultValue: "USD", description: 'ISO 4217; defaults to "USD".' })
  currency?: string | null;

  @Field(() => String, { nullable: true, description: "Optional; the server generates one when absent." })
  accountNumber?: string | null;

  @Field(() => MoneyScalar, { nullable: true, description: "Optional opening credit; must be >= 0." })
  initialDeposit?: string | null;

  @Field(() => String)
  idempotencyKey!: string;
}

@ObjectType()
export class OpenAccountSuccess {
  @Field(() => Account)
  account!: Account;

  @Field(() => Transaction, { nullable: true, description: "The opening deposit, when one was made." })
  transaction!: Transaction | null;

  @Field(() => Boolean, { description: "True when this answer replays an earlier request with the same idempotency key." })
  replayed!: boolean;
}

export const OpenAccountResult = union("OpenAccountResult", () => [
  OpenAccountSuccess,
  ValidationFailed,
  AccountNumberTaken,
  IdempotencyKeyReused,
] as const);

@InputType()
export class UpdateAccountInput {
  @Field(() => ID)
  accountId!: string;

  @Field(() => Int)
  expectedVersion!: number;

  @Field(() => String, { nullable: true })
  customerName?: string | null;

  @Field(() => AccountType, { nullable: true })
  type?: AccountType | null;

  @Field(() => AccountStatus, { nullable: true })
  status?: AccountStatus | null;
}

@ObjectType()
export class UpdateAccountSuccess {
  @Field(() => Account)
  account!: Account;
}

export const UpdateAccountResult = union("UpdateAccountResult", () => [
  UpdateAccountSuccess,
  ValidationFailed,
  VersionConflict,
  AccountNotFound,
  AccountNotActive,
] as const);

@InputType()
export class CloseAccountInput {
  @Field(() => ID)
  accountId!: string;

  @Field(() => Int)
  expectedVersion!: number;
}

@ObjectType()
export class CloseAccountSuccess {
  @Field(() => Account)
  account!: Account;
}

export const CloseAccountResult = union(
  "CloseAccountResult",
  () => [CloseAccountSuccess, VersionConflict, AccountNotFound, AccountNotActive, BalanceNotZero] as const,
  "Closing is the ledger-safe form of deleting: history stays, the account takes no more postings.",
);

// ---------------------------------------------------------------- postings

/** What every money movement carries besides its amounts: the retry key and the client's annotations. Unreferenced, so not in the schema itself. */
@InputType()
abstract class MovementInput {
  @Field(() => String, { description: "Required. Retrying with the same key and the same request replays the first answer." })
  idempotencyKey!: string;

  @Field(() => String, { nullable: true })
  reference?: string | null;

  @Field(() => String, { nullable: true })
  description?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata?: Record<string, unknown> | null;
}

@InputType()
export class PostingInput extends MovementInput {
  @Field(() => ID)
  accountId!: string;

  @Field(() => MoneyScalar, { description: "Must be > 0." })
  amount!: string;

  @Field(() => Int, { nullable: true, description: "When given, the posting applies only if the account is still at this version." })
  expectedVersion?: number | null;
}

@ObjectType()
export class PostingSuccess {
  @Field(() => Transaction)
  transaction!: Transaction;

  @Field(() => Account, { description: "The account right after the posting (its current state when replayed)." })
  account!: Account;

  @Field(() => Boolean)
  replayed!: boolean;
}

export const CreditResult = union("CreditResult", () => [
  PostingSuccess,
  ValidationFailed,
  VersionConflict,
  BalanceLimitExceeded,
  AccountNotFound,
  AccountNotActive,
  IdempotencyKeyReused,
  ReferenceTaken,
] as const);

export const DebitResult = union("DebitResult", () => [
  PostingSuccess,
  ValidationFailed,
  VersionConflict,
  InsufficientFunds,
  AccountNotFound,
  AccountNotActive,
  IdempotencyKeyReused,
  ReferenceTaken,
] as const);

@InputType({ description: "The reference, when given, is recorded on the debit leg." })
export class TransferInput extends MovementInput {
  @Field(() => ID)
  fromAccountId!: string;

  @Field(() => ID, { nullable: true, description: "The receiving account: give exactly one of toAccountId and toAccountNumber." })
  toAccountId?: string | null;

  @Field(() => String, {
    nullable: true,
    description: "The receiving account by its number, for paying an account you cannot read; exactly one of toAccountId and toAccountNumber.",
  })
  toAccountNumber?: string | null;

  @Field(() => MoneyScalar)
  amount!: string;

  @Field(() => Int, { nullable: true })
  expectedFromVersion?: number | null;

  @Field(() => Int, { nullable: true })
  expectedToVersion?: number | null;
}

@ObjectType()
export class TransferSuccess {
  @Field(() => ID)
  transferId!: string;

  @Field(() => Transaction)
  debit!: Transaction;

  @Field(() => Transaction)
  credit!: Transaction;

  @Field(() => Account)
  from!: Account;

  @Field(() => Account)
  to!: Account;

  @Field(() => Boolean)
  replayed!: boolean;
}

export const TransferResult = union("TransferResult", () => [
  TransferSuccess,
  ValidationFailed,
  VersionConflict,
  InsufficientFunds,
  BalanceLimitExceeded,
  AccountNotFound,
  AccountNotActive,
  CurrencyMismatch,
  IdempotencyKeyReused,
  ReferenceTaken,
] as const);

// ---------------------------------------------------------------- reversals and annotations

@InputType()
export class ReverseTransactionInput {
  @Field(() => ID, { description: "Either leg of a transfer reverses the whole transfer." })
  transactionId!: string;

  @Field(() => String)
  idempotencyKey!: string;

  @Field(() => String, { nullable: true, description: "Recorded as the reversal's description." })
  reason?: string | null;
}

@ObjectType()
export class ReverseTransactionSuccess {
  @Field(() => Transaction, { description: "The original, now REVERSED." })
  original!: Transaction;

  @Field(() => Transaction, { description: "The compensating posting." })
  reversal!: Transaction;

  @Field(() => Account)
  account!: Account;

  @Field(() => Boolean)
  replayed!: boolean;
}

export const ReverseTransactionResult = union(
  "ReverseTransactionResult",
  () =>
    [
      ReverseTransactionSuccess,
      TransactionNotFound,
      AlreadyReversed,
      InsufficientFunds,
      BalanceLimitExceeded,
      AccountNotActive,
      IdempotencyKeyReused,
      ValidationFailed,
    ] as const,
  "Reversing is the ledger-safe form of deleting a transaction: a compensating posting, both kept in history.",
);

@InputType()
export class UpdateTransactionInput {
  @Field(() => ID)
  transactionId!: string;

  @Field(() => String, { nullable: true, description: "Omitted: unchanged; null: cleared." })
  description?: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true, description: "Omitted: unchanged; null: cleared. At most 50 keys, 8 KiB and 32 levels deep." })
  metadata?: Record<string, unknown> | null;
}

@ObjectType()
export class UpdateTransactionSuccess {
  @Field(() => Transaction)
  transaction!: Transaction;
}

export const UpdateTransactionResult = union(
  "UpdateTransactionResult",
  () => [UpdateTransactionSuccess, ValidationFailed, TransactionNotFound] as const,
  "Only annotations of a transaction can change; amounts, types and accounts never do.",
);
