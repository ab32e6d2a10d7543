import DataLoader from "dataloader";
import { stringify } from "safe-stable-stringify";
import type { Account, Hold, JournalEntry, Transaction } from "../db/generated/prisma/client";
import type { EventHub } from "../events";
import type { Caller, Ledger } from "../ledger";
import type { AccountFacts } from "../ledger/accountDirectory";
import type { HistoryRequest, Page } from "../ledger/history";
import type { Posted } from "../ledger/journal";
import { isUuid } from "../ledger/validation";

export interface Context {
  ledger: Ledger;
  /** Live events, for subscriptions. */
  events: EventHub;
  caller: Caller;
  requestId: string;
  /** process.hrtime.bigint() when the request arrived. */
  started: bigint;
  /** Union members the mutations of this request answered with, for the request log. */
  outcomes: string[];
  /** Response keys of the root fields authorized before execution (see authorizeOperation): not decided again. */
  authorizedRootFields: Set<string>;
  loaders: Loaders;
}

function byId<T extends { id: string }>(load: (ids: string[]) => Promise<T[]>, cache: boolean) {
  return new DataLoader<string, T | null>(async (ids) => {
    const rows = await load(ids.filter(isUuid));
    const found = new Map(rows.map((row) => [row.id, row]));
    return ids.map((id) => found.get(id.toLowerCase()) ?? null);
  }, { cache });
}

/** The same page of the same account, however its request was spelled (key order, absent and undefined fields). */
const historyKey = ({ accountId, request }: { accountId: string; request: HistoryRequest }) => stringify([accountId.toLowerCase(), request])!;

/**
 * Per-request batching: each level of a query costs one statement, however
 * many rows it has. `cache: false` batches without remembering answers, for
 * contexts that outlive a request (subscriptions).
 */
export function createLoaders(ledger: Ledger, { cache = true } = {}) {
  const { lookups } = ledger;
  return {
    account: byId<Account>((ids) => lookups.accounts(ids), cache),
    /** An account's number, currency and owner: kept by the ledger across requests, so usually no statement at all. */
    facts: new DataLoader<string, AccountFacts | undefined>((ids) => ledger.directory.findMany(ids), { cache }),
    transaction: byId<Transaction>((ids) => lookups.transactions(ids), cache),
    journalEntry: byId<JournalEntry>((ids) => lookups.entries(ids), cache),
    /** The lines of each entry, in the order they were written. */
    entryLines: new DataLoader<string, Transaction[]>(async (ids) => {
      const rows = await lookups.entryLines(ids);
      return ids.map((id) => rows.filter((row) => row.journalEntryId === id));
    }, { cache }),
    hold: byId<Hold>((ids) => lookups.holds(ids), cache),
    /** The postings that captured each hold, oldest first. */
    captures: new DataLoader<string, Transaction[]>(async (ids) => {
      const rows = await ledger.lookups.captures(ids);
      return ids.map((id) => rows.filter((row) => row.holdId === id));
    }, { cache }),
    reversalOf: new DataLoader<string, Transaction | null>(async (ids) => {
      const rows = await lookups.reversalsOf(ids);
      return ids.map((id) => rows.find((row) => row.reversalOfId === id) ?? null);
    }, { cache }),
    // Keyed by account and page request; one statement per distinct page request.
    history: new DataLoader<{ accountId: string; request: HistoryRequest }, Page<Transaction>, string>(
      async (keys) => {
        const groups = new Map<string, { request: HistoryRequest; indexes: number[] }>();
        keys.forEach((key, index) => {
          const group = stringify(key.request)!;
          const entry = groups.get(group) ?? { request: key.request, indexes: [] };
          entry.indexes.push(index);
          groups.set(group, entry);
        });
        const pages: Array<Page<Transaction> | Error> = new Array(keys.length);
        await Promise.all(
          [...groups.values()].map(async ({ request, indexes }) => {
            try {
              const result = await ledger.history.transactions(indexes.map((i) => keys[i].accountId), request);
              indexes.forEach((keyIndex, i) => (pages[keyIndex] = result[i]));
            } catch (error) {
              indexes.forEach((keyIndex) => (pages[keyIndex] = error as Error));
            }
          }),
        );
        return pages;
      },
      { cacheKeyFn: historyKey, cache },
    ),
  };
}

export type Loaders = ReturnType<typeof createLoaders>;

/**
 * Remembers an entry a write answered with, its lines and their accounts as
 * the write left them, so that the answer's fields read none of them again.
 */
export function primeEntry(loaders: Loaders, entry: JournalEntry, lines: Posted[]) {
  loaders.journalEntry.prime(entry.id, entry);
  loaders.entryLines.prime(entry.id, lines.map((line) => line.transaction));
  for (const { transaction, account } of lines) {
    loaders.transaction.prime(transaction.id, transaction);
    loaders.account.prime(account.id, account);
  }
}
