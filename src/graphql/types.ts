import { Field, ID, Int, InterfaceType, ObjectType, registerEnumType } from "type-graphql";
import { GraphQLJSONObject } from "graphql-scalars";
import {
  AccountStatus,
  AccountType,
  TransactionKind,
  TransactionStatus,
  TransactionType,
} from "../db/generated/prisma/enums";
import { MoneyScalar } from "./scalars";

registerEnumType(AccountType, { name: "AccountType" });
registerEnumType(AccountStatus, { name: "AccountStatus" });
registerEnumType(TransactionType, {
  name: "TransactionType",
  description: "Direction of a posting on one account: CREDIT adds money, DEBIT removes it.",
});
registerEnumType(TransactionKind, { name: "TransactionKind", description: "What the posting was for." });
registerEnumType(TransactionStatus, { name: "TransactionStatus" });

// Fields computed from the row (balance, amount, history, related rows) are field resolvers in resolvers/.

@ObjectType()
export class Account {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { description: "Unique, human-facing account number (digits only)." })
  accountNumber!: string;

  @Field(() => ID, { nullable: true, description: "The customer who owns the account (the `sub` of their token)." })
  ownerId!: string | null;

  @Field(() => String)
  customerName!: string;

  @Field(() => AccountType)
  type!: AccountType;

  @Field(() => AccountStatus)
  status!: AccountStatus;

  @Field(() => String, { description: 'ISO 4217 code, e.g. "USD".' })
  currency!: string;

  @Field(() => Int, { description: "Increases by exactly one on every change of the account: postings, updates, closing." })
  version!: number;

  @Field(() => Date)
  createdAt!: Date;

  @Field(() => Date)
  updatedAt!: Date;

  @Field(() => Date, { nullable: true })
  closedAt!: Date | null;
}

@ObjectType({ description: "One immutable posting on one account." })
export class Transaction {
  @Field(() => ID)
  id!: string;

  @Field(() => String, { nullable: true, description: "Client-supplied unique reference (optional), e.g. an upstream transaction id." })
  reference!: string | null;

  @Field(() => TransactionType)
  type!: TransactionType;

  @Field(() => TransactionKind)
  kind!: TransactionKind;

  @Field(() => Int, { description: "Version of the account right after this posting." })
  accountVersion!: number;

  @Field(() => TransactionStatus)
  status!: TransactionStatus;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => GraphQLJSONObject, { nullable: true })
  metadata!: Record<string, unknown> | null;

  @Field(() => ID, { nullable: true, description: "Shared by the two legs of a transfer." })
  transferId!: string | null;

  @Field(() => Date)
  createdAt!: Date;
}

@ObjectType()
export class PageInfo {
  @Field(() => Boolean)
  hasNextPage!: boolean;

  @Field(() => Boolean)
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true })
  startCursor!: string | null;

  @Field(() => String, { nullable: true })
  endCursor!: string | null;
}

@ObjectType()
export class AccountEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Account)
  node!: Account;
}

@ObjectType()
export class AccountConnection {
  @Field(() => [AccountEdge])
  edges!: AccountEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

@ObjectType()
export class TransactionEdge {
  @Field(() => String)
  cursor!: string;

  @Field(() => Transaction)
  node!: Transaction;
}

@ObjectType()
export class TransactionConnection {
  @Field(() => [TransactionEdge])
  edges!: TransactionEdge[];

  @Field(() => PageInfo)
  pageInfo!: PageInfo;
}

// ---------------------------------------------------------------- failures

@InterfaceType()
export abstract class UserError {
  @Field(() => String, { description: 'Stable machine-readable code, e.g. "VERSION_CONFLICT".' })
  code!: string;

  @Field(() => String, { description: "Human-readable explanation." })
  message!: string;
}

@ObjectType()
export class FieldViolation {
  @Field(() => [String], { description: 'Path of the offending input field, e.g. ["input", "amount"].' })
  path!: string[];

  @Field(() => String)
  message!: string;
}

@ObjectType({
  implements: UserError,
  description: "The input broke a rule the schema could not express (amount <= 0, too many fraction digits, blank name, ...).",
})
export class ValidationFailed extends UserError {
  @Field(() => [FieldViolation])
  violations!: FieldViolation[];
}

@ObjectType({ implements: UserError, description: "expectedVersion did not match: someone changed the account first. Re-read and retry." })
export class VersionConflict extends UserError {
  @Field(() => ID)
  accountId!: string;

  @Field(() => Int)
  expectedVersion!: number;

  @Field(() => Int)
  currentVersion!: number;

  @Field(() => MoneyScalar)
  currentBalance!: string;
}

@ObjectType({ implements: UserError })
export class InsufficientFunds extends UserError {
  @Field(() => ID)
  accountId!: string;

  @Field(() => MoneyScalar)
  balance!: string;

  @Field(() => MoneyScalar)
  requested!: string;
}

@ObjectType({ implements: UserError, description: "The money would take the account past the largest balance an account may hold." })
export class BalanceLimitExceeded extends UserError {
  @Field(() => ID)
  accountId!: string;

  @Field(() => MoneyScalar)
  limit!: string;
}

@ObjectType({ implements: UserError })
export class AccountNotFound extends UserError {
  @Field(() => ID)
  accountId!: string;
}

@ObjectType({ implements: UserError, description: "The account is FROZEN or CLOSED." })
export class AccountNotActive extends UserError {
  @Field(() => ID)
  accountId!: string;

  @Field(() => AccountStatus)
  status!: AccountStatus;
}

@ObjectType({ implements: UserError, description: "The idempotency key was already used for a different request." })
export class IdempotencyKeyReused extends UserError {
  @Field(() => String)
  idempotencyKey!: string;
}

@ObjectType({ implements: UserError })
export class AccountNumberTaken extends UserError {
  @Field(() => String)
  accountNumber!: string;
}

@ObjectType({ implements: UserError })
export class ReferenceTaken extends UserError {
  @Field(() => String)
  reference!: string;
}

@ObjectType({ implements: UserError })
export class BalanceNotZero extends UserError {
  @Field(() => ID)
  accountId!: string;

  @Field(() => MoneyScalar)
  balance!: string;
}

@ObjectType({ implements: UserError })
export class CurrencyMismatch extends UserError {
  @Field(() => String)
  fromCurrency!: string;

  @Field(() => String)
  toCurrency!: string;
}

@ObjectType({ implements: UserError })
export class TransactionNotFound extends UserError {
  @Field(() => ID)
  transactionId!: string;
}

@ObjectType({ implements: UserError })
export class AlreadyReversed extends UserError {
  @Field(() => ID)
  transactionId!: string;
}
