import { Prisma } from "../db/generated/prisma/client";
import type { Account, Hold, JournalEntry, Transaction } from "../db/generated/prisma/client";
import type { Sql } from "../db/sql";
import { ownerScope, type Caller } from "./caller";
import {
  pickAccount,
  pickHold,
  pickJournalEntry,
  pickTransaction,
  selectAccount,
  selectHold,
  selectJournalEntry,
  selectTransaction,
} from "./rows";
import { isUuid } from "./validation";

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

  async holds(ids: readonly string[]): Promise<Hold[]> {
    const rows = await this.sql.query(Prisma.sql`SELECT ${selectHold("h")} FROM holds h WHERE h.id = ANY(${ids.filter(isUuid)}::uuid[])`);
    return rows.map((row) => pickHold(row));
  }

  async entries(ids: readonly string[]): Promise<JournalEntry[]> {
    const rows = await this.sql.query(
      Prisma.sql`SELECT ${selectJournalEntry("e")} FROM journal_entries e WHERE e.id = ANY(${ids.filter(isUuid)}::uuid[])`,
    );
    return rows.map((row) => pickJournalEntry(row));
  }

  /** The postings with this reference that the caller may see (see `referenced`). */
  async byReference(caller: Caller, reference: string): Promise<Transaction[]> {
    return (await this.referenced("transactions", selectTransaction("r"), caller, reference)).map((row) => pickTransaction(row));
  }

  /** The holds with this reference that the caller may see (see `referenced`). */
  async holdsByReference(caller: Caller, reference: string): Promise<Hold[]> {
    return (await this.referenced("holds", selectHold("r"), caller, reference)).map((row) => pickHold(row));
  }

  /**
   * Rows of `table` with this reference that the caller may see: a reference
   * is unique per owner, so a customer finds at most one, staff one per owner
   * that used it (at most two are read: enough to tell one from several).
   */
  private referenced(table: "transactions" | "holds", columns: Prisma.Sql, caller: Caller, reference: string) {
    const owner = ownerScope(caller) ?? null;
    return this.sql.query(Prisma.sql`
      SELECT ${columns} FROM ${Prisma.raw(table)} r
       WHERE r.reference = ${reference} AND (${owner}::text IS NULL OR r.owner_id = ${owner}::text)
       LIMIT 2`);
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

  /** The lines of these entries, in the order they were written. */
  async entryLines(entryIds: readonly string[]): Promise<Transaction[]> {
    const rows = await this.sql.query(
      Prisma.sql`SELECT ${selectTransaction("t")} FROM transactions t WHERE t.journal_entry_id = ANY(${entryIds}::uuid[]) ORDER BY t.id`,
    );
    return rows.map((row) => pickTransaction(row));
  }
}
