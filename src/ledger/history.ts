import { Prisma } from "../db/generated/prisma/client";
import type { Account, AccountStatus, AccountType, Transaction, TransactionKind, TransactionStatus, TransactionType } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { Sql } from "../db/sql";
import { accountNulls, pickAccount, pickTransaction, selectAccount, selectTransaction, transactionNulls } from "./rows";
import { isUuid } from "./validation";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

/** A page request that cannot be served: a bad `first` or a cursor we did not issue. */
export class PageRequestError extends Error {}

export interface PageRequest {
  first?: number | null;
  after?: string | null;
}

export interface Page<T> {
  nodes: T[];
  cursors: string[];
  hasNextPage: boolean;
  hasPreviousPage: boolean;
}

export interface AccountFilter {
  status?: AccountStatus | null;
  type?: AccountType | null;
  customerName?: string | null;
}

export interface TransactionFilter {
  type?: TransactionType | null;
  kind?: TransactionKind | null;
  status?: TransactionStatus | null;
  from?: Date | null;
  to?: Date | null;
}

/*
 * Keyset pagination, newest first, on (createdAt desc, id desc): the order an
 * index serves, stable while new rows arrive. A cursor is the position of a
 * row, opaque to clients.
 */
interface Position {
  createdAt: Date;
  id: string;
}

function encodeCursor(row: Position): string {
  return Buffer.from(`${row.createdAt.getTime()}:${row.id}`, "latin1").toString("base64url");
}

function decodeCursor(cursor: string): Position {
  const [at, id, ...rest] = Buffer.from(cursor, "base64url").toString("latin1").split(":");
  if (rest.length === 0 && /^\d{1,15}$/.test(at) && id !== undefined && isUuid(id)) {
    return { createdAt: new Date(Number(at)), id };
  }
  throw new PageRequestError("`after` is not a cursor this API issued");
}

function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new PageRequestError(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

function toPage<T extends Position>(rows: T[], size: number, after: string | null | undefined): Page<T> {
  const nodes = rows.slice(0, size);
  return { nodes, cursors: nodes.map(encodeCursor), hasNextPage: rows.length > size, hasPreviousPage: after != null };
}

/** The answer for an account that is not there (or not the caller's): no rows, once the request itself is valid. */
export function emptyPage<T extends Position>(request: PageRequest): Page<T> {
  pageSize(request.first);
  if (request.after != null) decodeCursor(request.after);
  return toPage([], 0, request.after);
}

/** A batch key: the same page of history asked of several accounts. */
export interface HistoryRequest extends PageRequest {
  filter?: TransactionFilter | null;
}

/**
 * A branch per account, each naming its account as a value: the planner
 * judges each by that account's own statistics, so a long history is walked
 * in index order and the walk stops after the page
 * (docs/history-query-plan.md).
 */
export function historyStatement(accountIds: readonly string[], request: HistoryRequest): Prisma.Sql | undefined {
  const pages = historyPages(accountIds, request);
  return pages && Prisma.sql`SELECT ${selectTransaction("t")} FROM (${pages}) t`;
}

function historyPages(accountIds: readonly string[], request: HistoryRequest): Prisma.Sql | undefined {
  const size = pageSize(request.first);
  const after = request.after != null ? decodeCursor(request.after) : undefined;
  const filter = request.filter ?? {};
  const conditions = Prisma.join(
    [
      after ? Prisma.sql`AND (t.created_at, t.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)` : Prisma.empty,
      filter.type ? Prisma.sql`AND t.type = ${filter.type}::"TransactionType"` : Prisma.empty,
      filter.kind ? Prisma.sql`AND t.kind = ${filter.kind}::"TransactionKind"` : Prisma.empty,
      filter.status ? Prisma.sql`AND t.status = ${filter.status}::"TransactionStatus"` : Prisma.empty,
      filter.from ? Prisma.sql`AND t.created_at >= ${filter.from}::timestamptz` : Prisma.empty,
      filter.to ? Prisma.sql`AND t.created_at < ${filter.to}::timestamptz` : Prisma.empty,
    ],
    " ",
  );
  const ids = [...new Set(accountIds.filter(isUuid).map((id) => id.toLowerCase()))];
  if (ids.length === 0) return undefined;
  const pages = ids.map(
    (id) => Prisma.sql`(
        SELECT * FROM transactions t
         WHERE t.account_id = ${id}::uuid ${conditions}
         ORDER BY t.created_at DESC, t.id DESC
         LIMIT ${size + 1})`,
  );
  return Prisma.join(pages, " UNION ALL ");
}

/**
 * A filter on type, kind or status is planned with its values each time: how
 * selective it is on these accounts decides the plan. Without one the plan is
 * always the index walk, and the statement can be prepared.
 */
const preparable = ({ filter }: HistoryRequest) => !(filter?.type || filter?.kind || filter?.status);

export class History {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
  ) {}

  /** Accounts newest first; only those of `ownerId` when given. */
  async accounts(page: PageRequest, filter: AccountFilter | null | undefined, ownerId?: string): Promise<Page<Account>> {
    const size = pageSize(page.first);
    const after = page.after != null ? decodeCursor(page.after) : undefined;
    const rows = await this.db.account.findMany({
      where: {
        ownerId,
        status: filter?.status ?? undefined,
        type: filter?.type ?? undefined,
        // A literal substring: LIKE's wildcards in the filter match only themselves.
        customerName: filter?.customerName
          ? { contains: filter.customerName.replace(/[\\%_]/g, "\\$&"), mode: "insensitive" }
          : undefined,
        OR: after
          ? [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }]
          : undefined,
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: size + 1,
    });
    return toPage(rows, size, page.after);
  }

  /** One page of history for each account, in one statement. */
  async transactions(accountIds: readonly string[], request: HistoryRequest): Promise<Page<Transaction>[]> {
    const size = pageSize(request.first);
    const statement = historyStatement(accountIds, request);
    const rows = statement ? await this.sql.query(statement, { prepare: preparable(request) }) : [];
    const byAccount = new Map<string, Transaction[]>();
    for (const row of rows) {
      const transaction = pickTransaction(row);
      const list = byAccount.get(transaction.accountId) ?? [];
      list.push(transaction);
      byAccount.set(transaction.accountId, list);
    }
    return accountIds.map((id) => toPage(byAccount.get(id.toLowerCase()) ?? [], size, request.after));
  }

  /**
   * An account and a page of its history, in one statement (the common read:
   * the account with its latest postings). The account comes in a row of its
   * own rather than joined to every posting: each repeated column would be
   * parsed again.
   */
  async accountWithHistory(accountId: string, request: HistoryRequest): Promise<{ account: Account; page: Page<Transaction> } | undefined> {
    const size = pageSize(request.first);
    const pages = historyPages([accountId], request);
    if (!pages) return undefined;
    const rows = await this.sql.query(
      Prisma.sql`SELECT ${selectAccount("a")}, ${transactionNulls} FROM accounts a WHERE a.id = ${accountId}::uuid
        UNION ALL
        SELECT ${accountNulls}, ${selectTransaction("t")} FROM (${pages}) t`,
      { prepare: preparable(request) },
    );
    const accountRow = rows.find((row) => row.a_id !== null);
    if (!accountRow) return undefined;
    const postings = rows.filter((row) => row.t_id !== null).map((row) => pickTransaction(row));
    return { account: pickAccount(accountRow), page: toPage(postings, size, request.after) };
  }
}
