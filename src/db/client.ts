import { PrismaPg } from "@prisma/adapter-pg";
import { PrismaClient } from "./generated/prisma/client";

export type Db = PrismaClient;

/** Called with the text of every statement (placeholders, never values). */
export type QueryListener = (sql: string, durationMs: number) => void;

export interface DbOptions {
  poolSize: number;
  /** PostgreSQL cancels any statement that runs longer. */
  statementTimeoutMs?: number;
  onQuery?: QueryListener;
}

export function createDb(url: string, { poolSize, statementTimeoutMs, onQuery }: DbOptions): Db {
  const adapter = new PrismaPg({ connectionString: url, max: poolSize, statement_timeout: statementTimeoutMs });
  if (!onQuery) return new PrismaClient({ adapter });
  const db = new PrismaClient({ adapter, log: [{ emit: "event", level: "query" }] });
  db.$on("query", (event) => onQuery(event.query, event.duration));
  return db as unknown as Db;
}
