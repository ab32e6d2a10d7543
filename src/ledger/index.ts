import type { Db } from "../db/client";
import type { Sql } from "../db/sql";
import { AccountDirectory } from "./accountDirectory";
import { Accounts } from "./accounts";
import { Currencies } from "./currencies";
import { Entries } from "./entries";
import { History } from "./history";
import { Holds, type HoldLimits } from "./holds";
import { Journal } from "./journal";
import { Lookups } from "./lookups";
import { Postings } from "./postings";
import { Reversals } from "./reversals";

export { canSee, ownerScope, ROLES, type Caller, type Role } from "./caller";

/** A hold lasts 7 days unless told otherwise, 30 at most (the server's settings: HOLD_DEFAULT_EXPIRY_SECONDS, HOLD_MAX_EXPIRY_SECONDS). */
const DEFAULT_HOLD_LIMITS: HoldLimits = { defaultExpirySeconds: 7 * 86_400, maxExpirySeconds: 30 * 86_400 };

export interface LedgerOptions {
  holds?: HoldLimits;
  /** How many write statements (batches of entries) may run at once (the server's DB_WRITE_CONCURRENCY). */
  writeConcurrency: number;
  /** How long a write may wait for its batch before it is answered as the database being busy (the server's DB_POOL_TIMEOUT_MS). */
  writeWaitMs: number;
}

/** The ledger: every money rule of Solvent, with no GraphQL or HTTP in it. */
export class Ledger {
  private constructor(
    readonly db: Db,
    readonly currencies: Currencies,
    readonly directory: AccountDirectory,
    readonly accounts: Accounts,
    readonly postings: Postings,
    readonly entries: Entries,
    readonly holds: Holds,
    readonly history: History,
    readonly reversals: Reversals,
    readonly lookups: Lookups,
  ) {}

  static async create(db: Db, sql: Sql, { holds = DEFAULT_HOLD_LIMITS, writeConcurrency, writeWaitMs }: LedgerOptions): Promise<Ledger> {
    const currencies = await Currencies.load(db);
    const directory = new AccountDirectory(db);
    const journal = new Journal(db, sql, currencies, { concurrency: writeConcurrency, maxWaitMs: writeWaitMs });
    const lookups = new Lookups(sql);
    return new Ledger(
      db,
      currencies,
      directory,
      new Accounts(db, sql, currencies, directory),
      new Postings(journal, currencies, directory),
      new Entries(sql, journal, currencies, directory),
      new Holds(db, sql, journal, lookups, currencies, directory, holds),
      new History(db, sql),
      new Reversals(db, sql, journal),
      lookups,
    );
  }
}
