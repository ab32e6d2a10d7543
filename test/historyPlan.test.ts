import pg from "pg";
import { createDatabase, type Database } from "../src/db/client";
import { Prisma } from "../src/db/generated/prisma/client";
import { History, type HistoryRequest, type PageRequest } from "../src/ledger/history";
import { scratchDatabase, type ScratchDatabase } from "./support/scratchDatabase";

/*
 * The history query is served by an index whatever the account and the
 * filter, and a page of a long history is an ordered walk of an index that
 * stops once the page is full: it never reads, nor sorts, the whole history.
 * A filter on kind, type or status has an index of its own that leads with
 * the account and that column, so a filter that matches little reads about
 * as many rows as it answers. Checked on the plans PostgreSQL makes for the
 * very statement the ledger sends, in a database of its own that looks like
 * a ledger: 1,000 ordinary accounts with 40 postings each and one account
 * with 20,000, its rows spread through the table among everybody else's.
 * The account list's customerName filter is served by a trigram index, among
 * 20,000 more accounts. (docs/history-query-plan.md shows the plans and the
 * reasoning.)
 */
const HISTORY_INDEX = "transactions_account_id_created_at_account_version_idx";
const KIND_INDEX = "transactions_account_id_kind_created_at_account_version_idx";
const TYPE_INDEX = "transactions_account_id_type_created_at_account_version_idx";
const STATUS_INDEX = "transactions_account_id_status_created_at_account_version_idx";
const NAME_INDEX = "accounts_customer_name_idx";
const ORDINARY = 1000;
const ORDINARY_POSTINGS = 40;
const LONG_POSTINGS = 20_000;
/** On the long account every 500th posting is a withdrawal, its only debits: 40 in all. Nothing is REVERSED. */
const WITHDRAWAL_EVERY = 500;
/** Accounts with no postings, for the name search: every 4,000th is a Quennell (5 in all), 3 in 8 have "son" in their name. */
const NAMED = 20_000;
const QUENNELL_EVERY = 4000;
const START = new Date("2025-01-01T00:00:00Z");
const hours = (n: number) => new Date(START.getTime() + n * 3_600_000);

const accountId = (n: number) => `00000000-0000-4000-8000-${n.toString(16).padStart(12, "0")}`;
const LONG = accountId(ORDINARY + 1);

let database: ScratchDatabase;
let db: Database;
let history: History;

/**
 * Postings as the ledger writes them (balances chained, one version each,
 * never below zero). Ordinary account a, posting k: deposit, withdrawal,
 * transfer out, transfer in, over and over. The long account: transfers in,
 * a withdrawal every 500th. All interleaved in time, one second apart, and
 * inserted in time order, as they would arrive.
 */
const SEED = `
  INSERT INTO accounts (id, account_number, customer_name, type, currency, balance, version)
  SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(a), 12, '0'))::uuid, (1000000000 + a)::text, 'Plan ' || a, 'CHECKING', 'USD', 0, 0
    FROM generate_series(1, ${ORDINARY + 1}) AS a;

  WITH plan AS (
    SELECT ('00000000-0000-4000-8000-' || lpad(to_hex(a), 12, '0'))::uuid AS account_id, * FROM (
      SELECT a, k, (k - 1) * ${ORDINARY} + a AS at,
             (ARRAY['DEPOSIT', 'WITHDRAWAL', 'TRANSFER', 'TRANSFER'])[(k - 1) % 4 + 1] AS kind,
             (ARRAY['CREDIT', 'DEBIT', 'DEBIT', 'CREDIT'])[(k - 1) % 4 + 1] AS type,
             (ARRAY[1000, 300, 200, 500])[(k - 1) % 4 + 1] AS amount
        FROM generate_series(1, ${ORDINARY}) AS a, generate_series(1, ${ORDINARY_POSTINGS}) AS k
      UNION ALL
      SELECT ${ORDINARY + 1}, k, k * ${(ORDINARY * ORDINARY_POSTINGS) / LONG_POSTINGS},
             CASE WHEN k = 1 THEN 'DEPOSIT' WHEN k % ${WITHDRAWAL_EVERY} = 0 THEN 'WITHDRAWAL' ELSE 'TRANSFER' END,
             CASE WHEN k % ${WITHDRAWAL_EVERY} = 0 THEN 'DEBIT' ELSE 'CREDIT' END,
             CASE WHEN k = 1 THEN 10000000 ELSE 100 END
        FROM generate_series(1, ${LONG_POSTINGS}) AS k
    ) AS shapes
  ), entries AS (
    -- One entry per account holds all its lines (the settlement line is their sum): each balances.
    INSERT INTO journal_entries (id, kind, currency, settlement, actor)
    SELECT account_id, 'DEPOSIT', 'USD', SUM(CASE type WHEN 'CREDIT' THEN amount ELSE -amount END), 'plan-test'
      FROM plan GROUP BY account_id
  )
  INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, transfer_id, actor, created_at,
                            journal_entry_id)
  SELECT gen_random_uuid(), account_id, type::"TransactionType", kind::"TransactionKind", amount,
         SUM(CASE type WHEN 'CREDIT' THEN amount ELSE -amount END) OVER (PARTITION BY a ORDER BY k), k,
         CASE WHEN kind = 'TRANSFER' THEN gen_random_uuid() END, 'plan-test', $1::timestamptz + at * interval '1 second', account_id
    FROM plan
   ORDER BY at;

  UPDATE accounts a SET balance = last.balance_after, version = last.account_version
    FROM (SELECT DISTINCT ON (account_id) account_id, balance_after, account_version
            FROM transactions ORDER BY account_id, account_version DESC) AS last
   WHERE a.id = last.account_id;

  INSERT INTO accounts (id, account_number, customer_name, type, currency, created_at)
  SELECT gen_random_uuid(), (2000000000 + n)::text,
         (ARRAY['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Tony'])[1 + n % 8] || ' ' ||
         CASE WHEN n % ${QUENNELL_EVERY} = 0 THEN 'Quennell'
              ELSE (ARRAY['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuthson', 'Allenson', 'Hoareson'])[1 + (n / 8) % 8] END,
         'CHECKING', 'USD', $1::timestamptz + n * interval '1 minute'
    FROM generate_series(1, ${NAMED}) AS n;
  ANALYZE;`;

beforeAll(async () => {
  database = await scratchDatabase("plan");
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  try {
    for (const statement of SEED.split(";").filter((s) => s.trim())) {
      await client.query(statement, statement.includes("$1") ? [START] : []);
    }
  } finally {
    await client.end();
  }
  db = createDatabase(database.url, { poolSize: 2 });
  history = new History(db.db, db.sql);
});
afterAll(async () => {
  await db?.close();
  await database?.drop();
});

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  "Index Cond"?: string;
  "Recheck Cond"?: string;
  "Actual Rows": number;
  "Rows Removed by Filter"?: number;
  "Rows Removed by Index Recheck"?: number;
  Plans?: PlanNode[];
}

const nodes = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(nodes)];
const types = (node: PlanNode) => nodes(node).map((n) => n["Node Type"]);

/** The plan PostgreSQL makes, and runs, for the statement the ledger sends. */
async function plan(accountIds: string[], request: HistoryRequest): Promise<PlanNode> {
  // Sent as the ledger sends it: unprepared, so planned with its values.
  const [row] = await db.sql.query(Prisma.sql`EXPLAIN (ANALYZE, FORMAT JSON) ${(await history.statement(accountIds, request))!}`, { prepare: false });
  return (row["QUERY PLAN"] as Array<{ Plan: PlanNode }>)[0].Plan;
}

/** The same for a page of the account list. */
async function accountsPlan(customerName: string, page: PageRequest = { first: 20 }): Promise<PlanNode> {
  const [row] = await db.sql.query(Prisma.sql`EXPLAIN (ANALYZE, FORMAT JSON) ${await history.accountsStatement(page, { customerName })}`, { prepare: false });
  return (row["QUERY PLAN"] as Array<{ Plan: PlanNode }>)[0].Plan;
}

/** The branch of the plan that reads one account's history: the Limit above the scan naming it. */
function branchOf(root: PlanNode, id: string): PlanNode {
  const branch = nodes(root)
    .filter((node) => node["Node Type"] === "Limit")
    .find((limit) => nodes(limit).some((node) => `${node["Index Cond"]} ${node["Recheck Cond"]}`.includes(id)));
  if (!branch) throw new Error(`no branch reads ${id}: ${JSON.stringify(root)}`);
  return branch;
}

/** Rows the branch fetched from the table, matching or not. */
const rowsRead = (branch: PlanNode) =>
  nodes(branch)
    .filter((node) => node["Node Type"] === "Index Scan" || node["Node Type"] === "Bitmap Heap Scan")
    .reduce((sum, node) => sum + node["Actual Rows"] + (node["Rows Removed by Filter"] ?? 0) + (node["Rows Removed by Index Recheck"] ?? 0), 0);

/** A walk of one of `indexes` in page order, no sort, that stopped after at most `maxRead` rows. */
function expectOrderedWalk(branch: PlanNode, indexes: string[], maxRead: number) {
  expect(types(branch)).toEqual(["Limit", "Index Scan"]);
  expect(indexes).toContain(nodes(branch)[1]["Index Name"]);
  expect(rowsRead(branch)).toBeLessThanOrEqual(maxRead);
}

async function cursorAfter(id: string, request: HistoryRequest) {
  const [page] = await history.transactions([id], request);
  return page.cursors.at(-1)!;
}

test.each<[string, HistoryRequest, string[], number]>([
  ["no filter", { first: 20 }, [HISTORY_INDEX], 21],
  ["type CREDIT in a 6-hour window", { first: 20, filter: { type: "CREDIT", from: hours(3), to: hours(9) } }, [HISTORY_INDEX, TYPE_INDEX], 43],
  ["status POSTED before a bound", { first: 20, filter: { status: "POSTED", to: hours(6) } }, [HISTORY_INDEX, STATUS_INDEX], 21],
  // Filters that match little: each is read from its own index, only the rows of the page.
  ["kind WITHDRAWAL (1 posting in 500)", { first: 20, filter: { kind: "WITHDRAWAL" } }, [KIND_INDEX], 21],
  ["type DEBIT (1 posting in 500)", { first: 20, filter: { type: "DEBIT" } }, [TYPE_INDEX], 21],
  ["kind WITHDRAWAL in a 12-hour window", { first: 20, filter: { kind: "WITHDRAWAL", from: hours(3), to: hours(15) } }, [KIND_INDEX], 21],
])("a 20,000-posting history with %s: an ordered index walk that stops after the page", async (_label, request, indexes, maxRead) => {
  const root = await plan([LONG], request);
  expect(types(root)).not.toContain("Seq Scan");
  expectOrderedWalk(branchOf(root, LONG), indexes, maxRead);
  expect(root["Actual Rows"]).toBe(21);

  // The next page too: the cursor joins the index condition.
  const next = await plan([LONG], { ...request, after: await cursorAfter(LONG, request) });
  expectOrderedWalk(branchOf(next, LONG), indexes, maxRead);
});

test("a 20,000-posting history with status REVERSED (none): its index answers the empty page without reading a posting", async () => {
  const root = await plan([LONG], { first: 20, filter: { status: "REVERSED" } });
  expect(types(root)).not.toContain("Seq Scan");
  expectOrderedWalk(branchOf(root, LONG), [STATUS_INDEX], 0);
  expect(root["Actual Rows"]).toBe(0);
});

test.each<[string, HistoryRequest]>([
  ["no filter", { first: 20 }],
  ["kind WITHDRAWAL", { first: 20, filter: { kind: "WITHDRAWAL" } }],
  ["type CREDIT in a 6-hour window", { first: 20, filter: { type: "CREDIT", from: hours(3), to: hours(9) } }],
  ["status REVERSED (matches nothing)", { first: 20, filter: { status: "REVERSED" } }],
])("a 40-posting history with %s: read through an index, never more than the account's own rows", async (_label, request) => {
  const id = accountId(500);
  const root = await plan([id], request);
  expect(types(root)).not.toContain("Seq Scan");
  expect(types(root).some((type) => type === "Index Scan" || type === "Bitmap Index Scan")).toBe(true);
  expect(rowsRead(branchOf(root, id))).toBeLessThanOrEqual(ORDINARY_POSTINGS);
});

test("a batch of accounts: a branch each, the long history still an ordered walk, each its own page", async () => {
  const ids = [accountId(7), LONG, accountId(8)];
  const request: HistoryRequest = { first: 20, filter: { kind: "WITHDRAWAL" } };
  const root = await plan(ids, request);
  expect(types(root)).not.toContain("Seq Scan");
  expectOrderedWalk(branchOf(root, LONG), [KIND_INDEX], 21);
  for (const id of [accountId(7), accountId(8)]) expect(rowsRead(branchOf(root, id))).toBeLessThanOrEqual(ORDINARY_POSTINGS);

  const pages = await history.transactions(ids, request);
  expect(pages.map((page) => [page.nodes.length, page.hasNextPage])).toEqual([
    [ORDINARY_POSTINGS / 4, false],
    [20, true],
    [ORDINARY_POSTINGS / 4, false],
  ]);
  pages.forEach((page, i) => expect(page.nodes.every((t) => t.accountId === ids[i] && t.kind === "WITHDRAWAL")).toBe(true));
});

test("accounts whose name holds a rare fragment, among 21,001: the trigram index finds them, only they are read", async () => {
  const root = await accountsPlan("QUENNELL");
  expect(types(root)).not.toContain("Seq Scan");
  expect(nodes(root).find((node) => node["Node Type"] === "Bitmap Index Scan")?.["Index Name"]).toBe(NAME_INDEX);
  expect(root["Actual Rows"]).toBe(NAMED / QUENNELL_EVERY);
  expect(rowsRead(root)).toBe(NAMED / QUENNELL_EVERY);

  // The next page: the cursor's position narrows the same read.
  const [first] = (await history.accounts({ first: 2 }, { customerName: "QUENNELL" })).cursors.slice(-1);
  const next = await accountsPlan("QUENNELL", { first: 2, after: first });
  expect(nodes(next).find((node) => node["Node Type"] === "Bitmap Index Scan")?.["Index Name"]).toBe(NAME_INDEX);
  expect(rowsRead(next)).toBeLessThanOrEqual(NAMED / QUENNELL_EVERY);
});

test("accounts whose name holds a common fragment: newest first, the walk stops once the page is full", async () => {
  const root = await accountsPlan("son");
  expect(types(root)).not.toContain("Seq Scan");
  expect(root["Actual Rows"]).toBe(21);
  // The newest accounts are the 1,001 with postings, named "Plan n"; past them 3 names in 8 match, so the page is full
  // about 56 rows further. A plan that read every match (7,500) and sorted them would grow with the table.
  expect(rowsRead(root)).toBeLessThanOrEqual(ORDINARY + 1 + 100);
});

test("a fragment under 3 characters has no trigram: the name index, which would hand back every account to recheck, is left out", async () => {
  const root = await accountsPlan("Qu");
  expect(nodes(root).map((node) => node["Index Name"])).not.toContain(NAME_INDEX);
  expect(root["Actual Rows"]).toBe(NAMED / QUENNELL_EVERY);
});
