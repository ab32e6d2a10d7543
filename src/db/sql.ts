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
  /** Per statement text: its prepared statement's name and its timer, found with one lookup (the text is long, hashing it is not free). */
  private readonly statements = new Map<string, { name: string; timer?: (seconds: number) => void }>();
  private timerOf?: (statement: string) => (seconds: number) => void;

  constructor(
    readonly pool: pg.Pool,
    private readonly options: { prepared: boolean; onQuery?: QueryListener },
  ) {}

  /** Times every statement from now on, under its statementName (the metrics: see server.ts). */
  timeStatements(timerOf: (statement: string) => (seconds: number) => void) {
    this.timerOf = timerOf;
    this.statements.clear();
  }

  async query(statement: Prisma.Sql, { prepare = true } = {}): Promise<Row[]> {
    const { prepared, onQuery } = this.options;
    const { name, timer } = this.statementOf(statement.text);
    const started = onQuery || timer ? performance.now() : 0;
    try {
      const result = await this.pool.query({ name: prepare && prepared ? name : undefined, text: statement.text, values: statement.values });
      onQuery?.(statement.text, performance.now() - started, statement.values);
      return result.rows;
    } finally {
      timer?.((performance.now() - started) / 1000);
    }
  }

  private statementOf(text: string) {
    let known = this.statements.get(text);
    if (!known) {
      known = { name: `solvent_${createHash("sha1").update(text).digest("hex").slice(0, 24)}`, timer: this.timerOf?.(statementName(text)) };
      this.statements.set(text, known);
    }
    return known;
  }
}

/**
 * A short, stable name for a statement, from its text alone (never its
 * values): the function it calls (`post_entry`, `open_account`), else its
 * verb and main table (`select_transactions`, `update_accounts`).
 */
export function statementName(text: string): string {
  const call = /\b(?:FROM|SELECT)\s+([a-z_][a-z0-9_]*)\s*\(/i.exec(text);
  if (call && !SQL_FUNCTIONS.has(call[1].toLowerCase())) return call[1].toLowerCase();
  const verb = /^\s*(\w+)/.exec(text)?.[1].toLowerCase() ?? "statement";
  const table = /\b(?:UPDATE|INTO|FROM)\s+([a-z_][a-z0-9_]*)\b(?!\s*\()/i.exec(text)?.[1].toLowerCase();
  return table ? `${verb}_${table}` : verb;
}
const SQL_FUNCTIONS = new Set(["count", "sum", "coalesce", "max", "min", "now", "array_agg", "jsonb_build_object", "row"]);
