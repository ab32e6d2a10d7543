import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { createDatabase, type Database } from "../src/db/client";
import { History, type HistoryRequest, type Page, type PageRequest } from "../src/ledger/history";
import { accountId, accountIdSql, createBenchDatabase, DEFAULT_ADMIN_URL, describePostgres, withClient, type BenchDatabase } from "./database";
import { percentile } from "./measurement";
import { describeMachine, say, table, today } from "./report";

/*
 * `npm run bench:scaling`: do the reads whose cost must not grow with the data
 * stay flat? Each size is a database of its own, seeded with SQL: one account
 * with `postings` postings among `postings / 5` accounts (the issue measured
 * 1,000,000 and 200,002). Each read goes through the ledger's own code
 * (History, the statements the API sends), is timed `rounds` times at every
 * size, and its median at the largest size is compared with the smallest.
 */

const USAGE = `usage: npm run bench:scaling -- [options]

  --sizes <list>   postings of the long account at each size, e.g. 100000,1000000 (default;
                   smoke 2000,10000); each size has postings / 5 accounts
  --rounds <n>     timed runs of every read at each size (default 30; smoke 3)
  --smoke          tiny sizes, a few seconds: checks every read answers as it should
  --keep           keep the databases afterwards (their names are printed), to look at plans
  --out <file>     also write the Markdown report there

  BENCH_DATABASE_URL   admin URL of the PostgreSQL server to create the databases on
                       (default ${DEFAULT_ADMIN_URL})`;

/** A read whose median grows more than this from the smallest size to the largest is flagged. */
const GROWTH_LIMIT = 2;
const ACCOUNTS_PER_POSTING = 1 / 5;
const WARMUP_ROUNDS = 3;
/** On the long account: this many withdrawals (its only debits), spread evenly, whatever its length. */
const WITHDRAWALS = 40;
/** This many accounts carry the rare name, whatever the size. */
const RARE_NAMES = 5;
const RARE_FRAGMENT = "quenn";
/** The trigram index cannot serve it (docs/history-query-plan.md): expected to grow. */
const SHORT_FRAGMENT = "Qu";
/** In three of the eight surnames: about 3 accounts in 8. */
const COMMON_FRAGMENT = "SON";
const PAGE = 20;

const LONG = accountId(1);
const START = new Date("2025-01-01T00:00:00Z");
const second = (n: number) => new Date(START.getTime() + n * 1000);

interface Options {
  sizes: number[];
  rounds: number;
  smoke: boolean;
  keep: boolean;
  out?: string;
}

function parseOptions(argv: string[]): Options | "help" {
  const { values } = parseArgs({
    args: argv,
    options: {
      sizes: { type: "string" },
      rounds: { type: "string" },
      smoke: { type: "boolean", default: false },
      keep: { type: "boolean", default: false },
      out: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) return "help";
  const smoke = values.smoke ?? false;
  const sizes = (values.sizes ?? (smoke ? "2000,10000" : "100000,1000000")).split(",").map(Number);
  if (sizes.length < 2 || sizes.some((n) => !Number.isInteger(n) || n < 1000)) throw new Error("--sizes must list two or more whole numbers >= 1000");
  const rounds = Number(values.rounds ?? (smoke ? 3 : 30));
  if (!Number.isInteger(rounds) || rounds < 1) throw new Error("--rounds must be a whole number >= 1");
  return { sizes: [...sizes].sort((a, b) => a - b), rounds, smoke, keep: values.keep ?? false, out: values.out };
}

/**
 * The long account (1): deposits, with WITHDRAWALS withdrawals spread
 * evenly (its only debits); nothing REVERSED. The
 * others: one opening deposit each. Names mix 8 first names and 8 surnames;
 * RARE_NAMES accounts are Quennell. The outbox triggers are off while seeding:
 * these postings are not events, and writing millions of them would only
 * slow the seed down.
 */
async function seedScale(url: string, postings: number): Promise<void> {
  const accounts = Math.round(postings * ACCOUNTS_PER_POSTING);
  const withdrawalEvery = Math.floor(postings / WITHDRAWALS);
  await withClient(url, async (client) => {
    await client.query(`ALTER TABLE accounts DISABLE TRIGGER USER; ALTER TABLE transactions DISABLE TRIGGER USER`);
    await client.query(
      `INSERT INTO accounts (id, account_number, customer_name, type, currency, balance, version, created_at, updated_at)
       SELECT ${accountIdSql("i")}, '7' || lpad(i::text, 11, '0'),
              CASE WHEN i = 1 THEN 'Long History'
                   ELSE (ARRAY['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Donald', 'Frances', 'Tony'])[1 + i % 8] || ' ' ||
                        CASE WHEN i % ($2::int / ${RARE_NAMES}) = 0 THEN 'Quennell'
                             ELSE (ARRAY['Lovelace', 'Hopper', 'Turing', 'Dijkstra', 'Liskov', 'Knuthson', 'Allenson', 'Hoareson'])[1 + (i / 8) % 8] END
              END,
              'CHECKING', 'USD', 1000000, 1, $1::timestamptz + i * interval '1 second', $1::timestamptz
         FROM generate_series(1, $2::int) i`,
      [START, accounts],
    );
    await client.query(
      `WITH plan AS (
         SELECT k,
                CASE WHEN k % $3::int = 0 THEN 'WITHDRAWAL' ELSE 'DEPOSIT' END AS kind,
                CASE WHEN k % $3::int = 0 THEN 'DEBIT' ELSE 'CREDIT' END AS type,
                CASE WHEN k = 1 THEN 1000000000 ELSE 100 END AS amount
           FROM generate_series(1, $2::int) k
       ), entry AS (
         INSERT INTO journal_entries (id, kind, currency, settlement, actor)
         SELECT $4::uuid, 'DEPOSIT', 'USD', SUM(CASE type WHEN 'CREDIT' THEN amount ELSE -amount END), 'scaling' FROM plan
       )
       INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, actor, created_at, journal_entry_id)
       SELECT gen_random_uuid(), $4::uuid, type::"TransactionType", kind::"TransactionKind", amount,
              SUM(CASE type WHEN 'CREDIT' THEN amount ELSE -amount END) OVER (ORDER BY k), k, 'scaling',
              $1::timestamptz + k * interval '1 second', $4::uuid
         FROM plan`,
      [START, postings, withdrawalEvery, LONG],
    );
    await client.query(
      `WITH others AS (SELECT id, created_at FROM accounts WHERE id <> $1::uuid), entries AS (
         INSERT INTO journal_entries (id, kind, currency, settlement, actor, created_at)
         SELECT id, 'DEPOSIT', 'USD', 1000000, 'scaling', created_at FROM others
       )
       INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, actor, created_at, journal_entry_id)
       SELECT gen_random_uuid(), id, 'CREDIT', 'DEPOSIT', 1000000, 1000000, 1, 'scaling', created_at, id FROM others`,
      [LONG],
    );
    await client.query(
      `UPDATE accounts SET (balance, version) = (SELECT balance_after, account_version FROM transactions
                                                  WHERE account_id = $1::uuid ORDER BY account_version DESC LIMIT 1)
        WHERE id = $1::uuid`,
      [LONG],
    );
    await client.query(`ALTER TABLE accounts ENABLE TRIGGER USER; ALTER TABLE transactions ENABLE TRIGGER USER`);
    await client.query("VACUUM ANALYZE");
  });
}

interface Read {
  name: string;
  /** Runs the read; throws when the answer is not the one this data must give. */
  run(history: History, cursor: string): Promise<unknown>;
}

function expectPage<T>(page: Page<T>, length: number, every: (node: T) => boolean = () => true): Page<T> {
  if (page.nodes.length !== length || !page.nodes.every(every)) {
    throw new Error(`expected a page of ${length} matching rows, got ${page.nodes.length}: ${JSON.stringify(page.nodes.slice(0, 3), (_k, v: unknown) => (typeof v === "bigint" ? String(v) : v))}`);
  }
  return page;
}

const history = (request: HistoryRequest) => async (h: History) => (await h.transactions([LONG], request))[0];
const names = (customerName: string, page: PageRequest = { first: PAGE }) => (h: History) => h.accounts(page, { customerName });

function reads(postings: number): Read[] {
  return [
    { name: "history, first page", run: async (h) => expectPage(await history({ first: PAGE })(h), PAGE) },
    { name: "history, the next page by cursor", run: async (h, cursor) => expectPage(await history({ first: PAGE, after: cursor })(h), PAGE) },
    {
      name: "history, a one-minute window mid-history",
      run: async (h) => expectPage(await history({ first: PAGE, filter: { from: second(postings / 2), to: second(postings / 2 + 60) } })(h), PAGE),
    },
    {
      name: `history, kind WITHDRAWAL (${WITHDRAWALS} in all)`,
      run: async (h) => expectPage(await history({ first: PAGE, filter: { kind: "WITHDRAWAL" } })(h), PAGE, (t) => t.kind === "WITHDRAWAL"),
    },
    {
      name: `history, type DEBIT (${WITHDRAWALS} in all)`,
      run: async (h) => expectPage(await history({ first: PAGE, filter: { type: "DEBIT" } })(h), PAGE, (t) => t.type === "DEBIT"),
    },
    { name: "history, status REVERSED (none)", run: async (h) => expectPage(await history({ first: PAGE, filter: { status: "REVERSED" } })(h), 0) },
    {
      name: `accounts, customerName "${RARE_FRAGMENT}" (${RARE_NAMES} accounts)`,
      run: async (h) => expectPage(await names(RARE_FRAGMENT)(h), RARE_NAMES, (a) => a.customerName.endsWith("Quennell")),
    },
    {
      name: `accounts, customerName "${SHORT_FRAGMENT}" (${RARE_NAMES} accounts; under 3 characters, no trigram)`,
      run: async (h) => expectPage(await names(SHORT_FRAGMENT)(h), RARE_NAMES, (a) => a.customerName.endsWith("Quennell")),
    },
    {
      name: `accounts, customerName "${COMMON_FRAGMENT}" (3 in 8)`,
      run: async (h) => expectPage(await names(COMMON_FRAGMENT)(h), PAGE, (a) => a.customerName.toUpperCase().includes(COMMON_FRAGMENT)),
    },
  ];
}

interface Timing {
  medianMs: number;
  p10Ms: number;
  p90Ms: number;
}

interface SizeResult {
  postings: number;
  accounts: number;
  seedSeconds: number;
  timings: Map<string, Timing>;
}

/** One size's database, seeded, with the ledger's reads on it. */
interface Seeded {
  postings: number;
  seedSeconds: number;
  database: Database;
  ledger: History;
  /** The end of the long account's first page. */
  cursor: string;
  samples: Map<string, number[]>;
}

async function open(url: string, postings: number, seedSeconds: number): Promise<Seeded> {
  const database = createDatabase(url, { poolSize: 1 });
  const ledger = new History(database.db, database.sql);
  const cursor = expectPage(await history({ first: PAGE })(ledger), PAGE).cursors.at(-1)!;
  return { postings, seedSeconds, database, ledger, cursor, samples: new Map(reads(postings).map((read) => [read.name, []])) };
}

/**
 * Times every read of every size `rounds` times, after untimed warm-up
 * rounds. In turns, size after size and read after read: the machine is
 * shared, and a noisy moment then touches every read at every size alike,
 * rather than making one size look slower than the other.
 */
async function measure(sizes: Seeded[], rounds: number): Promise<void> {
  for (let round = 0; round < WARMUP_ROUNDS + rounds; round++) {
    for (const size of sizes) {
      for (const read of reads(size.postings)) {
        const started = performance.now();
        await read.run(size.ledger, size.cursor);
        if (round >= WARMUP_ROUNDS) size.samples.get(read.name)!.push(performance.now() - started);
      }
    }
  }
}

function summarize({ postings, seedSeconds, samples }: Seeded): SizeResult {
  const timings = new Map(
    [...samples].map(([name, ms]): [string, Timing] => {
      const sorted = ms.sort((a, b) => a - b);
      return [name, { medianMs: percentile(sorted, 50), p10Ms: percentile(sorted, 10), p90Ms: percentile(sorted, 90) }];
    }),
  );
  return { postings, accounts: Math.round(postings * ACCOUNTS_PER_POSTING), seedSeconds, timings };
}

const count = (n: number) => n.toLocaleString("en-US");
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1));

function renderReport(options: Options, machine: string, results: SizeResult[]): { report: string; growing: string[] } {
  const smallest = results[0];
  const largest = results.at(-1)!;
  const growing: string[] = [];
  const rows = [...smallest.timings.keys()].map((name) => {
    const ratio = largest.timings.get(name)!.medianMs / smallest.timings.get(name)!.medianMs;
    if (ratio > GROWTH_LIMIT) growing.push(name);
    return [
      name,
      ...results.map(({ timings }) => {
        const t = timings.get(name)!;
        return `${ms(t.medianMs)} (${ms(t.p10Ms)}–${ms(t.p90Ms)})`;
      }),
      `${ratio.toFixed(2)}${ratio > GROWTH_LIMIT ? " ⚠ grows" : ""}`,
    ];
  });
  const sizeName = (r: SizeResult) => `${count(r.postings)} postings, ${count(r.accounts)} accounts`;
  const report = [
    `# Solvent scaling check, ${today()}${options.smoke ? " (smoke)" : ""}`,
    "",
    machine,
    "",
    `Each read through the ledger's own code (\`History\`), ${options.rounds} timed runs at each size after ${WARMUP_ROUNDS} untimed,`,
    `one connection, one read at a time. Median ms (p10–p90), and the ratio of the medians, largest size / smallest:`,
    `above ${GROWTH_LIMIT} is flagged (the size grew ${count(largest.postings / smallest.postings)}×).`,
    "",
    table(["read", ...results.map(sizeName), "ratio"], rows),
    "",
    `Seeding (SQL, then VACUUM ANALYZE): ${results.map((r) => `${sizeName(r)} in ${r.seedSeconds.toFixed(1)} s`).join("; ")}.`,
    "",
  ].join("\n");
  return { report, growing };
}

async function main(): Promise<number> {
  const options = parseOptions(process.argv.slice(2));
  if (options === "help") {
    console.log(USAGE);
    return 0;
  }
  const adminUrl = process.env.BENCH_DATABASE_URL || DEFAULT_ADMIN_URL;
  const databases: BenchDatabase[] = [];
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      say(`${signal}: dropping the databases, then stopping`);
      void Promise.all(databases.map((database) => database.drop())).finally(() => process.exit(130));
    });
  }
  const seeded: Seeded[] = [];
  let machine = "";
  try {
    for (const postings of options.sizes) {
      say(`size ${count(postings)} postings, ${count(Math.round(postings * ACCOUNTS_PER_POSTING))} accounts: creating, migrating and seeding a database`);
      const database = await createBenchDatabase(adminUrl);
      databases.push(database);
      const started = performance.now();
      await seedScale(database.url, postings);
      const seedSeconds = (performance.now() - started) / 1000;
      say(`seeded in ${seedSeconds.toFixed(1)} s`);
      machine ||= describeMachine(await describePostgres(database.url), []);
      seeded.push(await open(database.url, postings, seedSeconds));
    }
    say(`timing, ${options.rounds} rounds`);
    await measure(seeded, options.rounds);
  } finally {
    await Promise.all(seeded.map(({ database }) => database.close()));
    if (options.keep) say(`kept, drop them when done: ${databases.map((database) => database.name).join(", ")}`);
    else await Promise.all(databases.map((database) => database.drop()));
  }
  const results = seeded.map(summarize);
  const { report, growing } = renderReport(options, machine, results);
  console.log(report);
  if (options.out) {
    mkdirSync(path.dirname(options.out), { recursive: true });
    writeFileSync(options.out, report);
    say(`wrote ${path.relative(process.cwd(), options.out)}`);
  }
  say(growing.length ? `growing with the data (ratio > ${GROWTH_LIMIT}): ${growing.join("; ")}` : "every read stays flat");
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
