import { LRUCache } from "lru-cache";
import type { Db } from "../db/client";
import { isUuid } from "./validation";

/** What never changes about an account once it is opened. */
export interface AccountFacts {
  accountNumber: string;
  currency: string;
  ownerId: string | null;
}

/**
 * Account id -> number, currency and owner. None of them ever changes, so
 * the answer can be kept for the life of the process (and shared by several
 * processes without going stale). It lets amounts be checked against the
 * currency's minor units, and ownership, before the one statement that
 * posts; and postings be shown with their currency without reading their
 * account.
 */
export class AccountDirectory {
  private readonly facts = new LRUCache<string, AccountFacts>({ max: 200_000 });
  private readonly ids = new LRUCache<string, string>({ max: 200_000 });

  constructor(private readonly db: Db) {}

  /** The facts if this process knows them already (as it does for every account it has served lately). */
  known(accountId: string): AccountFacts | undefined {
    return this.facts.get(accountId.toLowerCase());
  }

  async find(accountId: string): Promise<AccountFacts | undefined> {
    return (await this.findMany([accountId]))[0];
  }

  /** The facts of each account (undefined for an unknown one), reading the unknown ones in one statement. */
  async findMany(accountIds: readonly string[]): Promise<Array<AccountFacts | undefined>> {
    const ids = accountIds.map((id) => (isUuid(id) ? id.toLowerCase() : undefined));
    const missing = [...new Set(ids.filter((id): id is string => id !== undefined && !this.facts.has(id)))];
    if (missing.length) {
      const rows = await this.db.account.findMany({
        where: { id: { in: missing } },
        select: { id: true, accountNumber: true, currency: true, ownerId: true },
      });
      for (const { id, ...facts } of rows) this.remember(id, facts);
    }
    return ids.map((id) => (id === undefined ? undefined : this.facts.get(id)));
  }

  /** The id of the account with this number, if there is one. */
  async idOf(accountNumber: string): Promise<string | undefined> {
    const known = this.ids.get(accountNumber);
    if (known) return known;
    const row = await this.db.account.findUnique({
      where: { accountNumber },
      select: { id: true, accountNumber: true, currency: true, ownerId: true },
    });
    if (row) this.remember(row.id, row);
    return row?.id;
  }

  remember(accountId: string, facts: AccountFacts) {
    this.facts.set(accountId, { accountNumber: facts.accountNumber, currency: facts.currency, ownerId: facts.ownerId });
    this.ids.set(facts.accountNumber, accountId);
  }
}
