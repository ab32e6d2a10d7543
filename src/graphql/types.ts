import { Field, ID, Int, InterfaceType, ObjectType, registerEnumType } from "type-graphql";
import {
  AccountStatus,
  AccountType,
  HoldStatus,
  TransactionKind,
  TransactionStatus,
  TransactionType,
} from "../db/generated/prisma/enums";
import { JSONObjectScalar, MoneyScalar } from "./scalars";

registerEnumType(AccountType, {
  name: "AccountType",
  description: "The kind of account. Money moves the same way on all of them.",
  valuesConfig: {
    CHECKING: { description: "A checking (current) account." },
    SAVINGS: { description: "A savings account." },
    INTERNAL: { description: "The bank's own accounts (fees, revenue, suspense): opened by admins, never owned by a customer." },
  },
});
registerEnumType(AccountStatus, {
  name: "AccountStatus",
  description: "Whether an account takes postings. Every status can be read.",
  valuesConfig: {
    ACTIVE: { description: "Takes postings." },
    FROZEN: { description: "Takes no postings (they are AccountNotActive) until updateAccount makes it ACTIVE again; it can still be closed." },
    CLOSED: { description: "Final, reached only through closeAccount with a zero balance: no postings, no changes; its history stays." },
  },
});
registerEnumType(TransactionType, {
  name: "TransactionType",
  description: "Direction of a posting on one account: CREDIT adds money, DEBIT removes it.",
  valuesConfig: {
    CREDIT: { description: "Money into the account: the balance goes up by the amount." },
    DEBIT: { description: "Money out of the account: the balance goes down by the amount." },
  },
});
registerEnumType(TransactionKind, {
  name: "TransactionKind",
  description: "What the posting was for.",
  valuesConfig: {
    DEPOSIT: { description: "Money paid in: a credit, or an account's opening deposit. Always a CREDIT." },
    WITHDRAWAL: { description: "Money taken out: a debit. Always a DEBIT." },
    TRANSFER: {
      description:
        "A line of an entry among accounts: a transfer's DEBIT on the paying account or CREDIT on the receiving one, or a line of postJournalEntry; the lines share a transferId.",
    },
    REVERSAL: { description: "Undoes an earlier posting (reversalOf) with the same amount in the opposite direction; reversing one line of an entry reverses them all." },
  },
});
registerEnumType(TransactionStatus, {
  name: "TransactionStatus",
  description: "Whether a posting has been reversed. Postings are never deleted.",
  valuesConfig: {
    POSTED: { description: "Made and not reversed." },
    REVERSED: { description: "Undone by a REVERSAL posting (reversedBy); both stay in the history." },
  },
});

registerEnumType(HoldStatus, {
  name: "HoldStatus",
  description: "PENDING, then exactly one of CAPTURED, VOIDED or EXPIRED; a terminal status never changes.",
  valuesConfig: {
    PENDING: { description: "Reserving remainingAmount; capturable until expiresAt." },
    CAPTURED: { description: "Captured (the last capture was final, or took all that remained); any rest was released." },
    VOIDED: { description: "Released by voidHold." },
    EXPIRED: { description: "Released at expiresAt (by the next write on the account or the server's sweep)." },
  },
});

/** Which way money crossed the ledger's edge: the direction of an entry's settlement line. */
export enum SettlementDirection {
  INFLOW = "INFLOW",
  OUTFLOW = "OUTFLOW",
}
registerEnumType(SettlementDirection, {
  name: "SettlementDirection",
  description: "Which way an entry moved money across the ledger's edge.",
  valuesConfig: {
    INFLOW: { description: "Money entered the ledger (e.g. a deposit): the settlement account gave it." },
    OUTFLOW: { description: "Money left the ledger (e.g. a withdrawal): the settlement account received it." },
  },
});

// Fields computed from the row (balance, amount, history, related rows) are field resolvers in resolvers/.

@ObjectType({
  description:
    "An account in one currency. Its balance is the sum of its postings and never goes below zero. Customers see only the accounts they own; tellers and admins see all.",
})
export class Account {
  @Field(() => ID, { description: "The account's id, used by the mutations." })
  id!: string;

  @Field(() => String, {
    description: "Unique, human-facing account number (digits only). Numbers the server generates are 10 digits with a Luhn check digit.",
  })
  accountNumber!: string;

  @Field(() => ID, {
    nullable: true,
    description: "The customer who owns the account (the `sub` of their token); null for an account no customer owns.",
  })
  ownerId!: string | null;

  @Field(() => String, { description: "The account holder's name." })
  customerName!: string;

  @Field(() => AccountType, { description: "Checking or savings." })
  type!: AccountType;

  @Field(() => AccountStatus, { description: "Only an ACTIVE account takes postings." })
  status!: AccountStatus;

  @Field(() => String, { description: 'ISO 4217 code, e.g. "USD": the currency of every amount on the account. It never changes.' })
  currency!: string;

  @Field(() => Int, {
    description:
      "Increases by exactly one on every change of the account: postings, updates, closing. Pass it as expectedVersion to change the account only if nobody changed it since you read it.",
  })
  version!: number;

  @Field(() => Date, { description: "When the account was opened." })
  createdAt!: Date;

  @Field(() => Date, { description: "When the account last changed: a posting, an update, closing." })
  updatedAt!: Date;

  @Field(() => Date, { nullable: true, description: "When closeAccount closed the account; null while it is not CLOSED." })
  closedAt!: Date | null;
}

@ObjectType({
  description:
    "One immutable posting on one account. Its amount, type and account never change: a mistake is undone by a reversal, and only description and metadata can be edited.",
})
export class Transaction {
  @Field(() => ID, { description: "The posting's id." })
  id!: string;

  @Field(() => String, {
    nullable: true,
    description:
      "Client-supplied reference (optional), e.g. an upstream transaction id: unique among the postings of one owner's accounts. A transfer records it on its debit leg.",
  })
  reference!: string | null;

  @Field(() => TransactionType, { description: "CREDIT added the amount to the account, DEBIT took it away." })
  type!: TransactionType;

  @Field(() => TransactionKind, { description: "What the posting was for." })
  kind!: TransactionKind;

  @Field(() => Int, {
    description: "Version of the account right after this posting. An account's history is ordered by it, newest first.",
  })
  accountVersion!: number;

  @Field(() => TransactionStatus, { description: "POSTED, or REVERSED once a reversal has undone it." })
  status!: TransactionStatus;

  @Field(() => String, {
    nullable: true,
    description: 'Free text: the client\'s, "Opening deposit" on an opening deposit, or a reversal\'s reason ("Reversal" when none was given).',
  })
  description!: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: "The client's JSON annotations, if any." })
  metadata!: Record<string, unknown> | null;

  @Field(() => ID, {
    nullable: true,
    description: "Shared by the two legs of a transfer, and by the reversals of those legs; null for other postings.",
  })
  transferId!: string | null;

  @Field(() => Date, {
    description:
      "When the posting was made. Along one account's versions it never decreases (two postings may share a millisecond), so a sync from the last createdAt seen (filter.from, inclusive) misses nothing. Both legs of a transfer share it.",
  })
  createdAt!: Date;
}

@ObjectType({ description: "Where a page sits in its list (Relay)." })
export class PageInfo {
  @Field(() => Boolean, { description: "True when more items follow: pass endCursor as `after` to read them." })
  hasNextPage!: boolean;

  @Field(() => Boolean, { description: "True when the page was read with `after`." })
  hasPreviousPage!: boolean;

  @Field(() => String, { nullable: true, description: "Cursor of the page's first item; null when the page is empty." })
  startCursor!: string | null;

  @Field(() => String, { nullable: true, description: "Cursor of the page's last item; null when the page is empty." })
  endCursor!: string | null;
}

@ObjectType({ description: "One account of a page." })
export class AccountEdge {
  @Field(() => String, { description: "Opaque; names the account in the list: pass it as `after` to read the accounts after it." })
  cursor!: string;

  @Field(() => Account, { description: "The account." })
  node!: Account;
}

@ObjectType({ description: "A page of accounts, newest first (Relay connection)." })
export class AccountConnection {
  @Field(() => [AccountEdge], { description: "The page's accounts, newest first." })
  edges!: AccountEdge[];

  @Field(() => PageInfo, { description: "Whether more accounts follow, and the cursor to read them with." })
  pageInfo!: PageInfo;
}

@ObjectType({ description: "One posting of a page." })
export class TransactionEdge {
  @Field(() => String, { description: "Opaque; names the posting in its account's history: pass it as `after` to read the postings after it." })
  cursor!: string;

  @Field(() => Transaction, { description: "The posting." })
  node!: Transaction;
}

@ObjectType({ description: "A page of one account's history, newest first in posting order: accountVersion descending (Relay connection)." })
export class TransactionConnection {
  @Field(() => [TransactionEdge], { description: "The page's postings, newest first." })
  edges!: TransactionEdge[];

  @Field(() => PageInfo, { description: "Whether older postings follow, and the cursor to read them with." })
  pageInfo!: PageInfo;
}

// ---------------------------------------------------------------- failures

@InterfaceType({
  description:
    "An expected failure of a mutation: nothing was changed, and an idempotency key was not used up. Every failure implements it, so `... on UserError { code message }` always works.",
})
export abstract class UserError {
  @Field(() => String, { description: 'Stable machine-readable code, e.g. "VERSION_CONFLICT".' })
  code!: string;

  @Field(() => String, { description: "Human-readable explanation." })
  message!: string;
}

@ObjectType({ description: "One rule one input field broke." })
export class FieldViolation {
  @Field(() => [String], { description: 'Path of the offending input field, e.g. ["input", "amount"].' })
  path!: string[];

  @Field(() => String, { description: 'What is wrong with the field, e.g. "must be greater than zero".' })
  message!: string;
}

@ObjectType({
  implements: UserError,
  description:
    "The input broke a rule the schema could not express (amount <= 0, too many fraction digits, blank name, ...). Code VALIDATION_FAILED. Fix the fields named in violations and send again.",
})
export class ValidationFailed extends UserError {
  @Field(() => [FieldViolation], { description: "One violation per offending field, so all of them can be fixed at once." })
  violations!: FieldViolation[];
}

@ObjectType({
  implements: UserError,
  description:
    "expectedVersion did not match: someone changed the account first. Re-read and retry. Code VERSION_CONFLICT. Nothing was changed: retry with the current version (and, for a posting, the same idempotency key).",
})
export class VersionConflict extends UserError {
  @Field(() => ID, { description: "The account whose version did not match (in a transfer, either one)." })
  accountId!: string;

  @Field(() => Int, { description: "The version the request expected." })
  expectedVersion!: number;

  @Field(() => Int, { description: "The account's version now." })
  currentVersion!: number;

  @Field(() => MoneyScalar, { description: "The account's balance now, in its currency." })
  currentBalance!: string;
}

@ObjectType({
  implements: UserError,
  description:
    "The account holds less than the money asked of it, and balances never go below zero. Code INSUFFICIENT_FUNDS. Nothing moved; the idempotency key stays free for a retry.",
})
export class InsufficientFunds extends UserError {
  @Field(() => ID, { description: "The account short of money (for a reversal, the one the reversed credit went to)." })
  accountId!: string;

  @Field(() => MoneyScalar, { description: "Its balance now, in its currency." })
  balance!: string;

  @Field(() => MoneyScalar, { description: "The amount that did not fit, in the same currency." })
  requested!: string;

  @Field(() => MoneyScalar, { description: "The account's availableBalance when the check failed (`balance` stays the posted balance)." })
  available!: string;
}

@ObjectType({
  implements: UserError,
  description:
    "The money would take the account past the largest balance an account may hold. Code BALANCE_LIMIT_EXCEEDED. Nothing moved.",
})
export class BalanceLimitExceeded extends UserError {
  @Field(() => ID, { description: "The account that would have received the money." })
  accountId!: string;

  @Field(() => MoneyScalar, { description: "The largest balance an account may hold (10^18 minor units), in its currency." })
  limit!: string;
}

@ObjectType({
  implements: UserError,
  description:
    "No such account, or one the caller may not see: to a customer, another's account looks like none at all. Code ACCOUNT_NOT_FOUND. Nothing was changed.",
})
export class AccountNotFound extends UserError {
  @Field(() => ID, { description: "The account id the request named." })
  accountId!: string;
}

@ObjectType({
  implements: UserError,
  description: "The account is FROZEN or CLOSED. Code ACCOUNT_NOT_ACTIVE. It takes no postings (a CLOSED one no changes either); nothing was changed.",
})
export class AccountNotActive extends UserError {
  @Field(() => ID, { description: "The account that is not ACTIVE (in a transfer or a reversal, either one)." })
  accountId!: string;

  @Field(() => AccountStatus, { description: "Its status: FROZEN or CLOSED." })
  status!: AccountStatus;
}

@ObjectType({
  implements: UserError,
  description:
    "The idempotency key was already used for a different request. Code IDEMPOTENCY_KEY_REUSED. Keys are scoped to the caller (the token's `sub`); use a new key for a new request. Nothing was changed.",
})
export class IdempotencyKeyReused extends UserError {
  @Field(() => String, { description: "The key that was reused." })
  idempotencyKey!: string;
}

@ObjectType({
  implements: UserError,
  description:
    "The accountNumber given to openAccount belongs to another account. Code ACCOUNT_NUMBER_TAKEN. Nothing was opened: give another number, or none to have one generated.",
})
export class AccountNumberTaken extends UserError {
  @Field(() => String, { description: "The number that is taken." })
  accountNumber!: string;
}

@ObjectType({
  implements: UserError,
  description:
    "Another posting on the same owner's accounts already has this reference. Code REFERENCE_TAKEN. Nothing moved; the idempotency key stays free for a retry with a corrected reference.",
})
export class ReferenceTaken extends UserError {
  @Field(() => String, { description: "The reference that is taken." })
  reference!: string;
}

@ObjectType({
  implements: UserError,
  description: "Only an account with a zero balance can be closed: move the money out first. Code BALANCE_NOT_ZERO. Nothing was changed.",
})
export class BalanceNotZero extends UserError {
  @Field(() => ID, { description: "The account that still holds money." })
  accountId!: string;

  @Field(() => MoneyScalar, { description: "Its balance now, in its currency." })
  balance!: string;
}

@ObjectType({
  implements: UserError,
  description: "The two accounts of a transfer have different currencies; money moves only within one currency. Code CURRENCY_MISMATCH. Nothing moved.",
})
export class CurrencyMismatch extends UserError {
  @Field(() => String, { description: "The paying account's currency (ISO 4217)." })
  fromCurrency!: string;

  @Field(() => String, { description: "The receiving account's currency (ISO 4217)." })
  toCurrency!: string;
}

@ObjectType({ implements: UserError, description: "No such transaction. Code TRANSACTION_NOT_FOUND. Nothing was changed." })
export class TransactionNotFound extends UserError {
  @Field(() => ID, { description: "The transaction id the request named." })
  transactionId!: string;
}

@ObjectType({
  implements: UserError,
  description:
    "The posting (or, for a transfer, one of its legs) was already reversed, or is itself a reversal: a posting is reversed at most once. Code ALREADY_REVERSED. Nothing moved.",
})
export class AlreadyReversed extends UserError {
  @Field(() => ID, { description: "The transaction id the request named." })
  transactionId!: string;
}

@ObjectType({
  implements: UserError,
  description: "The lines of an entry debit and credit different totals. Code ENTRY_NOT_BALANCED. Nothing moved.",
})
export class EntryNotBalanced extends UserError {
  @Field(() => MoneyScalar, { description: "The sum of the DEBIT lines." })
  debits!: string;

  @Field(() => MoneyScalar, { description: "The sum of the CREDIT lines." })
  credits!: string;
}

@ObjectType({ description: "An entry's line on the currency's settlement account: money that crossed the ledger's edge." })
export class SettlementLine {
  @Field(() => SettlementDirection, { description: "INFLOW: money entered the ledger; OUTFLOW: it left." })
  direction!: SettlementDirection;

  @Field(() => MoneyScalar, { description: "How much, in the entry's currency; always > 0." })
  amount!: string;
}

@ObjectType({ description: "One balanced movement of money: its lines, including the settlement line, sum to zero." })
export class JournalEntry {
  @Field(() => ID, { description: "The entry's id (a transfer's transferId)." })
  id!: string;

  @Field(() => TransactionKind, { description: "What the entry was for; every line of it has this kind." })
  kind!: TransactionKind;

  @Field(() => String, { description: "ISO 4217 code: every line of an entry is in one currency." })
  currency!: string;

  @Field(() => Date, { description: "When the entry was posted; its lines share the instant." })
  createdAt!: Date;
}

@ObjectType({ description: "One currency across the whole ledger. `balanced` is the global invariant: no money created or lost." })
export class CurrencyTotals {
  @Field(() => String, { description: "ISO 4217 code." })
  currency!: string;

  @Field(() => MoneyScalar, { description: "Sum of the balances of every account (customer and internal, closed included)." })
  accountBalances!: string;

  @Field(() => MoneyScalar, { description: "Sum of the remaining amounts of every PENDING hold." })
  heldBalance!: string;

  @Field(() => MoneyScalar, { description: "Money that entered the ledger through settlement minus money that left it." })
  netInflow!: string;

  @Field(() => Boolean, { description: "True when accountBalances == netInflow: no money was created or lost in this currency." })
  balanced!: boolean;
}

@ObjectType({ description: "Money reserved on one account: still in `balance`, out of `availableBalance` until captured or released." })
export class Hold {
  @Field(() => ID, { description: "The hold's id." })
  id!: string;

  @Field(() => String, { nullable: true, description: "The client's reference, unique among the holds of one owner's accounts." })
  reference!: string | null;

  @Field(() => HoldStatus, { description: "PENDING, then exactly one of CAPTURED, VOIDED or EXPIRED." })
  status!: HoldStatus;

  @Field(() => Date, {
    description:
      "No capture from this instant on (database clock); the server then releases what remains. A hold past it counts as released for every funds check at once, and shows EXPIRED once released (within HOLD_SWEEP_INTERVAL_MS).",
  })
  expiresAt!: Date;

  @Field(() => String, { nullable: true, description: "Free text given with the authorization." })
  description!: string | null;

  @Field(() => JSONObjectScalar, { nullable: true, description: "The client's JSON annotations, if any." })
  metadata!: Record<string, unknown> | null;

  @Field(() => Date, { description: "When the hold was authorized." })
  createdAt!: Date;

  @Field(() => Date, { nullable: true, description: "When the hold reached a terminal status." })
  resolvedAt!: Date | null;
}

@ObjectType({ description: "One hold of a page." })
export class HoldEdge {
  @Field(() => String, { description: "Pass as `after` to read the holds after this one." })
  cursor!: string;

  @Field(() => Hold, { description: "The hold." })
  node!: unknown;
}

@ObjectType({ description: "A page of an account's holds, newest first (Relay connection)." })
export class HoldConnection {
  @Field(() => [HoldEdge], { description: "The holds of this page." })
  edges!: HoldEdge[];

  @Field(() => PageInfo, { description: "Where this page sits." })
  pageInfo!: PageInfo;
}

@ObjectType({ implements: UserError, description: "No such hold, or one on an account the caller may not see. Code HOLD_NOT_FOUND. Nothing changed." })
export class HoldNotFound extends UserError {
  @Field(() => ID, { description: "The hold id the request named." })
  holdId!: string;
}

@ObjectType({
  implements: UserError,
  description: "The hold is already CAPTURED or VOIDED (an expired hold answers HoldExpired, released or not). Code HOLD_NOT_PENDING. Nothing changed.",
})
export class HoldNotPending extends UserError {
  @Field(() => ID, { description: "The hold." })
  holdId!: string;

  @Field(() => HoldStatus, { description: "Its status." })
  status!: HoldStatus;
}

@ObjectType({
  implements: UserError,
  description: "The hold's expiresAt has passed, whether or not its release has run yet. Code HOLD_EXPIRED. Nothing was captured.",
})
export class HoldExpired extends UserError {
  @Field(() => ID, { description: "The hold." })
  holdId!: string;

  @Field(() => Date, { description: "When it expired." })
  expiresAt!: Date;
}

@ObjectType({ implements: UserError, description: "The capture asks for more than the hold has left. Code AMOUNT_EXCEEDS_HOLD. Nothing was captured." })
export class AmountExceedsHold extends UserError {
  @Field(() => ID, { description: "The hold." })
  holdId!: string;

  @Field(() => MoneyScalar, { description: "The amount asked for." })
  requested!: string;

  @Field(() => MoneyScalar, { description: "What the hold has left." })
  remaining!: string;
}
