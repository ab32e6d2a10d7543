import pg from "pg";
import { applyMigrations } from "../src/db/migrations";

export const DEFAULT_ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/postgres";

/*
 * Seeded accounts have ids built from their number (1, 2, ...), so HTTP clients
 * and pgbench scripts pick a random account with a random integer, no lookup.
 */
const ID_PREFIX = "00000000-0000-4000-8000-";

export const accountId = (n: number) => ID_PREFIX + n.toString(16).padStart(12, "0");

/** The same id as SQL, from an integer expression (a pgbench variable, a series column). */
export const accountIdSql = (integer: string) => `('${ID_PREFIX}' || lpad(to_hex((${integer})::bigint), 12, '0'))::uuid`;

/** What the seed holds; every scenario draws its accounts from 1..n of these. */
export const SEED = {
  /** debit-uniform draws from all of them. */
  accounts: 10_000,
  /** transfer-uniform draws its pairs from 1..this. */
  transferAccounts: 1_000,
  /** read-history reads 1..this, which have `historyDepth` postings each (the others have their opening one). */
  historyAccounts: 1_000,
  historyDepth: 25,
  /** debit-hot's one account. */
  hotAccount: 1,
  /** 10,000,000,000.00 USD: debits and transfers of 0.01 never run out, however long the run. */
  openingMinor: 1_000_000_000_000n,
  /** The deposits after the opening one: 1.00 USD. */
  depositMinor: 100n,
} as const;

/** The amount every debit and transfer moves (one minor unit of USD). */
export const AMOUNT = "0.01";

export async function withClient<T>(url: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

export interface BenchDatabase {
  name: string;
  url: string;
  /** Drops the database, whoever is still connected; safe to call more than once. */
  drop(): Promise<void>;
}

/** A database of our own on the server `adminUrl` names, migrated with the project's own runner. */
export async function createBenchDatabase(adminUrl: string): Promise<BenchDatabase> {
  const name = `solvent_bench_${Date.now()}_${process.pid}`;
  await withClient(adminUrl, (admin) => admin.query(`CREATE DATABASE "${name}"`));
  const target = new URL(adminUrl);
  target.pathname = `/${name}`;
  let dropped: Promise<void> | undefined;
  const database: BenchDatabase = {
    name,
    url: target.toString(),
    drop: () =>
      (dropped ??= withClient(adminUrl, async (admin) => {
        await admin.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      })),
  };
  try {
    await applyMigrations(database.url);
  } catch (error) {
    await database.drop();
    throw error;
  }
  return database;
}

/**
 * Accounts and their postings, written directly (an HTTP request per posting
 * would take minutes) but keeping the ledger's promises: each balance is the
 * sum of its postings, the version is their count, account_version runs 1..n,
 * balance_after is the running sum, and each posting is a balanced entry. Postings are a second apart, oldest
 * first, so history pages are in a known order. Each account also had a hold, voided (it moved no money):
 * a ledger in use has holds, and the statistics ANALYZE takes must say so. The server's
 * connections plan the write path's statements once (generic plans) from the statistics of
 * that moment, and with no hold in them they keep scanning the whole holds table on every
 * write as it grows (seen: hold-capture 622 → 394 ops/s over one run, and debits after it at
 * 474 instead of 1,077).
 */
export async function seed(url: string): Promise<void> {
  await withClient(url, async (client) => {
    await client.query(
      `INSERT INTO accounts (id, account_number, customer_name, type, status, currency, balance, version, created_at, updated_at)
       SELECT ${accountIdSql("i")}, '7' || lpad(i::text, 11, '0'), 'Bench ' || i, 'CHECKING', 'ACTIVE', 'USD',
              $3::bigint + (p.postings - 1) * $4::bigint, p.postings, now() - interval '1 day', now()
         FROM generate_series(1, $1::int) i
        CROSS JOIN LATERAL (SELECT CASE WHEN i <= $2::int THEN $5::int ELSE 1 END AS postings) p`,
      [SEED.accounts, SEED.historyAccounts, SEED.openingMinor.toString(), SEED.depositMinor.toString(), SEED.historyDepth],
    );
    // Each deposit is a journal entry of its own, its settlement line the amount that came in.
    await client.query(
      `WITH lines AS (
         SELECT gen_random_uuid() AS id, a.id AS account_id, CASE WHEN v = 1 THEN $1::bigint ELSE $2::bigint END AS amount,
                $1::bigint + (v - 1) * $2::bigint AS balance_after, v, now() - make_interval(secs => a.version - v + 1) AS at
           FROM accounts a CROSS JOIN LATERAL generate_series(1, a.version) v
       ), entries AS (
         INSERT INTO journal_entries (id, kind, currency, settlement, actor, created_at)
         SELECT id, 'DEPOSIT', 'USD', amount, 'bench-seed', at FROM lines
       )
       INSERT INTO transactions (id, account_id, type, kind, amount, balance_after, account_version, actor, created_at, journal_entry_id)
       SELECT id, account_id, 'CREDIT', 'DEPOSIT', amount, balance_after, v, 'bench-seed', at, id FROM lines`,
      [SEED.openingMinor.toString(), SEED.depositMinor.toString()],
    );
    await client.query(
      `INSERT INTO holds (id, account_id, currency, amount, released, status, expires_at, actor, created_at, resolved_at)
       SELECT gen_random_uuid(), id, currency, $1::bigint, $1::bigint, 'VOIDED', now(), 'bench-seed', now() - interval '1 hour',
              now() - interval '30 minutes'
         FROM accounts`,
      [SEED.depositMinor.toString()],
    );
    await client.query("ANALYZE");
  });
}

export async function accountVersion(url: string, n: number): Promise<number> {
  return withClient(url, async (client) => {
    const { rows } = await client.query<{ version: number }>("SELECT version FROM accounts WHERE id = $1", [accountId(n)]);
    return rows[0].version;
  });
}

/** The server's version and the settings that move write throughput most. */
export async function describePostgres(url: string): Promise<string[]> {
  return withClient(url, async (client) => {
    const version = (await client.query<{ v: string }>("SELECT version() AS v")).rows[0].v;
    const { rows } = await client.query<{ name: string; setting: string; unit: string | null }>(
      `SELECT name, setting, unit FROM pg_settings
        WHERE name IN ('shared_buffers', 'synchronous_commit', 'fsync', 'wal_level', 'max_connections') ORDER BY name`,
    );
    return [version, `PostgreSQL settings: ${rows.map((r) => `${r.name} ${r.setting}${r.unit ? ` × ${r.unit}` : ""}`).join(", ")}`];
  });
}
