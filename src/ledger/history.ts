import { Prisma } from "../db/generated/prisma/client";
import type {
  Account,
  AccountStatus,
  AccountType,
  Hold,
  HoldStatus,
  Transaction,
  TransactionKind,
  TransactionStatus,
  TransactionType,
} from "../db/generated/prisma/client";
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
 * Keyset pagination, newest first: an account's history in posting order
 * (createdAt, then accountVersion: the ledger stamps an account's postings so
 * that both orders agree), accounts in the order they were opened (createdAt,
 * then id). Both are orders an index serves, stable while new rows arrive.
 *
 * A cursor names the row a page ends with (its id, as 22 base64url
 * characters), and the next page starts after that row's position, read
 * from the database. So a cursor is accepted only if it names a row of the
 * list being paged: a forged or altered one names no row, and one of another
 * account's history or of the other list is not a row of this one. Rows are
 * never deleted, so a cursor stays good. (Signing positions instead would
 * cost a MAC per row of every page; this costs one lookup per page asked
 * with `after`.)
 */
const notIssued = () => new PageRequestError("`after` is not a cursor of this list");

function encodeCursor(row: { id: string }): string {
  return Buffer.from(row.id.replaceAll("-", ""), "hex").toString("base64url");
}

/** The row id a cursor names; a PageRequestError when it cannot be one of ours. */
function decodeCursor(cursor: string): string {
  const bytes = Buffer.from(cursor, "base64url");
  if (bytes.length !== 16 || bytes.toString("base64url") !== cursor) throw notIssued();
  return bytes.toString("hex").replace(/^(.{8})(.{4})(.{4})(.{4})/, "$1-$2-$3-$4-");
}

function toPage<T extends { id: string }>(rows: T[], size: number, after: string | null | undefined): Page<T> {
  const nodes = rows.slice(0, size);
  return { nodes, cursors: nodes.map(encodeCursor), hasNextPage: rows.length > size, hasPreviousPage: after != null };
}

/** Where the page after a history row starts. */
interface HistoryPosition {
  createdAt: Date;
  accountVersion: number;
}

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

/**
 * Names holding `fragment`, in any case; LIKE's wildcards in it match only
 * themselves. Served by the trigram index (docs/history-query-plan.md). A
 * fragment under 3 characters has no trigram to look up: the index would hand
 * back every account to recheck, slower than reading them, so its predicate is
 * on an expression the index does not cover.
 */
function nameContains(fragment: string): Prisma.Sql {
  const pattern = `%${fragment.replace(/[\\%_]/g, "\\$&")}%`;
  return fragment.length >= 3 ? Prisma.sql`AND a.customer_name ILIKE ${pattern}` : Prisma.sql`AND (a.customer_name || '') ILIKE ${pattern}`;
}

export class History {
  constructor(
    private readonly db: Db,
    private readonly sql: Sql,
  ) {}

  /** Accounts newest first; only those of `ownerId` when given. */
  async accounts(page: PageRequest, filter: AccountFilter | null | undefined, ownerId?: string): Promise<Page<Account>> {
    const size = pageSize(page.first);
    // Planned with its values, like a filtered history page: how many accounts a name matches decides the plan.
    const rows = await this.sql.query(await this.accountsStatement(page, filter, ownerId), { prepare: false });
    return toPage(rows.map((row) => pickAccount(row)), size, page.after);
  }

  /** The statement reading a page of accounts. */
  async accountsStatement(page: PageRequest, filter: AccountFilter | null | undefined, ownerId?: string): Promise<Prisma.Sql> {
    const size = pageSize(page.first);
    const after = page.after != null ? await this.accountPosition(page.after, ownerId) : undefined;
    const conditions = [
      ownerId !== undefined ? Prisma.sql`AND a.owner_id = ${ownerId}` : Prisma.empty,
      filter?.status ? Prisma.sql`AND a.status = ${filter.status}::"AccountStatus"` : Prisma.empty,
      filter?.type ? Prisma.sql`AND a.type = ${filter.type}::"AccountType"` : Prisma.empty,
      filter?.customerName ? nameContains(filter.customerName) : Prisma.empty,
      after ? Prisma.sql`AND (a.created_at, a.id) < (${after.createdAt}::timestamptz, ${after.id}::uuid)` : Prisma.empty,
    ];
    return Prisma.sql`SELECT ${selectAccount("a")} FROM accounts a WHERE true ${Prisma.join(conditions, " ")}
      ORDER BY a.created_at DESC, a.id DESC LIMIT ${size + 1}`;
  }

  /** An account's holds newest first, of one status when given. */
  async holds(accountId: string, page: PageRequest, status?: HoldStatus | null): Promise<Page<Hold>> {
    const size = pageSize(page.first);
    const after = page.after != null ? await this.holdPosition(page.after, accountId) : undefined;
    const rows = await this.db.hold.findMany({
      where: {
        accountId,
        status: status ?? undefined,
        OR: after ? [{ createdAt: { lt: after.createdAt } }, { createdAt: after.createdAt, id: { lt: after.id } }] : undefined,
      },
      orderBy: [{ createdAt: "desc" }, { id: "desc" }],
      take: size + 1,
    });
    return toPage(rows, size, page.after);
  }

  /** The answer for an account that is not there (or not the caller's): no rows, once the request itself is well formed. */
  emptyPage<T extends { id: string }>(request: PageRequest): Page<T> {
    pageSize(request.first);
    if (request.after != null) decodeCursor(request.after);
    return toPage([], 0, request.after);
  }

  /**
   * The statement reading one page of history for each account: a branch per
   * account, each naming its account as a value, so the planner judges each by
   * that account's own statistics and a long history is walked in index order,
   * the walk stopping after the page (docs/history-query-plan.md).
   */
  async statement(accountIds: readonly string[], request: HistoryRequest): Promise<Prisma.Sql | undefined> {
    const pages = await this.pages(accountIds, request);
    return pages && Prisma.sql`SELECT ${selectTransaction("t")} FROM (${pages}) t`;
  }

  /** One page of history for each account, in one statement (two with `after`). */
  async transactions(accountIds: readonly string[], request: HistoryRequest): Promise<Page<Transaction>[]> {
    const size = pageSize(request.first);
    const statement = await this.statement(accountIds, request);
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
    const pages = await this.pages([accountId], request);
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

  private async pages(accountIds: readonly string[], request: HistoryRequest): Promise<Prisma.Sql | undefined> {
    const size = pageSize(request.first);
    const ids = [...new Set(accountIds.filter(isUuid).map((id) => id.toLowerCase()))];
    const after = request.after != null ? await this.historyPosition(request.after, ids) : undefined;
    if (ids.length === 0) return undefined;
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
    const pages = ids.map(
      (id) => Prisma.sql`(
          SELECT * FROM transactions t
           WHERE t.account_id = ${id}::uuid ${conditions}
           ORDER BY t.created_at DESC, t.account_version DESC
           LIMIT ${size + 1})`,
    );
    return Prisma.join(pages, " UNION ALL ");
  }

  /** The position of the posting a history cursor names, which must be of the accounts paged (one account: a cursor is of one history). */
  private async historyPosition(cursor: string, accountIds: readonly string[]): Promise<HistoryPosition> {
    const row = await this.db.transaction.findUnique({ where: { id: decodeCursor(cursor) }, select: { accountId: true, createdAt: true, accountVersion: true } });
    if (!row || accountIds.some((id) => id !== row.accountId)) throw notIssued();
    return row;
  }

  /** The position of the hold a hold-list cursor names, which must be of the account paged. */
  private async holdPosition(cursor: string, accountId: string): Promise<{ createdAt: Date; id: string }> {
    const row = await this.db.hold.findUnique({ where: { id: decodeCursor(cursor) }, select: { id: true, createdAt: true, accountId: true } });
    if (!row || row.accountId !== accountId) throw notIssued();
    return row;
  }

  /** The position of the account an account-list cursor names, which must be in the list (the caller's own, for a customer). */
  private async accountPosition(cursor: string, ownerId: string | undefined): Promise<{ createdAt: Date; id: string }> {
    const row = await this.db.account.findUnique({ where: { id: decodeCursor(cursor) }, select: { id: true, createdAt: true, ownerId: true } });
    if (!row || (ownerId !== undefined && row.ownerId !== ownerId)) throw notIssued();
    return row;
  }
}
