import { v7 as uuidv7 } from "uuid";
import type { Account, Prisma } from "../src/db/generated/prisma/client";
import type { Caller, Ledger } from "../src/ledger";
import { fail } from "../src/ledger/failures";
import { fingerprint, type StoredResult } from "../src/ledger/idempotency";
import type { PostingInput, PostingResult, TransferInput, TransferResult } from "../src/ledger/postings";
import { pickAccount, selectAccount } from "../src/ledger/rows";
import { Violations } from "../src/ledger/validation";

/*
 * The naive peer N: the same debit and transfer written the way an ORM
 * tutorial would, as an interactive transaction (lock the rows, check in
 * JavaScript, update, insert the posting, insert the idempotency key), one
 * round trip per step while the row locks are held. Same rules and answers
 * as the ledger for what the benchmark sends; no replay of earlier keys
 * (every benchmark key is fresh), no retry loop.
 */

/** Generous: N is measured as slow, not as failing on Prisma's 2 s / 5 s defaults. */
const TRANSACTION_OPTIONS = { maxWait: 60_000, timeout: 60_000 };

type Tx = Prisma.TransactionClient;

async function lockAccounts(tx: Tx, ids: string[]): Promise<Account[]> {
  const rows = await tx.$queryRaw<Record<string, unknown>[]>`
    SELECT ${selectAccount("a")} FROM accounts a WHERE a.id = ANY(${ids}::uuid[]) ORDER BY a.id FOR UPDATE`;
  return rows.map((row) => pickAccount(row));
}

function move(tx: Tx, account: Account, delta: bigint) {
  return tx.account.update({
    where: { id: account.id },
    data: { balance: { increment: delta }, version: { increment: 1 }, updatedAt: new Date() },
  });
}

/** The entry the lines belong to; its settlement is the net inflow (-amount for a debit, 0 for a transfer). */
async function entry(tx: Tx, caller: Caller, kind: "WITHDRAWAL" | "TRANSFER", currency: string, settlement: bigint) {
  const { id } = await tx.journalEntry.create({ data: { id: uuidv7(), kind, currency, settlement, actor: caller.subject } });
  return id;
}

function remember(tx: Tx, caller: Caller, key: string, operation: string, input: unknown, result: StoredResult) {
  return tx.idempotencyKey.create({
    data: { scope: caller.subject, key, operation, fingerprint: fingerprint(operation, input), result: { ...result } },
  });
}

/** The failure the ledger would answer for this account, or undefined when the posting may go ahead. */
function refusal(ledger: Ledger, account: Account, amount: bigint, debit: boolean, expectedVersion: number | null | undefined) {
  const format = (minor: bigint) => ledger.currencies.format(minor, account.currency);
  if (account.status !== "ACTIVE") return fail.accountNotActive(account.id, account.status);
  if (expectedVersion != null && account.version !== expectedVersion) {
    return fail.versionConflict(account.id, expectedVersion, account.version, format(account.balance));
  }
  if (debit && account.balance < amount) return fail.insufficientFunds(account.id, format(account.balance), format(amount));
  return undefined;
}

function parseAmount(ledger: Ledger, decimal: string, currency: string) {
  const check = new Violations();
  const amount = check.amount("amount", decimal, currency, ledger.currencies);
  return amount === undefined ? fail.validation(check.list) : amount;
}

export function naiveDebit(ledger: Ledger, caller: Caller, input: PostingInput): Promise<PostingResult> {
  const id = input.accountId.toLowerCase();
  return ledger.db.$transaction(async (tx): Promise<PostingResult> => {
    const [account] = await lockAccounts(tx, [id]);
    if (!account) return fail.accountNotFound(id);
    const amount = parseAmount(ledger, input.amount, account.currency);
    if (typeof amount !== "bigint") return amount;
    const refused = refusal(ledger, account, amount, true, input.expectedVersion);
    if (refused) return refused;
    const after = await move(tx, account, -amount);
    const journalEntryId = await entry(tx, caller, "WITHDRAWAL", account.currency, -amount);
    const transaction = await tx.transaction.create({
      data: {
        id: uuidv7(),
        journalEntryId,
        accountId: id,
        type: "DEBIT",
        kind: "WITHDRAWAL",
        amount,
        balanceAfter: after.balance,
        accountVersion: after.version,
        actor: caller.subject,
      },
    });
    const request = { accountId: id, amount: amount.toString(), reference: null, description: null, metadata: null };
    await remember(tx, caller, input.idempotencyKey, "debit", request, { accountId: id, journalEntryId });
    return { outcome: "PostingSuccess", account: after, transaction, replayed: false };
  }, TRANSACTION_OPTIONS);
}

export function naiveTransfer(ledger: Ledger, caller: Caller, input: TransferInput): Promise<TransferResult> {
  const fromId = input.fromAccountId.toLowerCase();
  // The bench names both accounts by id.
  const toId = input.toAccountId!.toLowerCase();
  return ledger.db.$transaction(async (tx): Promise<TransferResult> => {
    if (fromId === toId) return fail.validation([{ path: ["input", "toAccountId"], message: "must differ from fromAccountId" }]);
    const accounts = await lockAccounts(tx, [fromId, toId]);
    const from = accounts.find((a) => a.id === fromId);
    const to = accounts.find((a) => a.id === toId);
    if (!from) return fail.accountNotFound(fromId);
    if (!to) return fail.accountNotFound(toId);
    const amount = parseAmount(ledger, input.amount, from.currency);
    if (typeof amount !== "bigint") return amount;
    if (from.currency !== to.currency) return fail.currencyMismatch(from.currency, to.currency);
    const refused =
      refusal(ledger, from, amount, true, input.expectedFromVersion) ?? refusal(ledger, to, amount, false, input.expectedToVersion);
    if (refused) return refused;
    const fromAfter = await move(tx, from, -amount);
    const toAfter = await move(tx, to, amount);
    const transferId = await entry(tx, caller, "TRANSFER", from.currency, 0n);
    const leg = (account: Account, type: "DEBIT" | "CREDIT") =>
      tx.transaction.create({
        data: {
          id: uuidv7(),
          accountId: account.id,
          type,
          kind: "TRANSFER",
          amount,
          balanceAfter: account.balance,
          accountVersion: account.version,
          transferId,
          journalEntryId: transferId,
          actor: caller.subject,
        },
      });
    const debit = await leg(fromAfter, "DEBIT");
    const credit = await leg(toAfter, "CREDIT");
    const request = { fromAccountId: fromId, toAccountId: toId, amount: amount.toString(), reference: null, description: null, metadata: null };
    await remember(tx, caller, input.idempotencyKey, "transfer", request, { journalEntryId: transferId });
    return { outcome: "TransferSuccess", transferId, debit, credit, from: fromAfter, to: toAfter, replayed: false };
  }, TRANSACTION_OPTIONS);
}
