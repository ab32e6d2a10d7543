import { LRUCache } from "lru-cache";
import type { Db } from "../db/client";
import { isUuid } from "./validation";

/**
 * Account id -> currency. An account's currency never changes, so the answer
 * can be kept for the life of the process (and shared by several processes
 * without going stale). It lets amounts be checked against the currency's
 * minor units before the one statement that posts them.
 */
export class AccountDirectory {
  private readonly currencies = new LRUCache<string, string>({ max: 200_000 });

  constructor(private readonly db: Db) {}

  async currencyOf(accountId: string): Promise<string | undefined> {
    if (!isUuid(accountId)) return undefined;
    const id = accountId.toLowerCase();
    const cached = this.currencies.get(id);
    if (cached) return cached;
    const account = await this.db.account.findUnique({ where: { id }, select: { currency: true } });
    if (account) this.currencies.set(id, account.currency);
    return account?.currency;
  }

  remember(accountId: string, currency: string) {
    this.currencies.set(accountId, currency);
  }
}
