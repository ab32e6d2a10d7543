import { Prisma } from "../db/generated/prisma/client";
import type { Account, AccountStatus, AccountType, Transaction, TransactionKind, TransactionStatus, TransactionType } from "../db/generated/prisma/client";
import type { Db } from "../db/client";
import type { Sql } from "../db/sql";
import type { Cursors } from "./cursors";
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
  /** The cursor of nodes[i], made when asked for: signing one costs more than reading its row. */
  cursor(i: number): string;
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
 * Keyset pagination, newest first: an account's history in posting order
 * (createdAt, then accountVersion: the ledger stamps an account's postings so
 * that both orders agree), accounts in the order they were opened (createdAt,
 * then id). Both are orders an index serves, stable while new rows arrive. A
 * cursor is the signed position of a row (see Cursors), opaque to clients.
 */
type Order<T> = {
  kind: string;
  position(row: T): string;
  /** The position in a cursor's payload, or undefined when the payload is not one. */
  parse(position: string): T | undefined;
};

const HISTORY: Order<{ createdAt: Date; accountVersion: number }> = {
  kind: "transactions",
  position: (row) => `${row.createdAt.getTime()}:${row.accountVersion}`,
  parse(position) {
    const match = /^(\d{1,15}):(\d{1,10})$/.exec(position);
    return match ? { createdAt: new Date(Number(match[1])), accountVersion: Number(match[2]) } : undefined;
  },
};

const ACCOUNTS: Order<{ createdAt: Date; id: string }> = {
  kind: "accounts",
  position: (row) => `${row.createdAt.getTime()}:${row.id}`,
  parse(position) {
    const [at, id, ...rest] = position.split(":");
    return rest.length === 0 && /^\d{1,15}$/.test(at) && id !== undefined && isUuid(id) ? { createdAt: new Date(Number(at)), id } : undefined;
  },
};

function pageSize(first: number | null | undefined): number {
  const size = first ?? DEFAULT_PAGE_SIZE;
  if (!Number.isInteger(size) || size < 1 || size > MAX_PAGE_SIZE) {
    throw new PageRequestError(`\`first\` must be between 1 and ${MAX_PAGE_SIZE}`);
  }
  return size;
}

/** A batch key: the same page of history asked of several accounts. */
export interface HistoryRequest extends PageRequest {
  filter?: TransactionFilter | null;
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
    private readonly cursors: Cursors,
  ) {}

  /** Accounts newest first; only those of `ownerId` when given. */
  async accounts(page: PageRequest, filter: AccountFilter | null | undefined, ownerId?: string): Promise<Page<Account>> {
    const size = pageSize(page.first);
    const after = this.after(ACCOUNTS, page);
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
    return this.page(ACCOUNTS, rows, size, page.after);
  }

  /** The answer for an account that is not there (or not the caller's): no rows, once the request itself is valid. */
  emptyPage<T>(request: PageRequest): Page<T> {
    pageSize(request.first);
    this.after(HISTORY, request);
    return { nodes: [], cursor: () => "", hasNextPage: false, hasPreviousPage: request.after != null };
  }

  /**
   * The statement reading one page of history for each account: a branch per
   * account, each naming its account as a value, so the planner judges each by
   * that account's own statistics and a long history is walked in index order,
   * the walk stopping after the page (docs/history-query-plan.md).
   */
  statement(accountIds: readonly string[], request: HistoryRequest): Prisma.Sql | undefined {
    const pages = this.pages(accountIds, request);
    return pages && Prisma.sql`SELECT ${selectTransaction("t")} FROM (${pages}) t`;
  }

  /** One page of history for each account, in one statement. */
  async transactions(accountIds: readonly string[], request: HistoryRequest): Promise<Page<Transaction>[]> {
    const size = pageSize(request.first);
    const statement = this.statement(accountIds, request);
    const rows = statement ? await this.sql.query(statement, { prepare: preparable(request) }) : [];
    const byAccount = new Map<string, Transaction[]>();
    for (const row of rows) {
      const transaction = pickTransaction(row);
      const list = byAccount.get(transaction.accountId) ?? [];
      list.push(transaction);
      byAccount.set(transaction.accountId, list);
    }
    return accountIds.map((id) => this.page(HISTORY, byAccount.get(id.toLowerCase()) ?? [], size, request.after));
  }

  /**
   * An account and a page of its history, in one statement (the common read:
   * the account with its latest postings). The account comes in a row of its
   * own rather than joined to every posting: each repeated column would be
   * parsed again.
   */
  async accountWithHistory(accountId: string, request: HistoryRequest): Promise<{ account: Account; page: Page<Transaction> } | undefined> {
    const size = pageSize(request.first);
    const pages = this.pages([accountId], request);
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
    return { account: pickAccount(accountRow), page: this.page(HISTORY, postings, size, request.after) };
  }

  private pages(accountIds: readonly string[], request: HistoryRequest): Prisma.Sql | undefined {
    const size = pageSize(request.first);
    const after = this.after(HISTORY, request);
    const filter = request.filter ?? {};
    const conditions = Prisma.join(
      [
        after ? Prisma.sql`AND (t.created_at, t.account_version) < (${after.createdAt}::timestamptz, ${after.accountVersion}::int)` : Prisma.empty,
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
           ORDER BY t.created_at DESC, t.account_version DESC
           LIMIT ${size + 1})`,
    );
    return Prisma.join(pages, " UNION ALL ");
  }

  private after<P>(order: Order<P>, request: PageRequest): P | undefined {
    if (request.after == null) return undefined;
    const position = this.cursors.decode(order.kind, request.after);
    const after = position === undefined ? undefined : order.parse(position);
    if (!after) throw new PageRequestError("`after` is not a cursor this API issued");
    return after;
  }

  private page<P, R extends P>(order: Order<P>, rows: R[], size: number, after: string | null | undefined): Page<R> {
    const nodes = rows.slice(0, size);
    return {
      nodes,
      cursor: (i) => this.cursors.encode(order.kind, order.position(nodes[i])),
      hasNextPage: rows.length > size,
      hasPreviousPage: after != null,
    };
  }
}
