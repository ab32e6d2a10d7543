import { randomUUID } from "node:crypto";
import {
  AccountHistoryPageDocument,
  AccountsWithCursorsDocument,
  AccountsHistoryPageDocument,
  CloseAccountDocument,
  CreditDocument,
  DebitDocument,
  HistoryPageDocument,
  OpenAccountDocument,
  ReverseTransactionDocument,
  TransferInFullDocument,
  UpdateAccountDocument,
  type AccountFilter,
  type AccountType,
  type HistoryPageFieldsFragment,
  type TransactionFilter,
} from "./generated/graphql";
import { key, startTestServer, type TestServer } from "./support/harness";
import { ledgerViolations } from "./support/ledgerInvariant";

/*
 * Filters and pagination of the history and of the account list: one account
 * with 250 postings of every kind, paged through with every filter and several
 * page sizes. Each walk must return exactly the rows SQL finds for the same
 * filter, in posting order (ORDER BY account_version DESC), none missed or
 * repeated, also while new postings arrive between pages. created_at has
 * millisecond precision and never decreases along the versions: two bursts
 * of 20 postings sharing one created_at make page boundaries fall inside ties
 * and put a tie on each bound of the from/to window. The account list is in
 * SQL's ORDER BY created_at DESC, id DESC.
 */
let server: TestServer;

beforeAll(async () => {
  server = await startTestServer();
});
afterEach(async () => {
  expect(await ledgerViolations(server.sql)).toEqual([]);
});
afterAll(() => server.stop());

type Connection = HistoryPageFieldsFragment;
/** A row's position in the order the API promises. */
interface Row {
  id: string;
  createdAt: string;
}

const PAGE_SIZES = [7, 50, 100];
const MAX_PAGES = 400;

/** Fetches pages, following endCursor until hasNextPage is false; `between` runs between two requests. */
async function pageThrough(
  fetch: (first: number, after: string | null) => Promise<Connection>,
  first: number,
  between?: () => Promise<void>,
): Promise<Connection[]> {
  const pages: Connection[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await fetch(first, after);
    pages.push(page);
    if (!page.pageInfo.hasNextPage) return pages;
    if (pages.length >= MAX_PAGES) throw new Error(`still hasNextPage after ${MAX_PAGES} pages of ${first}`);
    after = page.pageInfo.endCursor ?? null;
    if (after == null) throw new Error("hasNextPage without an endCursor");
    await between?.();
  }
}

/**
 * The walk returned exactly `expected` (in its order, none repeated); every
 * page but the last is full, the last is non-empty unless nothing matches,
 * hasNextPage is false only on the last page, and the page info agrees with
 * the edges.
 */
function expectWalk(label: string, pages: Connection[], first: number, expected: Row[]) {
  const rows = pages.flatMap((page) => page.edges.map((edge) => ({ id: edge.node.id, createdAt: edge.node.createdAt })));
  const seen = new Set<string>();
  const repeated = rows.filter((row) => seen.has(row.id) || !seen.add(row.id)).map((row) => row.id);
  expect({ label, first, repeated }).toEqual({ label, first, repeated: [] });
  const expectedIds = new Set(expected.map((row) => row.id));
  const missed = expected.filter((row) => !seen.has(row.id)).map((row) => row.id);
  const extra = rows.filter((row) => !expectedIds.has(row.id)).map((row) => row.id);
  expect({ label, first, missed, extra }).toEqual({ label, first, missed: [], extra: [] });
  // Same rows, same timestamps, same order as the SQL that states what is expected.
  expect({ label, first, rows }).toEqual({ label, first, rows: expected });

  expect({ label, first, pages: pages.length }).toEqual({ label, first, pages: Math.max(1, Math.ceil(expected.length / first)) });
  pages.forEach((page, i) => {
    const last = i === pages.length - 1;
    expect({ label, first, page: i, size: page.edges.length, hasNextPage: page.pageInfo.hasNextPage }).toEqual({
      label,
      first,
      page: i,
      size: last ? expected.length - first * i : first,
      hasNextPage: !last,
    });
    expect(page.pageInfo.hasPreviousPage).toBe(i > 0);
    expect(page.pageInfo.startCursor ?? null).toBe(page.edges[0]?.cursor ?? null);
    expect(page.pageInfo.endCursor ?? null).toBe(page.edges.at(-1)?.cursor ?? null);
  });
}

/** The page sizes to walk with: a small one, one that divides 250, the maximum, and the exact count. */
const sizesFor = (count: number) => [...new Set([...PAGE_SIZES, ...(count >= 1 && count <= 100 ? [count] : [])])];

/** What the history should hold, by SQL, with the filter's semantics (from inclusive, to exclusive). */
async function expectedHistory(accountId: string, filter: TransactionFilter): Promise<Row[]> {
  const params: unknown[] = [accountId];
  const where = ["account_id = $1"];
  const add = (clause: (param: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (filter.type) add((p) => `type = ${p}::"TransactionType"`, filter.type);
  if (filter.kind) add((p) => `kind = ${p}::"TransactionKind"`, filter.kind);
  if (filter.status) add((p) => `status = ${p}::"TransactionStatus"`, filter.status);
  if (filter.from) add((p) => `created_at >= ${p}::timestamptz`, filter.from);
  if (filter.to) add((p) => `created_at < ${p}::timestamptz`, filter.to);
  const { rows } = await server.sql.query(
    `SELECT id, created_at FROM transactions WHERE ${where.join(" AND ")} ORDER BY account_version DESC`,
    params,
  );
  return rows.map((row) => ({ id: row.id, createdAt: (row.created_at as Date).toISOString() }));
}

// ---------------------------------------------------------------- postings

function ok<T extends { __typename: string }>(label: string, result: T): T {
  if (!/Success$/.test(result.__typename)) throw new Error(`${label}: ${JSON.stringify(result)}`);
  return result;
}

const creditOn = async (accountId: string, amount: string) =>
  ok("credit", (await server.query(CreditDocument, { input: { accountId, amount, idempotencyKey: key("h-credit") } })).credit);
const debitOn = async (accountId: string, amount: string) =>
  ok("debit", (await server.query(DebitDocument, { input: { accountId, amount, idempotencyKey: key("h-debit") } })).debit);
const transferBetween = async (fromAccountId: string, toAccountId: string, amount: string) =>
  ok(
    "transfer",
    (await server.query(TransferInFullDocument, { input: { fromAccountId, toAccountId, amount, idempotencyKey: key("h-transfer") } }))
      .transfer,
  );

async function open(customerName: string, type: AccountType = "CHECKING", initialDeposit?: string) {
  const data = await server.query(OpenAccountDocument, {
    input: { customerName, type, initialDeposit, idempotencyKey: key("h-open") },
  });
  if (data.openAccount.__typename !== "OpenAccountSuccess") throw new Error(`openAccount: ${JSON.stringify(data.openAccount)}`);
  return data.openAccount.account;
}

/** Posting number i on `main`, cycling through the four shapes: deposit, withdrawal, transfer out, transfer in. */
function posting(i: number, main: string, other: string): Promise<unknown> {
  const amount = `${1 + (i % 9)}.${String(i % 100).padStart(2, "0")}`;
  switch (i % 4) {
    case 0:
      return creditOn(main, amount);
    case 1:
      return debitOn(main, amount);
    case 2:
      return transferBetween(main, other, amount);
    default:
      return transferBetween(other, main, amount);
  }
}

/** Sends postings first..first+count-1, `batch` at a time concurrently. */
async function post(main: string, other: string, first: number, count: number, batch = 25) {
  for (let start = first; start < first + count; start += batch) {
    const end = Math.min(first + count, start + batch);
    await Promise.all(Array.from({ length: end - start }, (_, j) => posting(start + j, main, other)));
  }
}

/**
 * `count` postings on `main` (deposits, withdrawals, transfers each way with
 * `other`) committed in one database transaction, as the ledger would write
 * them (balance, version, balanceAfter chained), so that they all carry the
 * same created_at, now(). Concurrent HTTP postings rarely share a millisecond
 * (on PGlite, which runs one statement at a time, never), so this is what
 * makes large ties, and page boundaries inside them, certain. Returns that
 * created_at, as stored.
 */
async function sameMillisecondBurst(main: string, other: string, count: number): Promise<string> {
  const client = await server.sql.connect();
  let at: Date | undefined;
  /** The entry a burst's posting (or a transfer's two) belongs to: its settlement line is what they add up to. */
  const entry = async (kind: string, settlement: number) => {
    const id = randomUUID();
    await client.query(`INSERT INTO journal_entries (id, kind, currency, settlement, actor) VALUES ($1, $2, 'USD', $3, 'history-test')`, [
      id,
      kind,
      settlement,
    ]);
    return id;
  };
  const move = async (accountId: string, type: "CREDIT" | "DEBIT", kind: string, amount: number, entryId: string) => {
    const transferId = kind === "TRANSFER" ? entryId : null;
    const { rows } = await client.query(
      `UPDATE accounts SET balance = balance + $2, version = version + 1, updated_at = now() WHERE id = $1 RETURNING balance, version`,
      [accountId, type === "CREDIT" ? amount : -amount],
    );
    const inserted = await client.query(
      `INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, transfer_id, description, actor,
                                 journal_entry_id)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'same-millisecond burst', 'history-test', $9) RETURNING created_at`,
      [randomUUID(), accountId, type, kind, amount, rows[0].balance, rows[0].version, transferId, entryId],
    );
    at = inserted.rows[0].created_at;
  };
  try {
    await client.query("BEGIN");
    for (let i = 0; i < count; i++) {
      const amount = 100 + i; // minor units
      if (i % 4 === 0) await move(main, "CREDIT", "DEPOSIT", amount, await entry("DEPOSIT", amount));
      else if (i % 4 === 1) await move(main, "DEBIT", "WITHDRAWAL", amount, await entry("WITHDRAWAL", -amount));
      else {
        const transfer = await entry("TRANSFER", 0);
        const [payer, payee] = i % 4 === 2 ? [main, other] : [other, main];
        await move(payer, "DEBIT", "TRANSFER", amount, transfer);
        await move(payee, "CREDIT", "TRANSFER", amount, transfer);
      }
    }
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK");
    throw error;
  } finally {
    client.release();
  }
  return at!.toISOString();
}

// ---------------------------------------------------------------- history of one account

describe("transaction history: 250 postings paged through with every filter", () => {
  const token = key("History");
  const mainName = `${token} main`;
  let main: string;
  let other: string;
  let from: string;
  let to: string;
  let nextPosting = 0;

  beforeAll(async () => {
    const [a, b] = await Promise.all([open(mainName, "CHECKING", "100000.00"), open(`${token} counterparty`, "SAVINGS", "100000.00")]);
    main = a.id;
    other = b.id;
    // The opening deposit, 197 postings over HTTP, two bursts of 20 sharing a millisecond and 12 reversals: 250.
    await post(main, other, 0, 80);
    const firstBurst = await sameMillisecondBurst(main, other, 20);
    await post(main, other, 80, 90);
    const secondBurst = await sameMillisecondBurst(main, other, 20);
    await post(main, other, 170, 27);
    nextPosting = 197;

    // Six credits and six debits spread over the history (never the opening deposit) are reversed: each becomes
    // REVERSED and the account gets a REVERSAL posting (a transfer leg reverses its whole transfer).
    const { rows: shaped } = await server.sql.query(
      `SELECT id, type FROM transactions WHERE account_id = $1 AND account_version > 1 ORDER BY account_version DESC`,
      [main],
    );
    const reversed = (["CREDIT", "DEBIT"] as const).flatMap((type) =>
      shaped.filter((row) => row.type === type).filter((_, i) => i % 20 === 7).slice(0, 6).map((row) => row.id as string),
    );
    expect(reversed).toHaveLength(12);
    await Promise.all(
      reversed.map(async (transactionId) =>
        ok(
          "reverseTransaction",
          (await server.query(ReverseTransactionDocument, { input: { transactionId, idempotencyKey: key("h-reverse") } }))
            .reverseTransaction,
        ),
      ),
    );
    expect(await expectedHistory(main, {})).toHaveLength(250);

    // A window between the two bursts' timestamps: the 20 rows at `from` are in it, the 20 at `to` are not.
    from = firstBurst;
    to = secondBurst;
  });

  test("the data exercises what it should: every kind and type, large ties on created_at, reversals", async () => {
    const { rows } = await server.sql.query(
      `SELECT kind, type, status, count(*)::int AS n FROM transactions WHERE account_id = $1
        GROUP BY kind, type, status ORDER BY kind, type, status`,
      [main],
    );
    const shapes = new Set(rows.map((row) => `${row.kind}/${row.type}`));
    expect([...shapes].sort()).toEqual([
      "DEPOSIT/CREDIT",
      "REVERSAL/CREDIT",
      "REVERSAL/DEBIT",
      "TRANSFER/CREDIT",
      "TRANSFER/DEBIT",
      "WITHDRAWAL/DEBIT",
    ]);
    const count = (where: (row: { kind: string; status: string }) => boolean) =>
      rows.filter(where).reduce((sum, row) => sum + row.n, 0);
    expect({ reversed: count((row) => row.status === "REVERSED"), reversals: count((row) => row.kind === "REVERSAL") }).toEqual({
      reversed: 12,
      reversals: 12,
    });

    // Two groups of at least 20 rows share a millisecond (concurrent HTTP batches may add a few smaller ties).
    const all = await expectedHistory(main, {});
    const tied = (at: string) => all.filter((row) => row.createdAt === at).length;
    expect(tied(from)).toBeGreaterThanOrEqual(20);
    expect(tied(to)).toBeGreaterThanOrEqual(20);
    expect(from < to).toBe(true);
    const inWindow = all.filter((row) => row.createdAt >= from && row.createdAt < to);
    expect(inWindow.length).toBeGreaterThanOrEqual(20 + 90);
  });

  const filters: Record<string, () => TransactionFilter> = {
    "no filter": () => ({}),
    "type CREDIT": () => ({ type: "CREDIT" }),
    "type DEBIT": () => ({ type: "DEBIT" }),
    "kind DEPOSIT": () => ({ kind: "DEPOSIT" }),
    "kind WITHDRAWAL": () => ({ kind: "WITHDRAWAL" }),
    "kind TRANSFER": () => ({ kind: "TRANSFER" }),
    "kind REVERSAL": () => ({ kind: "REVERSAL" }),
    "status POSTED": () => ({ status: "POSTED" }),
    "status REVERSED": () => ({ status: "REVERSED" }),
    "from/to window": () => ({ from, to }),
    "from alone": () => ({ from }),
    "to alone": () => ({ to }),
    "type CREDIT, kind TRANSFER, status POSTED, from/to window": () => ({ type: "CREDIT", kind: "TRANSFER", status: "POSTED", from, to }),
    "type DEBIT, status REVERSED, to": () => ({ type: "DEBIT", status: "REVERSED", to }),
    "an empty window (from = to)": () => ({ from, to: from }),
    "kind DEPOSIT with type DEBIT (matches nothing)": () => ({ kind: "DEPOSIT", type: "DEBIT" }),
  };
  const emptyByDesign = new Set(["an empty window (from = to)", "kind DEPOSIT with type DEBIT (matches nothing)"]);

  test.each(Object.keys(filters))("transactions(accountId:) with %s: exactly the SQL rows, in order, with every page size", async (label) => {
    const filter = filters[label]();
    const expected = await expectedHistory(main, filter);
    if (emptyByDesign.has(label)) expect(expected).toEqual([]);
    else expect(expected.length).toBeGreaterThan(0);
    for (const first of sizesFor(expected.length)) {
      const pages = await pageThrough(
        async (size, after) => (await server.query(HistoryPageDocument, { accountId: main, first: size, after, filter })).transactions,
        first,
      );
      expectWalk(label, pages, first, expected);
      for (const page of pages) {
        for (const { node } of page.edges) {
          if (filter.type) expect(node.type).toBe(filter.type);
          if (filter.kind) expect(node.kind).toBe(filter.kind);
          if (filter.status) expect(node.status).toBe(filter.status);
        }
      }
    }
  });

  test("Account.transactions, through account(id:) and through accounts(filter:), pages the same filtered rows", async () => {
    const cases: Array<[string, string, TransactionFilter]> = [
      ["main, kind TRANSFER in the window", main, { kind: "TRANSFER", from, to }],
      ["main, type CREDIT", main, { type: "CREDIT" }],
      ["counterparty, kind TRANSFER, type DEBIT", other, { kind: "TRANSFER", type: "DEBIT" }],
      ["counterparty, status POSTED from `from`", other, { status: "POSTED", from }],
    ];
    for (const [label, accountId, filter] of cases) {
      const expected = await expectedHistory(accountId, filter);
      expect(expected.length).toBeGreaterThan(0);
      for (const first of [5, 100]) {
        const viaAccount = await pageThrough(async (size, after) => {
          const account = (await server.query(AccountHistoryPageDocument, { id: accountId, first: size, after, filter })).account;
          if (!account) throw new Error(`no account ${accountId}`);
          return account.transactions;
        }, first);
        expectWalk(`account(id:) ${label}`, viaAccount, first, expected);
      }
    }

    // Nested under the accounts connection (one account matches the name): the batched LATERAL query.
    const filter: TransactionFilter = { type: "DEBIT", from };
    const expected = await expectedHistory(main, filter);
    expect(expected.length).toBeGreaterThan(0);
    const viaAccounts = await pageThrough(async (size, after) => {
      const edges = (
        await server.query(AccountsHistoryPageDocument, {
          first: 5,
          filter: { customerName: mainName.toUpperCase() },
          historyFirst: size,
          historyAfter: after,
          historyFilter: filter,
        })
      ).accounts.edges;
      expect(edges.map((edge) => edge.node.id)).toEqual([main]);
      return edges[0].node.transactions;
    }, 9);
    expectWalk("accounts { transactions } type DEBIT from `from`", viaAccounts, 9, expected);
  });

  test("one batched request answers each account's first filtered page separately", async () => {
    const filter: TransactionFilter = { kind: "TRANSFER", to };
    const edges = (
      await server.query(AccountsHistoryPageDocument, { first: 10, filter: { customerName: token }, historyFirst: 8, historyFilter: filter })
    ).accounts.edges;
    expect(edges.map((edge) => edge.node.id).sort()).toEqual([main, other].sort());
    for (const { node } of edges) {
      const expected = await expectedHistory(node.id, filter);
      expect(expected.length).toBeGreaterThan(8);
      expect(node.transactions.edges.map((edge) => ({ id: edge.node.id, createdAt: edge.node.createdAt }))).toEqual(expected.slice(0, 8));
      expect(node.transactions.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false });
    }
  });

  test("stability: postings arriving between pages neither shift nor repeat rows (first: 10, no filter)", async () => {
    const before = await expectedHistory(main, {});
    let gaps = 0;
    const pages = await pageThrough(
      async (first, after) => (await server.query(HistoryPageDocument, { accountId: main, first, after })).transactions,
      10,
      async () => {
        // A deposit, a withdrawal and a transfer each way on the account, after this page and before the next.
        gaps++;
        await post(main, other, nextPosting, 4, 4);
        nextPosting += 4;
      },
    );
    expectWalk("stability, no filter", pages, 10, before);

    const after = await expectedHistory(main, {});
    const existed = new Set(before.map((row) => row.id));
    const created = new Set(after.filter((row) => !existed.has(row.id)).map((row) => row.id));
    expect(created.size).toBe(gaps * 4);
    // The new postings are newer than everything that was there: they sit in front of it.
    expect(after.slice(created.size)).toEqual(before);
    expect(after.slice(0, created.size).every((row) => created.has(row.id))).toBe(true);
  });

  test("stability with a filter: transfers and deposits arriving between pages of kind TRANSFER (first: 25)", async () => {
    const filter: TransactionFilter = { kind: "TRANSFER" };
    const before = await expectedHistory(main, filter);
    const pages = await pageThrough(
      async (first, after) => (await server.query(HistoryPageDocument, { accountId: main, first, after, filter })).transactions,
      25,
      async () => {
        await Promise.all([transferBetween(main, other, "1.00"), transferBetween(other, main, "2.00"), creditOn(main, "3.00")]);
      },
    );
    expectWalk("stability, kind TRANSFER", pages, 25, before);
  });
});

// ---------------------------------------------------------------- the account list

describe("accounts(filter:) pages exactly the matching accounts", () => {
  const token = key("Roster");
  const names = Array.from({ length: 20 }, (_, i) => `${token} ${i % 3 === 0 ? "Smith" : "Jones"} ${i}`);
  const typeOf = (i: number): AccountType => (i % 2 === 0 ? "CHECKING" : "SAVINGS");
  const ids: string[] = [];

  beforeAll(async () => {
    // Twelve opened through the API, concurrently; types alternate.
    const opened = await Promise.all(names.slice(0, 12).map((name, i) => open(name, typeOf(i))));
    ids.push(...opened.map((account) => account.id));
    for (const i of [1, 4, 6, 9]) {
      const result = (await server.query(UpdateAccountDocument, { input: { accountId: ids[i], expectedVersion: 0, status: "FROZEN" } }))
        .updateAccount;
      ok("freeze", result);
    }
    for (const i of [2, 7]) {
      ok("close", (await server.query(CloseAccountDocument, { input: { accountId: ids[i], expectedVersion: 0 } })).closeAccount);
    }
    // Eight more in one statement, so they share a created_at (concurrent openings rarely do): page boundaries
    // of sizes 1, 2 and 3 then fall inside the tie, which only the id orders.
    const statuses = ["ACTIVE", "FROZEN", "ACTIVE", "CLOSED", "ACTIVE", "FROZEN", "ACTIVE", "ACTIVE"];
    const burst = statuses.map((status, j) => ({
      id: randomUUID(),
      number: `9${String(Date.now()).slice(-12)}${String(process.pid % 1000).padStart(3, "0")}${j}`,
      name: names[12 + j],
      type: typeOf(12 + j),
      status,
    }));
    await server.sql.query(
      `INSERT INTO accounts (id, account_number, customer_name, type, status, currency, closed_at)
       SELECT u.id, u.number, u.name, u.type::"AccountType", u.status::"AccountStatus", 'USD',
              CASE WHEN u.status = 'CLOSED' THEN now() END
         FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[]) AS u(id, number, name, type, status)`,
      [burst.map((a) => a.id), burst.map((a) => a.number), burst.map((a) => a.name), burst.map((a) => a.type), burst.map((a) => a.status)],
    );
    ids.push(...burst.map((a) => a.id));
    const { rows } = await server.sql.query(`SELECT count(DISTINCT created_at)::int AS n FROM accounts WHERE id = ANY($1::uuid[])`, [
      burst.map((a) => a.id),
    ]);
    expect(rows[0].n).toBe(1);
  });

  async function expectedAccounts(filter: AccountFilter): Promise<Row[]> {
    // A literal, case-insensitive substring test that does not go through LIKE.
    const { rows } = await server.sql.query(
      `SELECT id, created_at FROM accounts
        WHERE strpos(lower(customer_name), lower($1)) > 0
          AND ($2::text IS NULL OR status::text = $2)
          AND ($3::text IS NULL OR type::text = $3)
        ORDER BY created_at DESC, id DESC`,
      [filter.customerName ?? "", filter.status ?? null, filter.type ?? null],
    );
    return rows.map((row) => ({ id: row.id, createdAt: (row.created_at as Date).toISOString() }));
  }

  const accountPages = (filter: AccountFilter, between?: () => Promise<void>) => (first: number) =>
    pageThrough(
      async (size, after) => {
        const connection = (await server.query(AccountsWithCursorsDocument, { first: size, after, filter })).accounts;
        // Reuse the history page checks: the account's id and createdAt are the position.
        return {
          edges: connection.edges.map((edge) => ({
            cursor: edge.cursor,
            node: { id: edge.node.id, createdAt: edge.node.createdAt, type: "CREDIT", kind: "DEPOSIT", status: "POSTED" },
          })),
          pageInfo: connection.pageInfo,
        } as Connection;
      },
      first,
      between,
    );

  const filters: Record<string, () => AccountFilter> = {
    "the run's token, upper-cased": () => ({ customerName: token.toUpperCase() }),
    "'sMITH' within the token": () => ({ customerName: `${token.toUpperCase()} sMITH` }),
    "status ACTIVE": () => ({ customerName: token, status: "ACTIVE" }),
    "status FROZEN": () => ({ customerName: token, status: "FROZEN" }),
    "status CLOSED": () => ({ customerName: token, status: "CLOSED" }),
    "type SAVINGS": () => ({ customerName: token, type: "SAVINGS" }),
    "type CHECKING, status ACTIVE, 'jones'": () => ({ customerName: `${token} jones`, type: "CHECKING", status: "ACTIVE" }),
  };

  test.each(Object.keys(filters))("%s", async (label) => {
    const filter = filters[label]();
    const expected = await expectedAccounts(filter);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.every((row) => ids.includes(row.id))).toBe(true);
    for (const first of [1, 2, 3, 100]) expectWalk(label, await accountPages(filter)(first), first, expected);
  });

  test("accounts opened between pages do not appear in the walk, and none is repeated", async () => {
    const filter = { customerName: token };
    const before = await expectedAccounts(filter);
    expect(before).toHaveLength(names.length);
    const pages = await accountPages(filter, async () => {
      await open(`${token} late`, "SAVINGS");
    })(2);
    expectWalk("accounts opened between pages", pages, 2, before);
    expect(await expectedAccounts(filter)).toHaveLength(names.length + pages.length - 1);
  });
});
