import { createHash } from "node:crypto";
import type pg from "pg";
import type { Prisma } from "./generated/prisma/client";

/** Called with the text of every statement (placeholders), how long it took, and its parameters. */
export type QueryListener = (sql: string, durationMs: number, params: unknown[]) => void;

/** The rows of a hand-written statement: int8 columns come back as strings (exact), timestamps as Dates. */
export type Row = Record<string, unknown>;

/**
 * The ledger's hand-written statements, sent straight to node-postgres on the
 * pool Prisma uses too: Prisma's raw-query layer costs more CPU per statement
 * than the statement itself costs PostgreSQL. Each statement is prepared once
 * per connection under a name derived from its text, unless it must be
 * planned with its actual values every time (`prepare: false`), or the server
 * cannot keep prepared statements per connection (`prepared: false`: the
 * embedded database, which shares one session among its connections, or a
 * pooler in transaction mode).
 */
export class Sql {
  private readonly names = new Map<string, string>();

  constructor(
    readonly pool: pg.Pool,
    private readonly options: { prepared: boolean; onQuery?: QueryListener },
  ) {}

  async query(statement: Prisma.Sql, { prepare = true } = {}): Promise<Row[]> {
    const { prepared, onQuery } = this.options;
    const started = onQuery ? performance.now() : 0;
    const name = prepare && prepared ? this.nameOf(statement.text) : undefined;
    const result = await this.pool.query({ name, text: statement.text, values: statement.values });
    onQuery?.(statement.text, performance.now() - started, statement.values);
    return result.rows;
  }

  private nameOf(text: string): string {
    let name = this.names.get(text);
    if (!name) {
      name = `solvent_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`;
      this.names.set(text, name);
    }
    return name;
  }
}
