import { Prisma } from "../db/generated/prisma/client";
import type { Account, Transaction } from "../db/generated/prisma/client";
import type { Sql } from "../db/sql";
import { ownerScope, type Caller } from "./caller";
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

  /**
   * The postings with this reference that the caller may see: a reference is
   * unique per owner, so a customer finds at most one, staff one per owner
   * that used it (at most two are read: enough to tell one from several).
   */
  async byReference(caller: Caller, reference: string): Promise<Transaction[]> {
    const owner = ownerScope(caller) ?? null;
    const rows = await this.sql.query(Prisma.sql`
      SELECT ${selectTransaction("t")} FROM transactions t
       WHERE t.reference = ${reference} AND (${owner}::text IS NULL OR t.owner_id = ${owner}::text)
       LIMIT 2`);
    return rows.map((row) => pickTransaction(row));
  }

  /** The reversals of these postings. */
  async reversalsOf(ids: readonly string[]): Promise<Transaction[]> {
    const rows = await this.sql.query(
      Prisma.sql`SELECT ${selectTransaction("t")} FROM transactions t WHERE t.reversal_of_id = ANY(${ids}::uuid[])`,
    );
    return rows.map((row) => pickTransaction(row));
  }

  /** The postings that captured these holds, oldest first. */
  async captures(holdIds: readonly string[]): Promise<Transaction[]> {
    const rows = await this.sql.query(
      Prisma.sql`SELECT ${selectTransaction("t")} FROM transactions t WHERE t.hold_id = ANY(${holdIds}::uuid[]) ORDER BY t.id`,
    );
    return rows.map((row) => pickTransaction(row));
  }
}
