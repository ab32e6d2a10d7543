import { Prisma } from "../db/generated/prisma/client";
import type { Account, Transaction } from "../db/generated/prisma/client";

/*
 * Column lists for the hand-written statements on the posting path, aliased
 * to the Prisma model's field names so raw rows and Prisma rows are the same
 * objects. A prefix lets one result row carry an account and a transaction.
 */

const accountColumns: Record<keyof Account, string> = {
  id: "id",
  accountNumber: "account_number",
  ownerId: "owner_id",
  customerName: "customer_name",
  type: "type",
  status: "status",
  currency: "currency",
  balance: "balance",
  version: "version",
  createdAt: "created_at",
  updatedAt: "updated_at",
  closedAt: "closed_at",
};

const transactionColumns: Record<keyof Transaction, string> = {
  id: "id",
  reference: "reference",
  accountId: "account_id",
  type: "type",
  kind: "kind",
  amount: "amount",
  balanceAfter: "balance_after",
  accountVersion: "account_version",
  status: "status",
  description: "description",
  metadata: "metadata",
  transferId: "transfer_id",
  reversalOfId: "reversal_of_id",
  actor: "actor",
  createdAt: "created_at",
};

function select(columns: Record<string, string>, alias: string, prefix: string): Prisma.Sql {
  return Prisma.raw(
    Object.entries(columns)
      .map(([field, column]) => `${alias}."${column}" AS "${prefix}${field}"`)
      .join(", "),
  );
}

/** Money columns: node-postgres hands int8 over as a string, the models hold a bigint. */
const MONEY = new Set(["balance", "amount", "balanceAfter"]);

function pick<T>(columns: Record<string, string>, row: Record<string, unknown>, prefix: string): T {
  return Object.fromEntries(
    Object.keys(columns).map((field) => {
      const value = row[prefix + field];
      return [field, MONEY.has(field) && typeof value === "string" ? BigInt(value) : value];
    }),
  ) as T;
}

export const selectAccount = (alias: string, prefix = "a_") => select(accountColumns, alias, prefix);
export const selectTransaction = (alias: string, prefix = "t_") => select(transactionColumns, alias, prefix);
export const pickAccount = (row: Record<string, unknown>, prefix = "a_") => pick<Account>(accountColumns, row, prefix);
export const pickTransaction = (row: Record<string, unknown>, prefix = "t_") => pick<Transaction>(transactionColumns, row, prefix);
