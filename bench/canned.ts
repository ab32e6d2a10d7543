import DataLoader from "dataloader";
import type { MiddlewareFn } from "type-graphql";
import type { Account, Hold, JournalEntry, Transaction } from "../src/db/generated/prisma/client";
import type { Context, Loaders } from "../src/graphql/context";
import type { AccountFacts } from "../src/ledger/accountDirectory";
import { DEFAULT_PAGE_SIZE, type HistoryRequest, type Page } from "../src/ledger/history";

/*
 * The framework ceiling F: canned rows instead of the database, served
 * through the same HTTP server, GraphQL execution, field resolvers and
 * per-request loaders as the real operations. Only where the data comes from
 * differs, so F is what the server can do when the database costs nothing.
 */

const AT = new Date("2026-01-01T00:00:00.000Z");
export const CANNED_VERSION = 26;

export function cannedAccount(id: string, version = CANNED_VERSION): Account {
  return {
    id,
    accountNumber: "700000000001",
    ownerId: null,
    customerName: "Canned",
    type: "CHECKING",
    status: "ACTIVE",
    currency: "USD",
    balance: 1_000_000_000_000n,
    held: 0n,
    version,
    createdAt: AT,
    updatedAt: AT,
    closedAt: null,
  };
}

export function cannedPosting(account: Account, fields: Partial<Transaction> = {}): Transaction {
  return {
    id: "01a20b71-897e-7748-a777-3cb8ee908297",
    reference: null,
    accountId: account.id,
    ownerId: account.ownerId,
    type: "DEBIT",
    kind: "WITHDRAWAL",
    amount: 1n,
    balanceAfter: account.balance,
    accountVersion: account.version,
    status: "POSTED",
    description: null,
    metadata: null,
    transferId: null,
    reversalOfId: null,
    actor: "anonymous",
    createdAt: AT,
    journalEntryId: "01a20b71-897e-7748-a777-3cb8ee908296",
    holdId: null,
    ...fields,
  };
}

const HISTORY_ACCOUNT = cannedAccount("00000000-0000-4000-8000-000000000001");
const HISTORY_PAGE: Page<Transaction> = {
  nodes: Array.from({ length: DEFAULT_PAGE_SIZE }, (_, i) =>
    cannedPosting(HISTORY_ACCOUNT, { id: `01a20b71-897e-7748-a777-3cb8ee9082${String(i).padStart(2, "0")}`, accountVersion: CANNED_VERSION - i }),
  ),
  cursors: Array.from({ length: DEFAULT_PAGE_SIZE }, (_, i) => Buffer.from(`canned cursor number ${i} of a canned history page`).toString("base64url")),
  hasNextPage: true,
  hasPreviousPage: false,
};

/** Loaders of the same shape as the real ones (src/graphql/context.ts), answering from canned rows. */
function cannedLoaders(): Loaders {
  return {
    account: new DataLoader<string, Account | null>(async (ids) => ids.map((id) => cannedAccount(id))),
    facts: new DataLoader<string, AccountFacts | undefined>(async (ids) => ids.map((id) => cannedAccount(id))),
    transaction: new DataLoader<string, Transaction | null>(async (ids) => ids.map((id) => cannedPosting(HISTORY_ACCOUNT, { id }))),
    reversalOf: new DataLoader<string, Transaction | null>(async (ids) => ids.map(() => null)),
    journalEntry: new DataLoader<string, JournalEntry | null>(async (ids) => ids.map(() => null)),
    hold: new DataLoader<string, Hold | null>(async (ids) => ids.map(() => null)),
    captures: new DataLoader<string, Transaction[]>(async (ids) => ids.map(() => [])),
    entryLines: new DataLoader<string, Transaction[]>(async (ids) => ids.map(() => [])),
    history: new DataLoader<{ accountId: string; request: HistoryRequest }, Page<Transaction>, string>(
      async (keys) => keys.map(() => HISTORY_PAGE),
      { cacheKeyFn: (key) => JSON.stringify([key.accountId, key.request]) },
    ),
  };
}

/** Swaps the request's loaders for canned ones, so field resolvers below this root field read no database. */
export const withCannedData: MiddlewareFn<Context> = ({ context }, next) => {
  context.loaders = cannedLoaders();
  return next();
};
