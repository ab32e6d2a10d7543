import { LRUCache } from "lru-cache";
import type { Db } from "../db/client";
import { isUuid } from "./validation";

/** What never changes about an account once it is opened. */
export interface AccountFacts {
  currency: string;
  ownerId: string | null;
}

/**
 * Account id -> currency and owner. Neither ever changes, so the answer can
 * be kept for the life of the process (and shared by several processes
 * without going stale). It lets amounts be checked against the currency's
 * minor units, and ownership before anything is written, ahead of the one
 * statement that posts.
 */
export class AccountDirectory {
  private readonly facts = new LRUCache<string, AccountFacts>({ max: 200_000 });

  constructor(private readonly db: Db) {}

  async find(accountId: string): Promise<AccountFacts | undefined> {
    if (!isUuid(accountId)) return undefined;
    const id = accountId.toLowerCase();
    const cached = this.facts.get(id);
    if (cached) return cached;
    const account = await this.db.account.findUnique({ where: { id }, select: { currency: true, ownerId: true } });
    if (account) this.facts.set(id, account);
    return account ?? undefined;
  }

  remember(accountId: string, facts: AccountFacts) {
    this.facts.set(accountId, facts);
  }
}
