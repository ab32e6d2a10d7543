import { Prisma } from "../db/generated/prisma/client";
import type { Account, Transaction } from "../db/generated/prisma/client";
import type { Sql } from "../db/sql";
import { pickAccount, pickTransaction, selectAccount, selectTransaction } from "./rows";

/**
 * Whole rows by key, for the GraphQL loaders: each a prepared statement of
 * one shape, however many keys a batch holds. Unknown keys are simply absent
 * from the answer.
 */
export class Lookups {
  constructor(private readonly sql: Sql) {}

  async accounts(ids: readonly string[]): Promise<Account[]> {
    const rows = await this.sql.query(Prisma.sql`SELECT ${selectAccount("a")} FROM accounts a WHERE a.id = ANY(${ids}::uuid[])`);
    return rows.map((row) => pickAccount(row));
  }

  async transactions(ids: readonly string[]): Promise<Transaction[]> {
    const rows = await this.sql.query(Prisma.sql`SELECT ${selectTransaction("t")} FROM transactions t WHERE t.id = ANY(${ids}::uuid[])`);
    return rows.map((row) => pickTransaction(row));
  }

  /** The reversals of these postings. */
  async reversalsOf(ids: readonly string[]): Promise<Transaction[]> {
    const rows = await this.sql.query(
      Prisma.sql`SELECT ${selectTransaction("t")} FROM transactions t WHERE t.reversal_of_id = ANY(${ids}::uuid[])`,
    );
    return rows.map((row) => pickTransaction(row));
  }
}
