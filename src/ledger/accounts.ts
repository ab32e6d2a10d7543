import { v7 as uuidv7 } from "uuid";
import { Prisma } from "../db/generated/prisma/client";
import type { Account, AccountStatus, AccountType, Transaction } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { Sql } from "../db/sql";
import { generateAccountNumber } from "./accountNumber";
import type { AccountDirectory } from "./accountDirectory";
import type { Currencies } from "./currencies";
import { fail } from "./failures";
import { claimOf, findPrior, type StoredResult } from "./idempotency";
import type { Caller } from "./caller";
import type { ResultOf } from "./results";
import { pickAccount, pickTransaction, selectAccount, selectTransaction } from "./rows";
import { isRetryable, uniqueViolation } from "./sqlErrors";
import { isUuid, LIMITS, Violations } from "./validation";

export interface OpenAccountInput {
  ownerId?: string | null;
  customerName: string;
  type: AccountType;
  currency?: string | null;
  accountNumber?: string | null;
  initialDeposit?: string | null;
  idempotencyKey: string;
}

export interface OpenAccountSuccess {
  outcome: "OpenAccountSuccess";
  account: Account;
  transaction: Transaction | null;
  replayed: boolean;
}

export interface UpdateAccountInput {
  accountId: string;
  expectedVersion: number;
  customerName?: string | null;
  type?: AccountType | null;
  status?: AccountStatus | null;
}

export interface AccountChanged<Name extends string> {
  outcome: Name;
  account: Account;
}

export type OpenAccountResult = ResultOf<"openAccount">;
export type UpdateAccountResult = ResultOf<"updateAccount">;
export type CloseAccountResult = ResultOf<"closeAccount">;

const DEFAULT_CURRENCY = "USD";
/** Digits only; the database holds the same rule. Generated numbers are 10 digits with a Luhn check digit. */
const ACCOUNT_NUMBER = /^[0-9]{6,34}$/;
/** A generated number that collides with an existing one is drawn again, this often at most. */
const MAX_NUMBER_DRAWS = 5;

export class Accounts {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
    private readonly currencies: Currencies,
    private readonly directory: AccountDirectory,
  ) {}

  async open(caller: Caller, input: OpenAccountInput): Promise<OpenAccountResult> {
    const currency = input.currency ?? DEFAULT_CURRENCY;
    const check = new Violations();
    check.text("customerName", input.customerName, LIMITS.customerName, { required: true });
    check.text("ownerId", input.ownerId, LIMITS.ownerId);
    check.idempotencyKey(input.idempotencyKey);
    check.currency("currency", currency, this.currencies);
    if (input.type === "INTERNAL" && input.ownerId != null) {
      check.add("ownerId", "an INTERNAL account is the bank's own: it has no owner");
    }
    if (input.accountNumber != null && !ACCOUNT_NUMBER.test(input.accountNumber)) {
      check.add("accountNumber", "must be 6 to 34 digits");
    }
    const deposit =
      input.initialDeposit != null && this.currencies.has(currency)
        ? check.amount("initialDeposit", input.initialDeposit, currency, this.currencies, { zeroAllowed: true })
        : 0n;
    if (!check.ok || deposit === undefined) return fail.validation(check.list);

    const customerName = input.customerName.trim();
    const claim = claimOf(caller, input.idempotencyKey, "openAccount", {
      ownerId: input.ownerId ?? null,
      customerName,
      type: input.type,
      currency,
      accountNumber: input.accountNumber ?? null,
      initialDeposit: deposit.toString(),
    });

    for (let draw = 1; ; draw++) {
      const accountId = uuidv7();
      const accountNumber = input.accountNumber ?? generateAccountNumber();
      try {
        // open_account (the journal migration) posts the opening deposit through post_entry.
        const rows = await this.sql.query(Prisma.sql`
          SELECT ${selectAccount("(r.account)")}, ${selectTransaction("(r.posting)")}
            FROM open_account(${accountId}::uuid, ${accountNumber}, ${input.ownerId ?? null}, ${customerName},
                              ${input.type}::"AccountType", ${currency}, ${deposit}, ${caller.subject},
                              ${claim.scope}, ${claim.key}, ${claim.operation}, ${claim.fingerprint}) r`);
        this.directory.remember(accountId, { accountNumber, currency, ownerId: input.ownerId ?? null });
        const transaction = rows[0].t_id ? pickTransaction(rows[0]) : null;
        return { outcome: "OpenAccountSuccess", account: pickAccount(rows[0]), transaction, replayed: false };
      } catch (error) {
        if (isRetryable(error)) continue;
        const collision = uniqueViolation(error);
        if (!collision) throw error;
        const prior = await findPrior(this.db, claim);
        if (prior?.kind === "replay") return this.replayOpen(prior.result);
        if (prior?.kind === "reused") return fail.idempotencyKeyReused(claim.key);
        if (collision !== "accounts_account_number_key") throw error;
        if (input.accountNumber != null) return fail.accountNumberTaken(accountNumber);
        if (draw >= MAX_NUMBER_DRAWS) throw error;
      }
    }
  }

  async update(input: UpdateAccountInput): Promise<UpdateAccountResult> {
    const check = new Violations();
    check.version("expectedVersion", input.expectedVersion);
    check.text("customerName", input.customerName, LIMITS.customerName);
    if (input.status === "CLOSED") check.add("status", "use closeAccount to close an account");
    if (input.type === "INTERNAL") check.add("type", "an account is INTERNAL from its opening or never");
    if (input.customerName == null && input.type == null && input.status == null) {
      check.add("accountId", "nothing to change: give customerName, type or status");
    }
    if (!check.ok) return fail.validation(check.list);
    if (!isUuid(input.accountId)) return fail.accountNotFound(input.accountId);

    return this.versioned<UpdateAccountResult>(
      input.accountId,
      input.expectedVersion,
      Prisma.sql`
        UPDATE accounts a
           SET customer_name = COALESCE(${input.customerName?.trim() ?? null}, customer_name),
               type = COALESCE(${input.type ?? null}::"AccountType", type),
               status = COALESCE(${input.status ?? null}::"AccountStatus", status),
               version = version + 1, updated_at = change_time(updated_at)
         WHERE id = ${input.accountId}::uuid AND version = ${input.expectedVersion} AND status <> 'CLOSED'
           AND (${input.type ?? null}::"AccountType" IS NULL OR type <> 'INTERNAL')
        RETURNING ${selectAccount("a")}`,
      (account) => ({ outcome: "UpdateAccountSuccess", account }),
      (account) =>
        input.type != null && account.type === "INTERNAL"
          ? fail.validation([{ path: ["input", "type"], message: "an INTERNAL account stays INTERNAL" }])
          : undefined,
    );
  }

  async close(input: { accountId: string; expectedVersion: number }): Promise<CloseAccountResult> {
    if (!isUuid(input.accountId)) return fail.accountNotFound(input.accountId);
    return this.versioned<CloseAccountResult>(
      input.accountId,
      input.expectedVersion,
      Prisma.sql`
        UPDATE accounts a
           SET status = 'CLOSED', closed_at = now(), version = version + 1, updated_at = change_time(updated_at)
         WHERE id = ${input.accountId}::uuid AND version = ${input.expectedVersion} AND status <> 'CLOSED' AND balance = 0
        RETURNING ${selectAccount("a")}`,
      (account) => ({ outcome: "CloseAccountSuccess", account }),
      (account) => (account.balance !== 0n ? fail.balanceNotZero(account.id, this.currencies.format(account.balance, account.currency)) : undefined),
    );
  }

  /**
   * A change at an expected version (update, close): `change` is its
   * conditional UPDATE, returning the account. When it matched no row, the
   * account is read: not there, CLOSED or at another version is the answer;
   * at the expected version, `refusal` names what else is in the way (a
   * balance, a type). If nothing is, the version was reached after the UPDATE
   * looked (an expected version ahead of the account's can be), and the
   * change is tried again, once: versions only grow, so the second UPDATE
   * matches or the second read finds the version past the expected one.
   */
  private async versioned<Result>(
    accountId: string,
    expectedVersion: number,
    change: Prisma.Sql,
    success: (account: Account) => Result,
    refusal: (account: Account) => Result | undefined,
  ): Promise<Result | ReturnType<typeof fail.versionConflict> | ReturnType<typeof fail.accountNotFound> | ReturnType<typeof fail.accountNotActive>> {
    for (let attempt = 1; attempt <= 2; attempt++) {
      const rows = await this.sql.query(change);
      if (rows.length > 0) return success(pickAccount(rows[0]));
      const account = await this.db.account.findUnique({ where: { id: accountId } });
      if (!account) return fail.accountNotFound(accountId);
      if (account.status === "CLOSED") return fail.accountNotActive(accountId, account.status);
      if (account.version !== expectedVersion) {
        return fail.versionConflict(accountId, expectedVersion, account.version, this.currencies.format(account.balance, account.currency));
      }
      const refused = refusal(account);
      if (refused) return refused;
    }
    throw new Error(`a change of account ${accountId} matched no row at its expected version twice`);
  }

  private async replayOpen(result: StoredResult): Promise<OpenAccountSuccess> {
    const account = await this.db.account.findUniqueOrThrow({ where: { id: result.accountId } });
    const transaction = result.journalEntryId
      ? await this.db.transaction.findFirstOrThrow({ where: { journalEntryId: result.journalEntryId } })
      : null;
    return { outcome: "OpenAccountSuccess", account, transaction, replayed: true };
  }
}
