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
  private timerOf?: (statement: string) => (seconds: number) => void;
  private readonly timers = new Map<string, (seconds: number) => void>();

  constructor(
    readonly pool: pg.Pool,
    private readonly options: { prepared: boolean; onQuery?: QueryListener },
  ) {}

  /** Times every statement from now on, under its statementName (the metrics: see server.ts). */
  timeStatements(timerOf: (statement: string) => (seconds: number) => void) {
    this.timerOf = timerOf;
  }

  async query(statement: Prisma.Sql, { prepare = true } = {}): Promise<Row[]> {
    const { prepared, onQuery } = this.options;
    const timer = this.timerOf && this.timerFor(statement.text);
    const started = onQuery || timer ? performance.now() : 0;
    const name = prepare && prepared ? this.nameOf(statement.text) : undefined;
    try {
      const result = await this.pool.query({ name, text: statement.text, values: statement.values });
      onQuery?.(statement.text, performance.now() - started, statement.values);
      return result.rows;
    } finally {
      timer?.((performance.now() - started) / 1000);
    }
  }

  private timerFor(text: string) {
    let timer = this.timers.get(text);
    if (!timer) {
      timer = this.timerOf!(statementName(text));
      this.timers.set(text, timer);
    }
    return timer;
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
